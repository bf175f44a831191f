"""The SDK's types on their own: partial dates, parsing that tolerates a newer server, bodies."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import detente_client
import pytest
from detente_client import (
    Contact,
    Official,
    OfficialBrief,
    Page,
    PartialDate,
    Participant,
    Revision,
    Statement,
    UnexpectedResponse,
)
from detente_client.facets import parse_facets
from detente_client.resources.base import encode, encode_query
from detente_client.streams import csv_rows, lines, ndjson_objects

STATEMENT: dict[str, Any] = {
    "id": 7,
    "url": "http://127.0.0.1:8000/api/v1/statements/7/",
    "version": 3,
    "created_at": "2024-11-18T09:00:00Z",
    "updated_at": "2024-11-19T10:30:00.123456+09:00",
    "text": "maintain close communications.",
    "kind": "quote",
    "language": "en",
    "speaker": {"id": 1, "url": "http://x/api/v1/officials/1/", "slug": "xi-jinping", "name": "Xi"},
    "speaker_label": "",
    "speaker_country": "CN",
    "said": "2024-07",
    "contact": None,
    "origin": None,
    "topics": ["bilateral-relations"],
    "citations": [
        {
            "source": {"id": 1, "url": "http://x/api/v1/sources/1/", "title": "[Article]"},
            "excerpt": "they agreed to “maintain close communications.”",
            "locator": "paragraph 8",
        }
    ],
    "review_state": "reviewed",
    "reviewed_by": "alice",
    "reviewed_at": "2024-11-18T10:00:00Z",
}


@pytest.mark.parametrize(
    ("text", "precision", "earliest", "latest"),
    [
        ("2025", "year", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        ("2024-02", "month", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("2024-07-26", "day", dt.date(2024, 7, 26), dt.date(2024, 7, 26)),
    ],
)
def test_partial_dates_keep_their_precision(text, precision, earliest, latest):
    date = PartialDate.parse(text)
    assert (date.text, date.precision, date.earliest, date.latest) == (
        text,
        precision,
        earliest,
        latest,
    )
    assert str(date) == text
    assert date.isoformat() == text
    assert date.contains(earliest)
    assert date.contains(latest)
    assert not date.contains(latest + dt.timedelta(days=1))


@pytest.mark.parametrize("text", ["2024-13", "2024-02-30", "24", "2024-7", "2024/07", "0000", ""])
def test_malformed_partial_dates_are_refused(text):
    with pytest.raises(ValueError):  # noqa: PT011
        PartialDate.parse(text)


def test_partial_dates_compare_build_and_overlap():
    assert PartialDate.of(dt.date(2024, 7, 26)) == PartialDate.parse("2024-07-26")
    assert PartialDate.of(dt.datetime(2024, 7, 26, 10, 0)) == PartialDate.parse("2024-07-26")
    assert PartialDate.of("2024") is not None
    july = PartialDate.parse("2024-07")
    assert PartialDate.of(july) is july
    assert july.overlaps(dt.date(2024, 7, 15))
    assert july.overlaps(end=dt.date(2024, 7, 1))
    assert not july.overlaps(dt.date(2024, 8, 1))
    ordered = sorted(
        [PartialDate.parse(t) for t in ("2024-07-02", "2024-07", "2024", "2023-12")],
        key=PartialDate.sort_key,
    )
    assert [d.text for d in ordered] == ["2023-12", "2024", "2024-07", "2024-07-02"]
    with pytest.raises(ValueError, match="do not match"):
        PartialDate("2024", "day", dt.date(2024, 1, 1), dt.date(2024, 1, 1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        july.text = "2025"


def test_a_record_is_parsed_into_frozen_typed_objects():
    statement = Statement.from_dict(STATEMENT)
    assert statement.said == PartialDate.parse("2024-07")
    assert statement.created_at == dt.datetime(2024, 11, 18, 9, 0, tzinfo=dt.UTC)
    assert statement.updated_at.utcoffset() == dt.timedelta(hours=9)
    assert isinstance(statement.speaker, OfficialBrief)
    assert statement.speaker_name == "Xi"
    assert statement.topics == ("bilateral-relations",)
    assert (statement.review_state, statement.reviewed_by) == ("reviewed", "alice")
    assert statement.reviewed_at == dt.datetime(2024, 11, 18, 10, 0, tzinfo=dt.UTC)
    assert statement.citations[0].source.title == "[Article]"
    assert hash(statement.citations[0])  # frozen and hashable
    with pytest.raises(dataclasses.FrozenInstanceError):
        statement.text = "other"
    assert statement.to_dict() == {**STATEMENT, "updated_at": "2024-11-19T10:30:00.123456+09:00"}


def test_unknown_fields_of_a_newer_server_are_ignored():
    newer = {
        **STATEMENT,
        "sentiment": "warm",
        "speaker": {**STATEMENT["speaker"], "portrait": "x.png"},
        "citations": [{**STATEMENT["citations"][0], "page": 3}],
    }
    assert Statement.from_dict(newer) == Statement.from_dict(STATEMENT)


def test_fields_the_schema_does_not_require_may_be_absent():
    required = {key: STATEMENT[key] for key in ("id", "url", "version", "created_at")}
    minimal = {**required, "updated_at": STATEMENT["updated_at"], "text": "x", "kind": "quote"}
    statement = Statement.from_dict(minimal)
    assert statement.speaker is None
    assert statement.said is None
    assert statement.topics == ()
    assert statement.citations == ()
    official = Official.from_dict(
        {**required, "updated_at": "2024-01-01T00:00:00Z", "slug": "a", "name": "A"}
    )
    assert official.positions == ()
    assert official.aliases == ()


def test_a_response_of_the_wrong_shape_is_an_unexpected_response():
    without_text = {key: value for key, value in STATEMENT.items() if key != "text"}
    with pytest.raises(UnexpectedResponse, match="text"):
        Statement.from_dict(without_text)
    with pytest.raises(UnexpectedResponse, match="said"):
        Statement.from_dict({**STATEMENT, "said": "July 2024"})
    with pytest.raises(UnexpectedResponse, match="version"):
        Statement.from_dict({**STATEMENT, "version": "3"})
    with pytest.raises(UnexpectedResponse, match="topics"):
        Statement.from_dict({**STATEMENT, "topics": "north-korea"})


def test_records_give_bodies_for_replace():
    statement = Statement.from_dict(STATEMENT)
    body = statement.as_input()
    assert body["speaker"] == 1
    assert body["said"] == "2024-07"
    assert body["citations"] == [
        {
            "source": 1,
            "excerpt": "they agreed to “maintain close communications.”",
            "locator": "paragraph 8",
        }
    ]
    contact = Contact.from_dict(
        {
            **{key: STATEMENT[key] for key in ("id", "url", "version", "created_at", "updated_at")},
            "title": "Talks",
            "kind": "talks",
            "participants": [
                {"official": STATEMENT["speaker"], "role": "host"},
                {"label": "Guests"},
            ],
            "citations": STATEMENT["citations"],
        }
    )
    assert [p["official"] for p in contact.as_input()["participants"]] == [1, None]
    assert [p.name for p in contact.participants] == ["Xi", "Guests"]


def test_bodies_and_queries_are_encoded_as_the_api_takes_them():
    assert encode(
        {"said": PartialDate.parse("2024-07"), "start": dt.date(2024, 1, 2), "topics": ("a", "b")}
    ) == {
        "said": "2024-07",
        "start": "2024-01-02",
        "topics": ["a", "b"],
    }
    assert encode_query(
        {"country": ("KR", "CN"), "said_after": dt.date(2024, 7, 1), "limit": 5, "q": None}
    ) == {
        "country": ["KR", "CN"],
        "said_after": "2024-07-01",
        "limit": 5,
    }


def test_revisions_and_pages():
    revision = Revision.from_dict(
        {
            "version": 2,
            "time": "2024-11-18T09:00:00Z",
            "user": None,
            "type": "changed",
            "changes": [{"field": "said", "old": "2024-07-26", "new": "2024-07"}],
        }
    )
    assert revision.changes[0].field == "said"
    assert revision.user is None
    page = Page(count=1, next=None, previous=None, results=(revision,))
    assert list(page) == [revision]
    assert page[0] is revision


def test_the_package_exports_what_scripts_use():
    for name in detente_client.__all__:
        assert hasattr(detente_client, name), name
    assert detente_client.__version__.count(".") == 2


# ---------------------------------------------------------------------------------------------
# Streamed bodies, facets, snippets


def chunked(data: bytes, size: int) -> Iterator[bytes]:
    return (data[i : i + size] for i in range(0, len(data), size))


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_streamed_lines_survive_any_chunking(size):
    text = 'id,notes\r\n1,"Séoul\r\nand 北京"\r\n2,plain\r\n3,"a ""quoted"" word"'
    data = text.encode("utf-8")
    assert "".join(lines(chunked(data, size))) == text  # multi-byte characters cut anywhere
    rows = list(csv_rows(lines(chunked(data, size))))
    assert rows == [
        {"id": "1", "notes": "Séoul\r\nand 北京"},
        {"id": "2", "notes": "plain"},
        {"id": "3", "notes": 'a "quoted" word'},
    ]


def test_ndjson_objects_skip_blank_lines_and_refuse_anything_else():
    data = b'{"id": 1}\n\n{"id": 2, "text": "a\\nb"}\n'
    assert list(ndjson_objects(lines(chunked(data, 4)))) == [{"id": 1}, {"id": 2, "text": "a\nb"}]
    with pytest.raises(UnexpectedResponse, match="Line 2"):
        list(ndjson_objects(iter(['{"id": 1}\n', "[1, 2]\n"])))
    with pytest.raises(UnexpectedResponse, match="not JSON"):
        list(ndjson_objects(iter(["{oops\n"])))


def test_facets_parse_and_refuse_a_wrong_shape():
    facets = parse_facets(
        {
            "kind": {
                "values": [{"value": "quote", "count": 2}, {"value": None, "count": 1}],
                "truncated": True,
            }
        }
    )
    assert facets["kind"].counts() == {"quote": 2, None: 1}
    assert facets["kind"].truncated is True
    assert [item.value for item in facets["kind"]] == ["quote", None]
    assert facets["kind"].to_dict()["values"][1] == {"value": None, "count": 1}
    assert parse_facets(None) == {}
    wrong: object
    for wrong in (
        [],
        {"kind": []},
        {"kind": {"values": [{"value": 1, "count": 2}]}},
        {"kind": {"values": [{"value": "a", "count": True}]}},
    ):
        with pytest.raises(UnexpectedResponse):
            parse_facets(wrong)


def test_a_participants_post_is_read_but_never_written():
    participant = Participant.from_dict(
        {
            "official": {"id": 4, "url": "u", "slug": "lee", "name": "Lee"},
            "label": "",
            "country": "KR",
            "role": "",
            "position": {
                "title": "Director",
                "organization": "MOFA",
                "country": "KR",
                "start": "2023",
                "end": None,
            },
        }
    )
    assert participant.position is not None
    assert participant.position.start == PartialDate.parse("2023")
    assert participant.to_dict()["position"]["title"] == "Director"
    assert "position" not in participant.as_input()
    assert Participant.from_dict({"label": "Guests", "position": None}).position is None


def test_a_snippet_is_kept_when_given_and_left_out_of_to_dict_otherwise():
    data = {
        "id": 1,
        "url": "u",
        "version": 1,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
        "text": "t",
        "kind": "quote",
        "citations": [],
        "reviewed_by": None,
        "reviewed_at": None,
    }
    assert "snippet" not in Statement.from_dict(data).to_dict()
    searched = Statement.from_dict({**data, "snippet": "<mark>t</mark>"})
    assert searched.snippet == "<mark>t</mark>"
    assert searched.to_dict()["snippet"] == "<mark>t</mark>"
