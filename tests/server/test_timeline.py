"""GET /api/v1/timeline/: reviewed contacts and statements in one date order, filtered and paged."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from server.diplomacy.models import Contact, ReviewState, Statement
from tests import factories

pytestmark = pytest.mark.django_db

TIMELINE = "/api/v1/timeline/"


def entries(api, **query):
    response = api.get(TIMELINE, {"limit": 200, **query})
    assert response.status_code == 200, response.content
    return [
        (item["type"], item[item["type"]]["id"], item["date"])
        for item in response.json()["results"]
    ]


def refused(api, **query):
    response = api.get(TIMELINE, query)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()["errors"]


# -- the article's data -------------------------------------------------------------------------


def test_the_article_begins_with_the_may_2024_investigation_and_the_northeast_asia_meeting(api):
    assert entries(api, limit=6) == [
        ("statement", 12, "2024-05"),
        ("contact", 9, "2024-05-09"),
        ("contact", 6, "2024-06-18"),
        ("statement", 8, "2024-06-18"),
        ("statement", 9, "2024-06-18"),
        ("statement", 10, "2024-06-18"),
    ]


def test_every_reviewed_contact_and_statement_appears_once_undated_last(api):
    response = api.get(TIMELINE, {"limit": 200})
    body = response.json()
    reviewed = ReviewState.REVIEWED
    expected = (
        Contact.objects.filter(review_state=reviewed).count()
        + Statement.objects.filter(review_state=reviewed).count()
    )
    assert body["count"] == expected == len(body["results"])
    dates = [item["date"] for item in body["results"]]
    first_undated = dates.index(None)
    assert all(date is not None for date in dates[:first_undated])
    assert all(date is None for date in dates[first_undated:])
    undated_types = [item["type"] for item in body["results"][first_undated:]]
    assert undated_types == sorted(undated_types)  # contacts before statements


def test_an_entry_carries_the_record_as_its_own_endpoint_shows_it(api):
    [meeting, _statement] = api.get(TIMELINE, {"offset": 1, "limit": 2}).json()["results"]
    assert meeting["type"] == "contact"
    assert meeting["statement"] is None
    assert meeting["contact"] == api.get(f"/api/v1/contacts/{meeting['contact']['id']}/").json()
    [said] = api.get(TIMELINE, {"limit": 1}).json()["results"]
    assert said["contact"] is None
    assert said["statement"] == api.get(f"/api/v1/statements/{said['statement']['id']}/").json()


def test_by_official_contacts_they_took_part_in_and_statements_they_made(api):
    assert entries(api, official="yoon-suk-yeol") == [
        ("statement", 14, "2024-10-09"),
        ("contact", 3, None),
        ("statement", 15, None),
    ]


def test_repeated_official_means_either(api):
    both = entries(api, official=["yoon-suk-yeol", "li-qiang"])
    yoon = entries(api, official="yoon-suk-yeol")
    li = entries(api, official="li-qiang")
    assert li
    assert set(both) == set(yoon) | set(li)


def test_an_unknown_official_matches_nothing(api):
    assert entries(api, official="no-such-person") == []


def test_by_type(api):
    contacts = entries(api, type="contact")
    assert {kind for kind, _id, _date in contacts} == {"contact"}
    assert len(contacts) == Contact.objects.filter(review_state="reviewed").count()
    assert len(entries(api, type=["contact", "statement"])) == len(entries(api))


# -- records made here --------------------------------------------------------------------------


def test_coarser_dates_first_then_contacts_then_ids(api):
    met_first = factories.contact(date="2091-01-01")
    month = factories.statement(said="2091-01")
    year = factories.contact(date="2091")
    said_same_day = factories.statement(said="2091-01-01")
    met_same_day = factories.contact(date="2091-01-01")
    assert entries(api, date_after="2091") == [
        ("contact", year.pk, "2091"),
        ("statement", month.pk, "2091-01"),
        ("contact", met_first.pk, "2091-01-01"),
        ("contact", met_same_day.pk, "2091-01-01"),
        ("statement", said_same_day.pk, "2091-01-01"),
    ]


def test_date_bounds_overlap_a_month_and_a_year(api):
    july = factories.contact(date="2092-07")
    year = factories.statement(said="2092")
    factories.contact()  # undated: never within a bound
    assert entries(api, date_after="2092-07-15", date_before="2092-07-15") == [
        ("statement", year.pk, "2092"),
        ("contact", july.pk, "2092-07"),
    ]
    assert entries(api, date_after="2092-12-31") == [("statement", year.pk, "2092")]
    assert entries(api, date_after="2092-08", date_before="2092-08") == [
        ("statement", year.pk, "2092")
    ]
    assert entries(api, date_after="2093") == []


def test_by_country_where_held_who_took_part_or_who_spoke(api):
    held_there = factories.contact(country="NR", date="2093")
    guest = factories.official(country="NR")
    visited = factories.contact(country="TV", officials=(guest,), date="2093")
    said = factories.statement(speaker_country="NR", said="2093")
    factories.contact(country="TV", date="2093")
    assert {(kind, pk) for kind, pk, _date in entries(api, country="nr")} == {
        ("contact", held_there.pk),
        ("contact", visited.pk),
        ("statement", said.pk),
    }


def test_by_topic_and_by_source_including_a_statements_origin(api):
    topic = factories.topic("t-timeline")
    cited = factories.source()
    on_topic = factories.contact(topics=(topic,))
    citing = factories.statement(cited=cited)
    first_published = factories.statement(origin=cited)
    factories.statement()
    assert entries(api, topic="t-timeline") == [("contact", on_topic.pk, None)]
    assert {pk for _kind, pk, _date in entries(api, source=cited.pk)} == {
        citing.pk,
        first_published.pk,
    }


def test_drafts_and_officials_known_only_through_them_are_hidden(api):
    hidden = factories.official()
    factories.contact(officials=(hidden,), review_state="draft", date="2094")
    factories.statement(speaker=hidden, speaker_country="TV", review_state="draft", said="2094")
    factories.statement(said="2094", review_state="disputed")
    assert entries(api, official=hidden.slug) == []
    assert entries(api, date_after="2094") == []
    body = api.get(TIMELINE, {"limit": 200}).json()
    assert {item[item["type"]]["review_state"] for item in body["results"]} == {"reviewed"}


def test_a_statement_made_at_a_draft_contact_does_not_show_it(api):
    draft = factories.contact(review_state="draft", title="A contact under review")
    said = factories.statement(contact=draft, said="2094")
    [entry] = api.get(TIMELINE, {"date_after": "2094"}).json()["results"]
    assert entry["statement"]["id"] == said.pk
    assert entry["statement"]["contact"] is None
    said.refresh_from_db()
    assert said.contact_id == draft.pk  # hidden from readers, not changed


# -- pages --------------------------------------------------------------------------------------


def test_pages_follow_one_another_without_overlap(api):
    everything = entries(api)
    pages: list[tuple[str, int, str | None]] = []
    url = f"{TIMELINE}?limit=7"
    while url:
        body = api.get(url).json()
        pages.extend((i["type"], i[i["type"]]["id"], i["date"]) for i in body["results"])
        url = body["next"]
    assert pages == everything


def test_queries_do_not_grow_with_the_page(api):
    members = (factories.official(), factories.official())
    for _ in range(20):
        factories.contact(officials=members, date="2095")
        factories.statement(speaker=members[0], said="2095", origin=factories.source())

    def queries(limit):
        cache.clear()  # each page counted afresh, not from the page before
        with CaptureQueriesContext(connection) as captured:
            response = api.get(TIMELINE, {"limit": limit})
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(limit, response.json()["count"])
        return len(captured)

    assert queries(2) == queries(80) == queries(200)


# -- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ordering", "review", "speaker", "q"])
def test_unknown_parameters_are_refused(api, name):
    assert name in refused(api, **{name: "x"})


@pytest.mark.parametrize("value", ["2024-13", "2024-02-30", "", "July 2024", "24"])
def test_malformed_dates_are_refused(api, value):
    assert "date_after" in refused(api, date_after=value)


@pytest.mark.parametrize(
    ("name", "value"),
    [("type", "meeting"), ("official", "Xi Jinping"), ("source", "abc"), ("country", "KOR")],
)
def test_malformed_values_are_refused(api, name, value):
    assert name in refused(api, **{name: value})


@pytest.mark.parametrize(
    "value",
    [
        *("2024", "2024-02", "2024-02-29", "2000-02-29", "2024-04-30", "0001-01-01"),
        *("2023-02-29", "1900-02-29", "2024-04-31", "2024-00", "0000"),
    ],
)
def test_the_documented_date_pattern_is_what_the_server_accepts(api, value):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    for path in (TIMELINE, "/api/v1/network/"):
        parameters = schema["paths"][path]["get"]["parameters"]
        [pattern] = [p["schema"]["pattern"] for p in parameters if p["name"] == "date_after"]
        answer = api.get(path, {"date_after": value})
        assert (answer.status_code == 200) == bool(re.search(pattern, value)), path


def test_the_api_root_links_the_timeline(api):
    assert api.get("/api/v1/").json()["timeline"] == "http://testserver/api/v1/timeline/"
