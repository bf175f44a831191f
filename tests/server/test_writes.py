"""Writes through the API: create, replace, patch and delete every resource with its nested parts,
and the rules that refuse a write (always field by field, always leaving everything as it was)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from server.diplomacy.models import (
    Citation,
    Official,
    Participant,
    Position,
    Source,
    Statement,
    Topic,
)
from tests import factories
from tests.server.writing import (
    API,
    ARTICLE,
    ARTICLE_EXCERPT,
    ARTICLE_QUOTE,
    BODIES,
    PROBLEM,
    RESOURCES,
    XI_JINPING,
    YOON_SUK_YEOL,
    cite,
    counts,
    create,
    curator_client,
    detail,
    error_at,
    official_body,
    statement_body,
    tag_of,
    writable,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator():
    return curator_client()


# -- create, read back -------------------------------------------------------------------------


@pytest.mark.parametrize("resource", RESOURCES)
def test_create_answers_201_with_location_etag_and_exactly_what_was_written(curator, resource):
    body = BODIES[resource]()
    before = RESOURCES[resource].objects.count()

    response = curator.post(f"{API}/{resource}/", body, format="json")

    assert response.status_code == 201, response.content
    created = response.json()
    assert writable(created) == body
    assert created["version"] == 1
    assert response["Location"] == created["url"]
    assert created["url"] == f"http://testserver{API}/{resource}/{created['id']}/"
    assert response["ETag"] == tag_of(curator, detail(resource, created["id"]))
    assert RESOURCES[resource].objects.count() == before + 1
    read = curator.get(detail(resource, created["id"]))
    assert read.status_code == 200
    assert read.json() == created


def test_related_records_are_shown_brief(curator):
    created = create(curator, "statements")
    assert created["speaker"] == {
        "id": XI_JINPING,
        "url": f"http://testserver{API}/officials/{XI_JINPING}/",
        "slug": "xi-jinping",
        "name": "Xi Jinping",
    }
    assert set(created["citations"][0]["source"]) == {"id", "url", "title"}


def test_statement_speaker_country_is_derived_from_the_speaker_when_left_out(curator):
    body = {**BODIES["statements"](), "speaker_country": ""}
    assert create(curator, "statements", body)["speaker_country"] == "CN"


def test_statement_speaker_country_follows_a_changed_speaker(curator):
    created = create(curator, "statements")
    url = detail("statements", created["id"])
    response = curator.patch(url, {"speaker": YOON_SUK_YEOL}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["speaker_country"] == "KR"


def test_contact_status_defaults_to_held(curator):
    body = BODIES["contacts"]()
    del body["status"]
    assert create(curator, "contacts", body)["status"] == "held"


# -- replace (PUT) -----------------------------------------------------------------------------


def _changed_body(resource: str, body: dict[str, Any]) -> dict[str, Any]:
    """Every field of the body given a new value, nested lists included."""
    other = factories.source()
    new_citations = [cite(other.pk, "A new excerpt.", "page 2")]
    if resource == "officials":
        return {
            **body,
            "slug": body["slug"] + "-2",
            "name": "Ban Test II",
            "aliases": ["BT"],
            "country": "NR",
            "positions": [
                {
                    "title": "Envoy",
                    "organization": "Test Office",
                    "country": "PW",
                    "start": "2019",
                    "end": "2019-06",
                    "citations": new_citations,
                    "review_state": "reviewed",
                }
            ],
            "notes": "",
        }
    if resource == "sources":
        return {
            **body,
            "title": "[Another dispatch]",
            "kind": "interview",
            "published": "2024-07-26",
            "language": "ko",
            "text": "",
        }
    if resource == "contacts":
        return {
            **body,
            "title": "Renamed talks",
            "status": "held",
            "date": "2024-07-30",
            "end_date": None,
            "duration_minutes": None,
            "participants": [{"official": None, "label": "Others", "country": "PW", "role": ""}],
            "topics": ["north-korea"],
            "citations": new_citations,
            "review_state": "disputed",
        }
    return {
        **body,
        "text": "A paraphrase.",
        "kind": "paraphrase",
        "speaker": YOON_SUK_YEOL,
        "speaker_country": "KR",
        "said": "2024",
        "contact": 1,
        "origin": other.pk,
        "topics": [],
        "citations": new_citations,
        "review_state": "reviewed",
    }


@pytest.mark.parametrize("resource", RESOURCES)
def test_put_replaces_every_field_and_nested_list(curator, resource):
    created = create(curator, resource)
    changed = _changed_body(resource, writable(created))

    response = curator.put(detail(resource, created["id"]), changed, format="json")

    assert response.status_code == 200, response.content
    assert writable(response.json()) == changed
    assert response.json()["version"] == 2
    assert response["ETag"] == tag_of(curator, detail(resource, created["id"]))
    assert curator.get(detail(resource, created["id"])).json() == response.json()
    # The old nested rows are gone, not merely hidden.
    pk = created["id"]
    stored = {
        "officials": Citation.objects.filter(position__official_id=pk),
        "contacts": Citation.objects.filter(contact_id=pk),
        "statements": Citation.objects.filter(statement_id=pk),
    }
    if resource in stored:
        assert list(stored[resource].values_list("excerpt", flat=True)) == ["A new excerpt."]
    if resource == "officials":
        assert Position.objects.filter(official_id=pk).count() == 1
    if resource == "contacts":
        assert Participant.objects.filter(contact_id=pk).count() == 1


def test_put_leaving_out_optional_fields_clears_them(curator):
    official = create(curator, "officials")
    response = curator.put(
        detail("officials", official["id"]),
        {"slug": official["slug"], "name": "Only a name"},
        format="json",
    )
    assert response.status_code == 200, response.content
    shown = response.json()
    assert (shown["aliases"], shown["country"], shown["positions"], shown["notes"]) == (
        [],
        "",
        [],
        "",
    )
    assert not Position.objects.filter(official_id=official["id"]).exists()

    contact = create(curator, "contacts")
    response = curator.put(
        detail("contacts", contact["id"]),
        {
            "title": "Bare talks",
            "kind": "call",
            "status": "held",
            "citations": [cite()],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    shown = response.json()
    for name in ("date", "end_date", "duration_minutes"):
        assert shown[name] is None, name
    for name in ("location", "country", "occasion", "summary"):
        assert shown[name] == "", name
    assert shown["participants"] == shown["topics"] == []

    statement = create(curator, "statements")
    response = curator.put(
        detail("statements", statement["id"]),
        {
            "text": "Words.",
            "kind": "paraphrase",
            "speaker_label": "An office",
            "citations": [cite()],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    shown = response.json()
    assert (shown["speaker"], shown["said"], shown["contact"], shown["origin"]) == (None,) * 4
    assert (shown["language"], shown["speaker_country"], shown["topics"]) == ("", "", [])


def test_put_accepts_any_body_that_post_accepts(curator):
    body = BODIES["contacts"]()
    del body["status"]
    created = create(curator, "contacts", body)
    response = curator.put(detail("contacts", created["id"]), body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "held"


def test_put_without_a_required_field_is_a_400(curator):
    created = create(curator, "contacts")
    body = writable(created)
    del body["citations"]
    before = counts()
    response = curator.put(detail("contacts", created["id"]), body, format="json")
    assert response.status_code == 400
    assert "citations" in response.json()["errors"]
    assert counts() == before


# -- patch -------------------------------------------------------------------------------------


def test_patch_of_positions_replaces_them_whole(curator):
    created = create(curator, "officials")
    old_positions = set(Position.objects.filter(official_id=created["id"]).values_list("id"))
    new = [{"title": "Envoy", "start": "2024", "citations": [cite(locator="p4")]}]

    response = curator.patch(detail("officials", created["id"]), {"positions": new}, format="json")

    assert response.status_code == 200, response.content
    shown = response.json()["positions"]
    assert writable({"positions": shown})["positions"] == [
        {
            "title": "Envoy",
            "organization": "",
            "country": "",
            "start": "2024",
            "end": None,
            "citations": [cite(locator="p4")],
            "review_state": "draft",
        }
    ]
    remaining = Position.objects.filter(official_id=created["id"])
    assert remaining.count() == 1
    assert not old_positions & set(remaining.values_list("id"))
    assert Citation.objects.filter(position__official_id=created["id"]).count() == 1
    # The other fields are as they were.
    assert {**writable(response.json()), "positions": None} == {
        **writable(created),
        "positions": None,
    }


def test_patch_of_contact_nested_lists_replaces_them(curator):
    created = create(curator, "contacts")
    response = curator.patch(
        detail("contacts", created["id"]),
        {
            "participants": [{"label": "Only one", "country": "PW"}],
            "topics": ["north-korea"],
            "citations": [cite(locator="again")],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    shown = response.json()
    assert writable(shown)["participants"] == [
        {"official": None, "label": "Only one", "country": "PW", "role": ""}
    ]
    assert shown["topics"] == ["north-korea"]
    assert writable(shown)["citations"] == [cite(locator="again")]
    assert Citation.objects.filter(contact_id=created["id"]).count() == 1


def test_patch_of_statement_citations_and_topics_replaces_them(curator):
    created = create(curator, "statements")
    two = [cite(locator="first"), cite(excerpt=ARTICLE_QUOTE, locator="second")]
    response = curator.patch(
        detail("statements", created["id"]),
        {"citations": two, "topics": ["regional-situation", "north-korea"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert writable(response.json())["citations"] == two
    assert response.json()["topics"] == ["north-korea", "regional-situation"]

    response = curator.patch(
        detail("statements", created["id"]), {"citations": two[1:], "topics": []}, format="json"
    )
    assert writable(response.json())["citations"] == two[1:]
    assert response.json()["topics"] == []
    assert Citation.objects.filter(statement_id=created["id"]).count() == 1


@pytest.mark.parametrize(
    ("resource", "change"),
    [
        ("officials", {"name": "Renamed"}),
        ("contacts", {"title": "Renamed"}),
        ("statements", {"said": "2024-07"}),
    ],
)
def test_patch_without_the_nested_keys_keeps_them(curator, resource, change):
    created = create(curator, resource)
    response = curator.patch(detail(resource, created["id"]), change, format="json")
    assert response.status_code == 200, response.content
    assert writable(response.json()) == {**writable(created), **change}


def test_patch_of_a_partial_date_and_null(curator):
    created = create(curator, "sources")
    response = curator.patch(detail("sources", created["id"]), {"published": None}, format="json")
    assert response.json()["published"] is None
    response = curator.patch(detail("sources", created["id"]), {"published": "2025"}, format="json")
    assert response.json()["published"] == "2025"
    assert Source.objects.get(pk=created["id"]).published.isoformat() == "2025"


# -- refusals: every one field by field, leaving everything as it was ---------------------------


def _assert_refused(
    api: Any, method: str, url: str, body: Any, path: tuple[str | int, ...], status: int = 400
) -> dict[str, Any]:
    before = counts()
    shown_before = api.get(url).json() if method != "post" else None
    response = getattr(api, method)(url, body, format="json")
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status
    messages = error_at(problem, path)
    assert messages, problem
    assert counts() == before
    if shown_before is not None:
        assert api.get(url).json() == shown_before  # same version, same fields
    return problem


def _with(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**body, **changes}


def _position(**changes: Any) -> dict[str, Any]:
    return {"title": "Post", "start": "2020", "citations": [cite()], **changes}


# Each case: resource, a body from the resource's test body, the path of the expected error.
CREATE_REFUSALS: dict[str, tuple[str, Callable[[dict[str, Any]], Any], tuple[str | int, ...]]] = {
    "malformed month": (
        "statements",
        lambda b: _with(b, said="2024-13"),
        ("said",),
    ),
    "not a day of the calendar": (
        "statements",
        lambda b: _with(b, said="2024-02-30"),
        ("said",),
    ),
    "padded year": ("sources", lambda b: _with(b, published="24-07"), ("published",)),
    "malformed contact date": ("contacts", lambda b: _with(b, date="July 2024"), ("date",)),
    "malformed position start": (
        "officials",
        lambda b: _with(b, positions=[_position(start="2024-13")]),
        ("positions", 0, "start"),
    ),
    "position ends before it starts": (
        "officials",
        lambda b: _with(b, positions=[_position(start="2020-05", end="2020-04")]),
        ("positions", 0, "end"),
    ),
    "second position ends before it starts": (
        "officials",
        lambda b: _with(b, positions=[_position(), _position(start="2021", end="2020")]),
        ("positions", 1, "end"),
    ),
    "contact ends before its date": (
        "contacts",
        lambda b: _with(b, date="2024-07-26", end_date="2024-07-25"),
        ("end_date",),
    ),
    "contact ends in a month before its date": (
        "contacts",
        lambda b: _with(b, date="2024-07", end_date="2024-06"),
        ("end_date",),
    ),
    "statement with an empty citation list": (
        "statements",
        lambda b: _with(b, citations=[]),
        ("citations",),
    ),
    "statement with no citations key": (
        "statements",
        lambda b: {k: v for k, v in b.items() if k != "citations"},
        ("citations",),
    ),
    "contact with an empty citation list": (
        "contacts",
        lambda b: _with(b, citations=[]),
        ("citations",),
    ),
    "position without citations": (
        "officials",
        lambda b: _with(b, positions=[_position(citations=[])]),
        ("positions", 0, "citations"),
    ),
    "quote not in any excerpt": (
        "statements",
        lambda b: _with(b, text="We never said this."),
        ("text",),
    ),
    "quote in another citation's source but not in its excerpts": (
        "statements",
        lambda b: _with(b, text="Contacts between top officials"),
        ("text",),
    ),
    "excerpt not in the article's text": (
        "statements",
        lambda b: _with(b, kind="paraphrase", citations=[cite(excerpt="Not in the article.")]),
        ("citations", 0, "excerpt"),
    ),
    "second excerpt not in the article's text": (
        "contacts",
        lambda b: _with(b, citations=[cite(), cite(excerpt="Invented words.")]),
        ("citations", 1, "excerpt"),
    ),
    "position excerpt not in the article's text": (
        "officials",
        lambda b: _with(b, positions=[_position(citations=[cite(excerpt="Invented.")])]),
        ("positions", 0, "citations", 0, "excerpt"),
    ),
    "unknown field": ("statements", lambda b: _with(b, speaker_lable="x"), ("speaker_lable",)),
    "id": ("statements", lambda b: _with(b, id=999), ("id",)),
    "version": ("officials", lambda b: _with(b, version=7), ("version",)),
    "created_at": (
        "sources",
        lambda b: _with(b, created_at="2020-01-01T00:00:00Z"),
        ("created_at",),
    ),
    "url": ("contacts", lambda b: _with(b, url="http://example.org/"), ("url",)),
    "unknown key in a citation": (
        "statements",
        lambda b: _with(b, citations=[{**cite(), "page": 3}]),
        ("citations", 0, "page"),
    ),
    "unknown key in a position's citation": (
        "officials",
        lambda b: _with(b, positions=[_position(citations=[{**cite(), "page": 3}])]),
        ("positions", 0, "citations", 0, "page"),
    ),
    "unknown key in a position": (
        "officials",
        lambda b: _with(b, positions=[_position(id=1)]),
        ("positions", 0, "id"),
    ),
    "unknown key in a participant": (
        "contacts",
        lambda b: _with(b, participants=[{"label": "X", "name": "Y"}]),
        ("participants", 0, "name"),
    ),
    "unknown topic slug": (
        "statements",
        lambda b: _with(b, topics=["bilateral-relations", "no-such-topic"]),
        ("topics",),
    ),
    "unknown speaker": ("statements", lambda b: _with(b, speaker=987654), ("speaker",)),
    "unknown participant official": (
        "contacts",
        lambda b: _with(b, participants=[{"official": 987654}]),
        ("participants", 0, "official"),
    ),
    "unknown cited source": (
        "statements",
        lambda b: _with(b, citations=[cite(source=987654)]),
        ("citations", 0, "source"),
    ),
    "duplicate slug": ("officials", lambda b: _with(b, slug="xi-jinping"), ("slug",)),
    "country in lower case": ("officials", lambda b: _with(b, country="tv"), ("country",)),
    "unknown kind": ("contacts", lambda b: _with(b, kind="party"), ("kind",)),
    "zero minutes": ("contacts", lambda b: _with(b, duration_minutes=0), ("duration_minutes",)),
    "participant with neither official nor label": (
        "contacts",
        lambda b: _with(b, participants=[{"country": "TV"}]),
        ("participants",),
    ),
}


@pytest.mark.parametrize("case", CREATE_REFUSALS)
def test_create_refused_field_by_field_and_nothing_written(curator, case):
    resource, make, path = CREATE_REFUSALS[case]
    body = make(BODIES[resource]())
    _assert_refused(curator, "post", f"{API}/{resource}/", body, path)


def test_excerpt_not_in_the_article_names_the_source(curator):
    body = _with(BODIES["statements"](), kind="paraphrase", citations=[cite(excerpt="Invented.")])
    problem = _assert_refused(
        curator, "post", f"{API}/statements/", body, ("citations", 0, "excerpt")
    )
    assert f"source {ARTICLE}" in " ".join(problem["errors"]["citations"][0]["excerpt"])


def test_unknown_and_read_only_fields_are_all_named(curator):
    body = _with(BODIES["sources"](), id=1, version=1, updated_at="x", colour="red")
    problem = _assert_refused(curator, "post", f"{API}/sources/", body, ("colour",))
    assert set(problem["errors"]) == {"id", "version", "updated_at", "colour"}


UPDATE_REFUSALS: dict[str, tuple[str, int, dict[str, Any], tuple[str | int, ...]]] = {
    "malformed said": ("statements", 1, {"said": "2024-13"}, ("said",)),
    "quote changed away from its excerpt": ("statements", 1, {"text": "Something else"}, ("text",)),
    "citations emptied": ("statements", 1, {"citations": []}, ("citations",)),
    "contact end before date": (
        "contacts",
        1,
        {"date": "2024-05-27", "end_date": "2024-05-26"},
        ("end_date",),
    ),
    "read-only version": ("officials", 1, {"version": 5}, ("version",)),
    "read-only id": ("officials", 1, {"id": 5}, ("id",)),
    "unknown field": ("contacts", 1, {"participants_count": 2}, ("participants_count",)),
    "slug taken": ("officials", 1, {"slug": "yoon-suk-yeol"}, ("slug",)),
    "unknown topic": ("contacts", 1, {"topics": ["nope"]}, ("topics",)),
    "unknown speaker": ("statements", 1, {"speaker": 987654}, ("speaker",)),
    "excerpt not in the article": (
        "contacts",
        1,
        {"citations": [cite(excerpt="Words nobody wrote.")]},
        ("citations", 0, "excerpt"),
    ),
    "nested unknown key": (
        "officials",
        1,
        {"positions": [_position(citations=[{**cite(), "quote": "x"}])]},
        ("positions", 0, "citations", 0, "quote"),
    ),
}


@pytest.mark.parametrize("case", UPDATE_REFUSALS)
@pytest.mark.parametrize("method", ["patch", "put"])
def test_update_refused_field_by_field_and_nothing_changed(curator, case, method):
    resource, pk, change, path = UPDATE_REFUSALS[case]
    url = detail(resource, pk)
    body = {**writable(curator.get(url).json()), **change} if method == "put" else change
    _assert_refused(curator, method, url, body, path)
    assert RESOURCES[resource].objects.get(pk=pk).version == 1


# -- verbatim excerpts: whitespace and quote marks normalised ----------------------------------


def test_excerpt_with_straight_quotes_and_other_whitespace_is_accepted(curator):
    straight = ARTICLE_EXCERPT.replace("“", '"').replace("”", '"').replace(" ", "  \n", 2)
    assert straight != ARTICLE_EXCERPT
    body = _with(BODIES["statements"](), citations=[cite(excerpt=straight)])
    created = create(curator, "statements", body)
    assert created["citations"][0]["excerpt"] == straight  # stored as written


def test_quote_with_straight_quote_marks_matches_a_curly_excerpt(curator):
    text = '"long-awaited visit of the Chinese leader to South Korea,"'
    created = create(curator, "statements", _with(BODIES["statements"](), text=text))
    assert created["text"] == text


def test_excerpt_across_a_paragraph_break_is_found_with_spaces(curator):
    across = "continue them further. The next meeting"  # the article has a newline between them
    body = _with(BODIES["statements"](), kind="paraphrase", citations=[cite(excerpt=across)])
    create(curator, "statements", body)


def test_a_source_without_text_takes_any_excerpt(curator):
    other = factories.source()
    body = _with(BODIES["statements"](), text="Anything", citations=[cite(other.pk, "Anything")])
    create(curator, "statements", body)


def test_changing_a_sources_text_away_from_its_excerpts_is_refused(curator):
    _assert_refused(
        curator,
        "patch",
        detail("sources", ARTICLE),
        {"text": "A wholly different text."},
        ("text",),
    )
    assert Source.objects.get(pk=ARTICLE).version == 1


def test_a_source_text_must_keep_every_excerpt_citing_it(curator):
    created = create(curator, "sources")
    url = detail("sources", created["id"])
    body = _with(
        BODIES["statements"](),
        kind="paraphrase",
        text="They agreed to keep talking.",
        citations=[cite(created["id"], 'They agreed to "keep talking."')],
    )
    create(curator, "statements", body)

    problem = _assert_refused(curator, "patch", url, {"text": "The ministers met."}, ("text",))
    assert "citation" in problem["errors"]["text"][0]
    put_body = {**writable(curator.get(url).json()), "text": "Nothing of the sort."}
    _assert_refused(curator, "put", url, put_body, ("text",))

    kept = "Later. They   agreed to “keep talking.” Then they left."
    response = curator.patch(url, {"text": kept}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["text"] == kept
    assert curator.patch(url, {"text": ""}, format="json").status_code == 200


def test_an_excerpt_citing_a_source_with_text_must_be_in_it(curator):
    created = create(curator, "sources")
    body = _with(
        BODIES["statements"](),
        kind="paraphrase",
        citations=[cite(created["id"], "They disagreed.")],
    )
    _assert_refused(curator, "post", f"{API}/statements/", body, ("citations", 0, "excerpt"))


# -- delete ------------------------------------------------------------------------------------


def test_deleting_a_source_still_cited_is_a_409_naming_every_record(curator):
    cited = factories.source()
    official = factories.official(positions=0)  # cites it through a post held
    response = curator.patch(
        detail("officials", official.pk),
        {"positions": [_position(citations=[cite(cited.pk, "Posted.")])]},
        format="json",
    )
    assert response.status_code == 200, response.content
    contact = factories.contact(citations=[{"source": cited, "excerpt": "Met."}])
    statement = factories.statement(cited=cited)
    origin_of = factories.statement(origin=cited)
    before = counts()

    response = curator.delete(detail("sources", cited.pk))

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["referenced_by"] == [
        {"type": "contact", "id": contact.pk},
        {"type": "official", "id": official.pk},
        {"type": "statement", "id": statement.pk},
        {"type": "statement", "id": origin_of.pk},
    ]
    assert counts() == before
    assert Source.objects.get(pk=cited.pk).version == 1
    assert curator.get(detail("sources", cited.pk)).status_code == 200


def test_deleting_an_official_still_referenced_is_a_409(curator):
    official = factories.official()
    contact = factories.contact(officials=(official,))
    statement = factories.statement(speaker=official)
    before = counts()

    response = curator.delete(detail("officials", official.pk))

    assert response.status_code == 409
    assert response.json()["referenced_by"] == [
        {"type": "contact", "id": contact.pk},
        {"type": "statement", "id": statement.pk},
    ]
    assert counts() == before
    assert Official.objects.get(pk=official.pk).version == 1


def test_deleting_a_contact_a_statement_belongs_to_is_a_409(curator):
    statement = Statement.objects.filter(contact__isnull=False).first()
    assert statement is not None
    assert statement.contact_id is not None
    response = curator.delete(detail("contacts", statement.contact_id))
    assert response.status_code == 409
    assert {"type": "statement", "id": statement.pk} in response.json()["referenced_by"]


def test_deleting_the_article_lists_all_that_cite_it(curator):
    before = counts()
    response = curator.delete(detail("sources", ARTICLE))
    assert response.status_code == 409
    listed = {(item["type"], item["id"]) for item in response.json()["referenced_by"]}
    assert ("official", XI_JINPING) in listed
    assert len(listed) == len(set(listed))
    assert counts() == before


@pytest.mark.parametrize("resource", RESOURCES)
def test_deleting_an_unreferenced_record_is_a_204(curator, resource):
    created = create(curator, resource)
    response = curator.delete(detail(resource, created["id"]))
    assert response.status_code == 204
    assert response.content == b""
    assert curator.get(detail(resource, created["id"])).status_code == 404
    assert not RESOURCES[resource].objects.filter(pk=created["id"]).exists()


def test_a_source_is_deletable_once_nothing_cites_it(curator):
    cited = factories.source()
    official = factories.official(positions=0)
    curator.patch(
        detail("officials", official.pk),
        {"positions": [_position(citations=[cite(cited.pk, "Posted.")])]},
        format="json",
    )
    assert curator.delete(detail("sources", cited.pk)).status_code == 409
    assert curator.delete(detail("officials", official.pk)).status_code == 204
    assert not Position.objects.filter(official_id=official.pk).exists()
    assert curator.delete(detail("sources", cited.pk)).status_code == 204


def test_deleting_a_missing_record_is_a_404(curator):
    assert curator.delete(detail("statements", 987654)).status_code == 404


def test_topics_are_not_created_by_a_write(curator):
    before = Topic.objects.count()
    _assert_refused(
        curator,
        "post",
        f"{API}/contacts/",
        _with(BODIES["contacts"](), topics=["brand-new"]),
        ("topics",),
    )
    assert Topic.objects.count() == before


# -- fields the server derives or reads strictly -------------------------------------------------


def test_a_speakers_country_given_against_the_officials_is_refused(curator):
    body = {**statement_body(), "speaker": XI_JINPING, "speaker_label": "", "speaker_country": "KR"}
    response = curator.post(f"{API}/statements/", body, format="json")
    assert response.status_code == 400
    assert "speaker_country" in response.json()["errors"]
    agreeing = curator.post(f"{API}/statements/", {**body, "speaker_country": "CN"}, format="json")
    assert agreeing.status_code == 201, agreeing.content


@pytest.mark.parametrize("value", [2024, 202407, ["2024"], {"year": 2024}])
def test_a_partial_date_must_be_text(curator, value):
    before = counts()
    response = curator.post(
        f"{API}/statements/", {**statement_body(), "said": value}, format="json"
    )
    assert response.status_code == 400
    assert "said" in response.json()["errors"]
    assert counts() == before


def test_an_error_in_a_list_item_names_its_index(curator):
    body = {**official_body("t-blank-alias"), "aliases": ["Ban", ""]}
    response = curator.post(f"{API}/officials/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"]["aliases"] == {"1": ["This field may not be blank."]}
