"""Search, facets, exports, officials by date, posts held, the timeline, the network and the
dataset download, through the SDK against a live server."""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
from collections import Counter
from xml.etree import ElementTree

import pytest
from detente_client import (
    Contact,
    Export,
    Facet,
    Official,
    PartialDate,
    Statement,
    ValidationError,
    snippet_text,
)

from .conftest import LIVE

GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"


def counted(facet: Facet) -> dict[str | None, int]:
    assert not facet.truncated
    return facet.counts()


# ---------------------------------------------------------------------------------------------
# Search


@LIVE
def test_a_search_ranks_its_matches_and_marks_them_in_a_snippet(api):
    found = list(api.statements.list(q="communication*"))
    assert {statement.id for statement in found} == {2, 7}
    for statement in found:
        assert statement.snippet is not None
        assert "<mark>communication" in statement.snippet
        assert "communication" in statement.text.lower()
        assert statement.to_dict()["snippet"] == statement.snippet
    assert snippet_text(found[0].snippet or "", "«", "»").count("«communication") == 1
    # Without a search there is no snippet, and to_dict() leaves it out as the API does.
    plain = api.statements.get(7)
    assert plain.snippet is None
    assert "snippet" not in plain.to_dict()


@LIVE
def test_the_query_language(api):
    def ids(query: str) -> set[int]:
        return {statement.id for statement in api.statements.list(q=query)}

    phrase = ids('"close communications"')
    assert phrase == {7}
    either = ids('"close communications" OR geopolitical')
    assert phrase < either
    assert all("geopolitical" in api.statements.get(i).text.lower() for i in either - phrase)
    assert ids("communication* -Seoul") == {7}  # statement 2 names Seoul
    assert ids("communication* Beijing") == {2}  # both words


@LIVE
def test_a_malformed_search_is_a_validation_error_naming_q(api):
    with pytest.raises(ValidationError) as caught:
        api.statements.page(q='"never closed')
    assert caught.value.status == 400
    assert list(caught.value.errors) == ["q"]
    with pytest.raises(ValidationError):
        api.contacts.list(q="summit OR")  # a dangling OR reads two ways


def test_snippet_text_decodes_entities_and_marks():
    snippet = "&lt;b&gt; <mark>Seoul</mark> &amp; <mark>Beijing</mark>"
    assert snippet_text(snippet) == "<b> [Seoul] & [Beijing]"
    assert snippet_text(snippet, "*", "*") == "<b> *Seoul* & *Beijing*"


# ---------------------------------------------------------------------------------------------
# Facets


@LIVE
def test_statement_facets_equal_counting_the_list(api):
    statements = list(api.statements.list(country=["KR", "CN"]))
    facets = api.statements.facets(
        ["kind", "country", "year", "speaker", "topic"], country=["KR", "CN"]
    )
    assert set(facets) == {"kind", "country", "year", "speaker", "topic"}
    assert counted(facets["kind"]) == Counter(s.kind for s in statements)
    assert counted(facets["country"]) == Counter(s.speaker_country for s in statements)
    assert counted(facets["year"]) == Counter(
        str(s.said.earliest.year) if s.said else None for s in statements
    )
    assert counted(facets["speaker"]) == Counter(
        s.speaker.slug if s.speaker else None for s in statements
    )
    assert counted(facets["topic"]) == Counter(t for s in statements for t in s.topics)
    counts = [item.count for item in facets["kind"]]
    assert counts == sorted(counts, reverse=True)  # most frequent first


@LIVE
def test_facets_beside_a_page_and_a_list(api):
    contacts = list(api.contacts.list())
    page = api.contacts.page(facet=["status", "kind"], limit=2)
    assert len(page.results) == 2
    assert page.count == len(contacts)
    assert counted(page.facets["status"]) == Counter(c.status for c in contacts)
    assert counted(page.facets["kind"]) == Counter(c.kind for c in contacts)
    assert api.contacts.page(limit=2).facets == {}

    listing = api.contacts.list(facet="topic", limit=3)  # several pages
    assert counted(listing.facets["topic"]) == Counter(t for c in contacts for t in c.topics)
    assert [c.id for c in listing] == [c.id for c in contacts]

    sources = list(api.sources.list())
    assert counted(api.sources.facets("kind")["kind"]) == Counter(s.kind for s in sources)
    officials = list(api.officials.list())
    facets = api.officials.facets(["country"])
    assert counted(facets["country"]) == Counter(o.country for o in officials)


@LIVE
def test_an_unknown_facet_is_a_validation_error(api):
    with pytest.raises(ValidationError) as caught:
        api.officials.page(**{"facet": "shoe_size"})
    assert "facet" in caught.value.errors
    with pytest.raises(ValueError, match="at least one facet"):
        api.statements.facets([])


# ---------------------------------------------------------------------------------------------
# Exports


@LIVE
def test_a_csv_export_has_a_flat_row_for_every_record_of_the_list(api):
    listed = list(api.statements.list(country="KR", ordering="-said"))
    with api.statements.export("csv", country="KR", ordering="-said") as export:
        assert isinstance(export, Export)
        assert export.filename == "statements.csv"
        assert export.media_type == "text/csv"
        rows = list(export)
    assert len(rows) == len(listed) > 5
    assert [int(row["id"]) for row in rows] == [s.id for s in listed]
    by_id = {row["id"]: row for row in rows}
    for statement in listed:
        row = by_id[str(statement.id)]
        assert row["text"] == statement.text
        assert row["speaker_slug"] == (statement.speaker.slug if statement.speaker else "")
        assert row["said"] == (statement.said.text if statement.said else "")
        assert row["topics"].split(" | ") == list(statement.topics)


@LIVE
def test_an_ndjson_export_is_the_lists_records(api):
    listed = list(api.contacts.list(participant_country="KR"))
    exported = list(api.contacts.export("ndjson", participant_country="KR"))
    assert all(isinstance(contact, Contact) for contact in exported)
    assert exported == listed
    officials = list(api.officials.export(format="ndjson", at="2024"))
    assert all(isinstance(official, Official) for official in officials)
    assert [o.slug for o in officials] == [o.slug for o in api.officials.list(at="2024")]
    assert all(isinstance(s, Statement) for s in api.statements.export())  # ndjson by default


@LIVE
def test_a_csv_field_holding_line_breaks_and_quotes_comes_back_whole(curator):
    notes = 'First line, with a comma\nsecond "quoted" line\n\nafter a blank line'
    created = curator.sources.create(title="Notes across lines", kind="other", notes=notes)
    rows = [row for row in curator.sources.export("csv") if row["id"] == str(created.id)]
    assert [row["notes"] for row in rows] == [notes]
    assert rows[0]["title"] == "Notes across lines"


@LIVE
def test_a_csv_export_with_a_byte_order_mark_for_excel(api, tmp_path):
    target = tmp_path / "statements.csv"
    api.statements.export("csv", bom=True, country="KR").save(target)
    body = target.read_bytes()
    assert body.startswith(b"\xef\xbb\xbfid,url,")
    rows = list(api.statements.export("csv", bom=True, country="KR"))
    assert [row["id"] for row in rows] == [
        row["id"] for row in api.statements.export("csv", country="KR")
    ]
    assert "id" in rows[0]  # the mark is not part of the first column's name
    with pytest.raises(ValueError, match="CSV"):
        api.statements.export("ndjson", bom=True)


@LIVE
def test_a_csv_export_reads_back_text_that_starts_a_formula(curator):
    created = curator.sources.create(title="=HYPERLINK(1)", kind="other", notes="-minus first")
    (row,) = [row for row in curator.sources.export("csv") if row["id"] == str(created.id)]
    assert (row["title"], row["notes"]) == ("'=HYPERLINK(1)", "'-minus first")


@LIVE
def test_an_export_is_saved_to_a_file_as_the_server_wrote_it(api, tmp_path):
    target = tmp_path / "contacts.ndjson"
    written = api.contacts.export("ndjson").save(target)
    body = target.read_bytes()
    assert written == len(body) > 0
    assert not (tmp_path / "contacts.ndjson.part").exists()
    lines = body.decode("utf-8").splitlines()
    assert len(lines) == api.contacts.page(limit=1).count
    assert [json.loads(line)["id"] for line in lines] == [c.id for c in api.contacts.list()]

    buffer = io.BytesIO()
    api.contacts.export("csv", country="LA").save(buffer)
    assert buffer.getvalue().decode("utf-8").startswith("id,url,version,")


@LIVE
def test_an_export_is_read_once_and_can_be_left_early(api):
    export = api.statements.export("csv")
    first = next(export)
    assert "text" in first
    export.close()  # the rest is never read
    again = api.statements.export("csv")
    assert next(again) == first
    list(again)
    with pytest.raises(RuntimeError):
        again.save(io.BytesIO())


@LIVE
def test_an_export_refuses_paging_and_bad_filters(api):
    with pytest.raises(ValidationError) as caught:
        api.statements.export("csv", **{"limit": 3})
    assert "limit" in caught.value.errors
    with pytest.raises(ValidationError) as caught:
        api.statements.export("ndjson", said_after="2024-13")
    assert "said_after" in caught.value.errors
    with pytest.raises(ValueError, match="format must be one of csv, ndjson"):
        api.statements.export("xlsx")


# ---------------------------------------------------------------------------------------------
# Officials by date; the post a participant held


def holds_a_post(official: Official, at: PartialDate) -> bool:
    """The rule `at` documents: a post with a date, begun by then, not ended before."""
    return any(
        (post.start or post.end)
        and (post.start is None or post.start.earliest <= at.latest)
        and (post.end is None or post.end.latest >= at.earliest)
        for post in official.positions
    )


@LIVE
def test_officials_at_a_date_are_those_holding_a_post_then(api):
    everyone = list(api.officials.list())
    for text in ("2023", "2024", "2024-07", "2024-07-31", "2024-11", "2025"):
        at = PartialDate.parse(text)
        expected = {o.slug for o in everyone if holds_a_post(o, at)}
        assert {o.slug for o in api.officials.list(at=text)} == expected, text
    assert {o.slug for o in api.officials.list(at="2024-07")} == {"chung-jae-ho", "xing-haiming"}
    assert {o.slug for o in api.officials.list(at=PartialDate.parse("2025"))} == {
        "dai-bin",
        "kim-dae-ki",
    }
    with pytest.raises(ValidationError) as caught:
        api.officials.page(at="July 2024")
    assert "at" in caught.value.errors


@LIVE
def test_each_participant_carries_the_post_held_on_the_day(api):
    contact = api.contacts.get(9)
    positions = {p.official.slug: p.position for p in contact.participants if p.official}
    lee = positions["lee-jung-il"]
    assert lee is not None
    assert lee.title == "Director of the North Korea Department"
    assert lee.organization == "ROK Foreign Ministry"
    record = api.officials.get(contact.participants[0].official.id)
    assert lee.title in {post.title for post in record.positions}
    labelled = api.contacts.get(5)
    assert [p.position for p in labelled.participants] == [None, None]  # labels, no official


@LIVE
def test_a_read_modify_write_does_not_send_the_post_back(curator):
    contact = curator.contacts.get(9)
    body = contact.as_input()
    assert all("position" not in participant for participant in body["participants"])
    replaced = curator.contacts.replace(contact, **body)
    assert replaced == contact  # nothing changed, so no new version
    with_posts = [
        {**p.as_input(), "position": p.position.to_dict() if p.position else None}
        for p in contact.participants
    ]
    with pytest.raises(ValidationError) as caught:  # which is why as_input() leaves it out
        curator.transport.json("PATCH", "contacts/9/", json={"participants": with_posts})
    assert "read-only" in str(caught.value.errors["participants"])
    changed = curator.contacts.update(
        replaced,
        participants=[
            dataclasses.replace(p, role="host").as_input() for p in replaced.participants
        ],
    )
    assert changed.version == contact.version + 1
    assert [p.role for p in changed.participants] == ["host", "host"]
    assert changed.participants[0].position == contact.participants[0].position


# ---------------------------------------------------------------------------------------------
# The timeline


@LIVE
def test_the_timeline_merges_contacts_and_statements_in_date_order(api):
    timeline = api.timeline.list(limit=7)  # several pages
    entries = list(timeline)
    contacts = {c.id: c for c in api.contacts.list()}
    statements = {s.id: s for s in api.statements.list()}
    assert timeline.count == len(entries) == len(contacts) + len(statements)
    assert {e.record.id for e in entries if e.type == "contact"} == set(contacts)
    assert {e.record.id for e in entries if e.type == "statement"} == set(statements)
    for entry in entries:
        if entry.type == "contact":
            assert entry.contact == contacts[entry.record.id]
            assert entry.statement is None
            assert entry.date == entry.contact.date
            assert entry.headline == entry.contact.title
        else:
            assert entry.statement == statements[entry.record.id]
            assert entry.date == entry.statement.said
            assert entry.statement.text in entry.headline
    dated = [entry.date for entry in entries if entry.date is not None]
    assert dated == sorted(dated, key=PartialDate.sort_key)
    undated = [entry.date for entry in entries[len(dated) :]]
    assert undated == [None] * len(undated)


@LIVE
def test_the_timeline_filters_and_pages(api):
    xi = list(api.timeline.list(official="xi-jinping"))
    assert {e.type for e in xi} == {"contact", "statement"}
    for entry in xi:
        if entry.statement is not None:
            assert entry.statement.speaker is not None
            assert entry.statement.speaker.slug == "xi-jinping"
        else:
            assert entry.contact is not None
            slugs = {p.official.slug for p in entry.contact.participants if p.official}
            assert "xi-jinping" in slugs
    only = list(api.timeline.list(type="statement", date_after="2024-07", date_before="2024"))
    assert only
    assert all(e.type == "statement" and e.date is not None for e in only)
    page = api.timeline.page(limit=3)
    following = api.timeline.next_page(page)
    assert following is not None
    assert api.timeline.previous_page(following) == page
    assert [e.record.id for e in itertools.chain(page, following)] == [
        e.record.id for e in itertools.islice(api.timeline.list(), 6)
    ]
    with pytest.raises(ValidationError) as caught:
        api.timeline.page(**{"type": "speech"})
    assert "type" in caught.value.errors


# ---------------------------------------------------------------------------------------------
# The network


def shared_contacts(contacts: list[Contact]) -> dict[tuple[int, int], list[int]]:
    pairs: dict[tuple[int, int], list[int]] = {}
    for contact in contacts:
        people = sorted({p.official.id for p in contact.participants if p.official})
        for pair in itertools.combinations(people, 2):
            pairs.setdefault(pair, []).append(contact.id)
    return pairs


@LIVE
def test_the_network_links_officials_who_took_part_in_the_same_contacts(api):
    contacts = list(api.contacts.list())
    network = api.network.get()
    expected = shared_contacts(contacts)
    assert {(e.source, e.target): sorted(e.contacts) for e in network.edges} == expected
    assert all(edge.weight == len(edge.contacts) for edge in network.edges)
    taking_part = Counter(
        official
        for c in contacts
        for official in {p.official.id for p in c.participants if p.official}
    )
    assert {node.id: node.contacts for node in network.nodes} == dict(taking_part)
    yoon = network.node(2)
    assert yoon.slug == "yoon-suk-yeol"
    assert [(node.slug, edge.weight) for node, edge in network.neighbours(2)] == [("li-qiang", 1)]
    with pytest.raises(KeyError):
        network.node(999)

    talks = api.network.get(kind="talks", date_after="2024-06")
    assert {(e.source, e.target) for e in talks.edges} == set(
        shared_contacts(list(api.contacts.list(kind="talks", date_after="2024-06")))
    )


@LIVE
def test_the_network_as_graphml_is_the_same_graph(api):
    network = api.network.get(country="KR")
    root = ElementTree.fromstring(api.network.graphml(country="KR"))
    graph = root.find(f"{GRAPHML}graph")
    assert graph is not None
    nodes = {node.get("id") for node in graph.iter(f"{GRAPHML}node")}
    assert nodes == {str(node.id) for node in network.nodes}
    assert {node.country for node in network.nodes} == {"KR"}
    edges = {(e.get("source"), e.get("target")) for e in graph.iter(f"{GRAPHML}edge")}
    assert edges == {(str(e.source), str(e.target)) for e in network.edges}
    with pytest.raises(ValidationError) as caught:
        api.network.graphml(country="Korea")
    assert "country" in caught.value.errors


# ---------------------------------------------------------------------------------------------
# The whole dataset


@LIVE
def test_the_dataset_downloads_to_a_file_whole(api, tmp_path):
    target = tmp_path / "dataset.ndjson"
    written = api.export_dataset(target)
    body = target.read_bytes()
    assert written == len(body)
    lines = [json.loads(line) for line in body.decode("utf-8").splitlines()]
    header, *records = lines
    assert header["format"] == "detente-export"
    assert header["scope"] == "public"
    assert header["statements"] == api.statements.page(limit=1).count
    assert header["contacts"] == api.contacts.page(limit=1).count
    assert Counter(record["type"] for record in records) == {
        "topic": header["topics"],
        "source": header["sources"],
        "official": header["officials"],
        "contact": header["contacts"],
        "statement": header["statements"],
    }
    again = io.BytesIO()
    assert api.export_dataset(again) == written
    assert again.getvalue() == body  # the same data gives the same bytes
    streamed = api.dataset()
    assert next(streamed) == header
    assert sum(1 for _ in streamed) == len(records)


# ---------------------------------------------------------------------------------------------
# Keyset pages


@LIVE
def test_a_cursor_walk_lists_what_offset_pages_list(api):
    by_offset = [statement.id for statement in api.statements.list(ordering="-said", limit=200)]
    walk = api.statements.list(ordering="-said", limit=4, cursor="")
    assert walk.count == len(by_offset)
    assert [statement.id for statement in walk] == by_offset
    with pytest.raises(ValidationError) as refused:
        api.statements.list(q="China", cursor="")
    assert "cursor" in str(refused.value)
