"""Filters: each one narrows, repeats mean OR, dates match by overlap, and bad input is a 400."""

from __future__ import annotations

import pytest

from server.diplomacy.models import Contact, Official, Source, Statement
from tests import factories

pytestmark = pytest.mark.django_db


def ids(api, path, **query):
    response = api.get(path, {"limit": 200, **query})
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


# -- the article's data, through each filter ----------------------------------------------------


def test_statements_by_speaker(api):
    xi = Official.objects.get(slug="xi-jinping")
    expected = set(Statement.objects.filter(speaker=xi).values_list("id", flat=True))
    assert expected
    assert ids(api, "/api/v1/statements/", speaker="xi-jinping") == expected


def test_repeated_speaker_means_either(api):
    both = ids(api, "/api/v1/statements/", speaker=["xi-jinping", "yoon-suk-yeol"])
    xi = ids(api, "/api/v1/statements/", speaker="xi-jinping")
    yoon = ids(api, "/api/v1/statements/", speaker="yoon-suk-yeol")
    assert xi
    assert yoon
    assert both == xi | yoon


def test_contacts_by_country_is_case_insensitive(api):
    laos = Contact.objects.get(country="LA")
    assert ids(api, "/api/v1/contacts/", country="la") == {laos.pk}


def test_contacts_by_participating_official(api):
    expected = set(
        Contact.objects.filter(participants__official__slug="li-qiang").values_list("id", flat=True)
    )
    assert expected
    assert ids(api, "/api/v1/contacts/", official="li-qiang") == expected


def test_contacts_by_status_and_kind(api):
    planned = ids(api, "/api/v1/contacts/", status="planned")
    assert planned == set(Contact.objects.filter(status="planned").values_list("id", flat=True))
    assert ids(api, "/api/v1/contacts/", kind=["talks", "visit"]) == set(
        Contact.objects.filter(kind__in=["talks", "visit"]).values_list("id", flat=True)
    )


def test_statements_by_origin_or_cited_source(api):
    column = Source.objects.get(kind="column")
    from_column = ids(api, "/api/v1/statements/", source=column.pk)
    assert from_column == set(Statement.objects.filter(origin=column).values_list("id", flat=True))
    article = Source.objects.get(kind="analysis")
    assert ids(api, "/api/v1/statements/", source=article.pk) == set(
        Statement.objects.values_list("id", flat=True)
    )


def test_officials_by_country(api):
    assert ids(api, "/api/v1/officials/", country="US") == {
        Official.objects.get(slug="condoleezza-rice").pk
    }


def test_sources_by_kind(api):
    assert ids(api, "/api/v1/sources/", kind="interview") == set(
        Source.objects.filter(kind="interview").values_list("id", flat=True)
    )


def test_text_search_matches_every_word_across_fields(api):
    found = ids(api, "/api/v1/statements/", q="nuclear weapon")
    assert found == {Statement.objects.get(speaker__slug="condoleezza-rice").pk}
    assert ids(api, "/api/v1/officials/", q="Jeong") == {
        Official.objects.get(slug="chung-jae-ho").pk
    }
    assert ids(api, "/api/v1/contacts/", q="ASEAN") == {Contact.objects.get(country="LA").pk}


# -- dates match by overlap -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"said_after": "1990-07-15"}, {"month", "year"}),
        ({"said_before": "1990-07-15"}, {"month", "year", "day"}),
        ({"said_after": "1990-07-27"}, {"month", "year"}),
        ({"said_after": "1990-08"}, {"year"}),
        ({"said_before": "1990-06-30"}, {"year", "day"}),
        ({"said_after": "1990-07", "said_before": "1990-07"}, {"month", "year"}),
        ({"said_after": "1990-03", "said_before": "1990-03-02"}, {"year", "day"}),
        ({"said_after": "1991"}, set()),
        ({"said_before": "1989"}, set()),
    ],
)
def test_date_bounds_match_by_overlap(api, query, expected):
    records = {
        "day": factories.statement(said="1990-03-02"),
        "month": factories.statement(said="1990-07"),
        "year": factories.statement(said="1990"),
        "undated": factories.statement(said=None),
    }
    found = ids(api, "/api/v1/statements/", country="TV", **query)
    assert found == {records[name].pk for name in expected}


def test_contact_dates_match_by_overlap(api):
    july = factories.contact(date="1990-07")
    factories.contact(date="1990-09-01")
    assert ids(
        api, "/api/v1/contacts/", country="TV", date_after="1990-07-15", date_before="1990-08-31"
    ) == {july.pk}


def test_source_publication_dates(api):
    old = factories.source(published="1989-12")
    factories.source(published="1991")
    assert ids(api, "/api/v1/sources/", published_before="1990") == {old.pk}


# -- filters on synthetic data ----------------------------------------------------------------


def test_topic_filter_repeats_as_or(api):
    red, blue = factories.topic("t-red"), factories.topic("t-blue")
    first = factories.statement(topics=(red,))
    second = factories.statement(topics=(blue,))
    factories.statement(topics=(red, blue))
    assert ids(api, "/api/v1/statements/", topic="t-red") == {first.pk, first.pk + 2}
    assert len(ids(api, "/api/v1/statements/", topic=["t-red", "t-blue"])) == 3
    assert second.pk in ids(api, "/api/v1/statements/", topic="t-blue")


def test_statements_by_contact_and_language(api):
    meeting = factories.contact()
    said_there = factories.statement(contact=meeting, language="ko")
    factories.statement(language="en")
    assert ids(api, "/api/v1/statements/", contact=meeting.pk) == {said_there.pk}
    assert ids(api, "/api/v1/statements/", country="TV", language="ko") == {said_there.pk}


def test_contacts_by_participant_country(api):
    official = factories.official(country="NR")
    with_zy = factories.contact(officials=(official,))
    factories.contact()
    assert ids(api, "/api/v1/contacts/", participant_country="NR") == {with_zy.pk}


def test_contacts_by_cited_source(api):
    meeting = factories.contact()
    cited = meeting.citations.get().source
    assert ids(api, "/api/v1/contacts/", source=cited.pk) == {meeting.pk}


def test_a_filter_does_not_duplicate_rows_joined_through_many_participants(api):
    first, second = factories.official(), factories.official()
    meeting = factories.contact(officials=(first, second))
    response = api.get(
        "/api/v1/contacts/", {"official": [first.slug, second.slug], "country": "TV"}
    )
    body = response.json()
    assert body["count"] == 1
    assert [item["id"] for item in body["results"]] == [meeting.pk]


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/v1/statements/", {"spekaer": "xi-jinping"}, "spekaer"),
        ("/api/v1/statements/", {"search": "x"}, "search"),
        ("/api/v1/contacts/", {"date_from": "2024"}, "date_from"),
        ("/api/v1/officials/", {"page": "2"}, "page"),
        ("/api/v1/sources/", {"country": "KR"}, "country"),
    ],
)
def test_unknown_parameters_are_a_400_naming_them(api, path, query, field):
    response = api.get(path, query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert list(body["errors"]) == [field]
    assert body["type"].endswith("/validation-error")


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/v1/statements/", {"said_after": "2024-13"}, "said_after"),
        ("/api/v1/statements/", {"said_before": "yesterday"}, "said_before"),
        ("/api/v1/statements/", {"said_after": "2024-02-30"}, "said_after"),
        ("/api/v1/statements/", {"speaker": "not a slug!"}, "speaker"),
        ("/api/v1/statements/", {"kind": "rumour"}, "kind"),
        ("/api/v1/statements/", {"contact": "abc"}, "contact"),
        ("/api/v1/statements/", {"source": "0"}, "source"),
        ("/api/v1/statements/", {"source": "-3"}, "source"),
        ("/api/v1/statements/", {"topic": "no/such/topic"}, "topic"),
        ("/api/v1/statements/", {"language": "English"}, "language"),
        ("/api/v1/contacts/", {"country": "KOR"}, "country"),
        ("/api/v1/contacts/", {"status": "maybe"}, "status"),
        ("/api/v1/contacts/", {"official": "Xi Jinping"}, "official"),
        ("/api/v1/contacts/", {"country": ""}, "country"),
        ("/api/v1/officials/", {"country": "1"}, "country"),
        ("/api/v1/sources/", {"published_after": "2024-7"}, "published_after"),
    ],
)
def test_malformed_values_are_a_400_naming_the_parameter(api, path, query, field):
    response = api.get(path, query)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["status"] == 400
    assert field in body["errors"]
    assert body["errors"][field]
    assert field in body["detail"]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/statements/", {"speaker": "nobody-at-all"}),
        ("/api/v1/statements/", {"source": "999999"}),
        ("/api/v1/statements/", {"topic": "no-such-topic"}),
        ("/api/v1/statements/", {"contact": "999999"}),
        ("/api/v1/contacts/", {"official": "nobody-at-all"}),
    ],
)
def test_a_well_formed_value_naming_nothing_matches_nothing(api, path, query):
    response = api.get(path, query)
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_one_bad_parameter_among_good_ones_still_fails(api):
    response = api.get("/api/v1/statements/", {"speaker": "xi-jinping", "said_after": "2024-99"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["said_after"]
