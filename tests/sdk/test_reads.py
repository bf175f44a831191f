"""Reading with the SDK from a live server: lists, pages, records, and every kind of filter."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from detente_client import (
    Citation,
    Client,
    Contact,
    ListIterator,
    NotFound,
    Official,
    OfficialBrief,
    Page,
    PartialDate,
    Source,
    Statement,
    ValidationError,
)

from .conftest import LIVE

pytestmark = LIVE


class CountingSession(requests.Session):
    """A session of the script's own that counts the requests the client sends through it."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def request(self, method, url, *args, **kwargs):
        self.urls.append(url)
        return super().request(method, url, *args, **kwargs)


def ids(records) -> list[int]:
    return [record.id for record in records]


def test_the_readme_example_runs(api):
    said = [
        (s.said, s.speaker.name if s.speaker else s.speaker_label, s.text)
        for s in api.statements.list(speaker="xi-jinping")
    ]
    assert len(said) == 3
    assert {name for _, name, _ in said} == {"Xi Jinping"}
    # Xi Jinping's statements are undated in the article: a date bound matches none of them.
    assert list(api.statements.list(speaker="xi-jinping", said_after="2024-01-01")) == []
    page = api.contacts.page(country="LA", limit=10)
    assert (page.count, page.next, page.previous) == (1, None, None)
    official = api.officials.get(3)
    assert isinstance(official, Official)
    assert official.name == "Li Qiang"


def test_list_walks_every_page_lazily_one_page_at_a_time(server):
    session = CountingSession()
    api = Client(server, session=session)
    everything = api.statements.list(limit=10)
    assert isinstance(everything, ListIterator)
    assert everything.count == 25
    assert len(session.urls) == 1  # the first page, fetched when the iterator is made
    first_ten = [next(everything) for _ in range(10)]
    assert len(session.urls) == 1  # no page is fetched before it is needed
    eleventh = next(everything)
    assert len(session.urls) == 2
    rest = list(everything)
    assert len(session.urls) == 3
    walked = [*first_ten, eleventh, *rest]
    assert len(walked) == 25
    assert len(set(ids(walked))) == 25
    assert all(isinstance(statement, Statement) for statement in walked)
    # The pages were followed through their `next` links, never all requested at once.
    assert "offset=10" in session.urls[1]
    assert "offset=20" in session.urls[2]
    assert ids(walked) == ids(api.statements.list(limit=200))


def test_page_and_its_neighbours(api):
    page = api.statements.page(limit=10, offset=10)
    assert isinstance(page, Page)
    assert page.count == 25
    assert len(page) == 10
    assert page.next is not None
    assert page.previous is not None
    following = api.statements.next_page(page)
    assert following is not None
    assert len(following.results) == 5
    assert following.next is None
    assert api.statements.next_page(following) is None
    before = api.statements.previous_page(page)
    assert before is not None
    assert ids(before) == ids(api.statements.page(limit=10))
    assert [s.id for s in page.results] == [s.id for s in page]
    pages = list(api.statements.pages(limit=10))
    assert [len(p.results) for p in pages] == [10, 10, 5]


def test_a_limit_above_the_cap_is_served_as_the_cap(api):
    page = api.statements.page(limit=500)
    assert page.count == 25
    assert len(page) == 25


def test_get_parses_every_shape(api):
    statement = api.statements.get(7)
    assert statement.said == PartialDate.parse("2024-07-26")
    assert statement.said.precision == "day"
    assert statement.contact is not None
    assert statement.contact.id == 5
    assert statement.speaker is None
    assert statement.speaker_name == "South Korean and Chinese foreign ministers"
    assert statement.topics == ("bilateral-relations",)
    (citation,) = statement.citations
    assert isinstance(citation, Citation)
    assert citation.source.id == 1
    assert statement.text in citation.excerpt
    assert statement.created_at.tzinfo is not None
    assert isinstance(statement.updated_at, dt.datetime)

    contact = api.contacts.get(5)
    assert isinstance(contact, Contact)
    assert contact.duration_minutes == 40
    assert contact.country == "LA"
    assert contact.status == "held"
    assert contact.participants
    assert all(
        p.official is None or isinstance(p.official, OfficialBrief) for p in contact.participants
    )

    chung = api.officials.get(6)
    (post,) = chung.positions
    assert post.end == PartialDate.parse("2024-10")
    assert post.end.earliest == dt.date(2024, 10, 1)
    assert post.end.latest == dt.date(2024, 10, 31)
    assert post.start is None
    assert chung.aliases == ("Jeong",)

    source = api.sources.get(1)
    assert isinstance(source, Source)
    assert source.kind == "analysis"
    assert source.language == "en"

    assert api.statements.get(statement) == statement  # a record stands for its id


def test_get_of_a_missing_record_is_not_found(api):
    with pytest.raises(NotFound) as caught:
        api.officials.get(99999)
    assert caught.value.status == 404
    assert caught.value.problem["status"] == 404


def test_slug_filters(api):
    assert [o.slug for o in api.officials.list(slug="li-qiang")] == ["li-qiang"]
    assert {s.speaker.slug for s in api.statements.list(speaker="li-qiang")} == {"li-qiang"}
    xi_contacts = list(api.contacts.list(official="xi-jinping"))
    assert xi_contacts
    for contact in xi_contacts:
        assert "xi-jinping" in {p.official.slug for p in contact.participants if p.official}
    on_north_korea = list(api.statements.list(topic="north-korea"))
    assert on_north_korea
    assert all("north-korea" in s.topics for s in on_north_korea)


def test_repeated_filters_are_or(api):
    korea = api.officials.page(country="KR").count
    china = api.officials.page(country="CN").count
    both = list(api.officials.list(country=["KR", "CN"]))
    assert len(both) == korea + china
    assert {o.country for o in both} == {"KR", "CN"}

    speakers = list(api.statements.list(speaker=["xi-jinping", "li-qiang"]))
    assert {s.speaker.slug for s in speakers} == {"xi-jinping", "li-qiang"}

    kinds = api.statements.page(kind=["quote", "paraphrase"]).count
    assert (
        kinds
        == api.statements.page(kind="quote").count + api.statements.page(kind="paraphrase").count
    )

    at_contacts = list(api.statements.list(contact=[1, 3]))
    assert {s.contact.id for s in at_contacts} == {1, 3}
    assert api.statements.page(contact=(1, 3)).count == len(at_contacts)

    statuses = list(api.contacts.list(status=["held", "planned"]))
    assert {c.status for c in statuses} <= {"held", "planned"}
    assert "planned" in {c.status for c in statuses}


def test_country_filters(api):
    korean = list(api.statements.list(country="KR"))
    assert korean
    assert {s.speaker_country for s in korean} == {"KR"}
    assert ids(api.statements.list(country="kr")) == ids(korean)  # any case
    assert ids(api.contacts.list(country="LA")) == [5]
    met_chinese = list(api.contacts.list(participant_country="CN"))
    assert met_chinese
    for contact in met_chinese:
        assert "CN" in {p.country for p in contact.participants}


def test_partial_date_filters_match_by_overlap(api):
    # Contact 5 is dated 2024-07-26, contact 2 "2025", contact 9 2024-05-09.
    assert 5 in ids(api.contacts.list(date_after="2024-07-15"))
    assert 5 in ids(api.contacts.list(date_after="2024-07"))
    assert 5 in ids(api.contacts.list(date_before="2024-07"))
    assert 2 in ids(api.contacts.list(date_after="2025-06-30"))  # "2025" may be any day of it
    assert 9 not in ids(api.contacts.list(date_after="2024-07"))
    # Statement 12 was said in "2024-05": both bounds inside May match it.
    assert 12 in ids(api.statements.list(said_after="2024-05-15"))
    assert 12 in ids(api.statements.list(said_before="2024-05-15"))
    assert 12 not in ids(api.statements.list(said_after="2024-06"))
    # A bound may be a date or a PartialDate as well as text.
    in_july = ids(
        api.contacts.list(date_after=dt.date(2024, 7, 1), date_before=dt.date(2024, 7, 31))
    )
    assert in_july == ids(
        api.contacts.list(date_after=PartialDate.parse("2024-07"), date_before="2024-07")
    )
    assert in_july == [5]
    for statement in api.statements.list(said_after="2024-06", said_before="2024-10"):
        assert statement.said is not None
        assert statement.said.overlaps(dt.date(2024, 6, 1), dt.date(2024, 10, 31))


def test_sources_filters(api):
    assert ids(api.sources.list(kind="analysis")) == [1]
    assert set(ids(api.sources.list(kind=["column", "interview"]))) == {2, 3}
    assert 1 in ids(api.sources.list(language="en"))
    assert ids(api.sources.list(published_after="2024")) == []  # the sources are undated


def test_source_filters_take_ids(api):
    from_column = list(api.statements.list(source=2))
    assert from_column
    for statement in from_column:
        cited = {c.source.id for c in statement.citations}
        assert 2 in cited or (statement.origin is not None and statement.origin.id == 2)
    assert set(ids(api.contacts.list(source=1))) == set(ids(api.contacts.list()))


def test_search(api):
    assert ids(api.statements.list(q="close communications")) == [7]
    assert 5 in ids(api.contacts.list(q="ASEAN"))
    assert ids(api.officials.list(q="Premier")) == [3]
    assert ids(api.sources.list(q="Burton")) == [2]


def test_ordering(api):
    ascending = [s for s in api.statements.list(ordering="said") if s.said is not None]
    keys = [s.said.sort_key() for s in ascending]
    assert keys == sorted(keys)
    descending = [s for s in api.statements.list(ordering="-said") if s.said is not None]
    assert [s.said for s in descending] == [s.said for s in reversed(ascending)]
    every = list(api.statements.list(ordering="said"))
    undated = [i for i, s in enumerate(every) if s.said is None]
    assert undated == list(range(len(ascending), len(every)))  # undated records come last
    names = [o.name for o in api.officials.list(ordering="-name")]
    assert names == sorted(names, reverse=True)
    by_country = [(o.country, o.id) for o in api.officials.list(ordering="country,-id")]
    assert by_country == sorted(by_country, key=lambda pair: (pair[0], -pair[1]))


def test_bad_filters_are_validation_errors_naming_the_parameter(api):
    with pytest.raises(ValidationError) as caught:
        api.statements.page(said_after="2024-13")
    assert caught.value.status == 400
    assert "said_after" in caught.value.errors
    assert "month 13" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        api.statements.page(**{"spekaer": "xi-jinping"})
    assert "spekaer" in caught.value.errors
    with pytest.raises(ValidationError) as caught:
        api.statements.list(ordering="colour")  # raised where the list is asked for
    assert "ordering" in caught.value.errors


def test_root_schema_and_health(api):
    root = api.root()
    assert set(root) == {
        "officials",
        "sources",
        "contacts",
        "statements",
        "timeline",
        "network",
        "changes",
        "releases",
    }
    assert root["timeline"] == api.transport.url("timeline/")
    assert root["changes"] == api.transport.url("changes/")
    schema = api.schema()  # the served document (tests/contract compares it with the committed)
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/statements/",
        "/api/v1/timeline/",
        "/api/v1/network/",
        "/api/v1/export/",
    } <= set(schema["paths"])
    assert api.health() is True
    assert api.base_url.endswith("/api/v1/")
    assert repr(api.statements).endswith("/api/v1/statements/>")
