"""Facets: beside a page, the count of the whole filtered set per value, equal to counting it."""

from __future__ import annotations

from collections import Counter

import pytest

from tests import factories
from tests.server.writing import API

pytestmark = pytest.mark.django_db


def _everything(api, resource: str, params: dict) -> list[dict]:
    items: list[dict] = []
    url: str | None = f"{API}/{resource}/"
    query: dict | None = {**params, "limit": 200}
    while url:
        page = api.get(url, query).json()
        items += page["results"]
        url, query = page["next"], None
    return items


def _values(resource: str, facet: str, item: dict) -> list:
    """What a record of the list shows for a facet, read from its JSON."""
    if facet == "year":
        date = item["said" if resource == "statements" else "date"]
        return [date[:4] if date else None]
    if facet == "topic":
        return item["topics"] or [None]
    if facet == "speaker":
        return [item["speaker"]["slug"] if item["speaker"] else None]
    if facet == "official":
        return sorted({p["official"]["slug"] for p in item["participants"] if p["official"]})
    if facet == "participant_country":
        return sorted({p["country"] for p in item["participants"] if p["country"]})
    if facet == "country" and resource == "statements":
        return [item["speaker_country"] or None]
    return [item[facet] if item[facet] != "" else None]


def _as_counts(facet: dict) -> dict:
    return {entry["value"]: entry["count"] for entry in facet["values"]}


CASES = [
    ("statements", "country,kind,language,topic,year,speaker", {}),
    ("statements", "country,kind,topic,year", {"said_after": "2024-06", "kind": "quote"}),
    ("statements", "speaker,year", {"q": "China OR Korea"}),
    ("contacts", "country,kind,status,topic,year,official,participant_country", {}),
    ("contacts", "kind,year", {"date_before": "2024-07"}),
]


@pytest.mark.parametrize(("resource", "facets", "filters"), CASES)
def test_facet_counts_equal_counting_the_filtered_list(api, resource, facets, filters):
    response = api.get(f"{API}/{resource}/", {**filters, "facet": facets, "limit": 1})
    assert response.status_code == 200, response.content
    body = response.json()
    items = _everything(api, resource, filters)
    assert body["count"] == len(items) > 0
    for facet in facets.split(","):
        expected = Counter(
            None if value is None else str(value)
            for item in items
            for value in _values(resource, facet, item)
        )
        assert _as_counts(body["facets"][facet]) == dict(expected), facet
        assert body["facets"][facet]["truncated"] is False


def test_facet_values_come_most_frequent_first(api):
    for _ in range(3):
        factories.statement(language="mn", speaker_country="NR")
    body = api.get(f"{API}/statements/", {"facet": "language", "country": "NR"}).json()
    assert body["facets"]["language"]["values"][0] == {"value": "mn", "count": 3}


def test_facets_on_officials_and_sources(api):
    officials = api.get(f"{API}/officials/", {"facet": "country"}).json()
    assert _as_counts(officials["facets"]["country"]) == dict(
        Counter(o["country"] or None for o in _everything(api, "officials", {}))
    )
    sources = api.get(f"{API}/sources/", {"facet": "kind,year"}).json()
    everything = _everything(api, "sources", {})
    assert _as_counts(sources["facets"]["kind"]) == dict(Counter(s["kind"] for s in everything))
    assert sum(_as_counts(sources["facets"]["year"]).values()) == len(everything)


def test_a_list_without_facet_has_no_facets(api):
    assert "facets" not in api.get(f"{API}/statements/").json()


@pytest.mark.parametrize("value", ["nationality", ",", "", "kind,status"])
def test_an_unknown_facet_is_a_400(api, value):
    response = api.get(f"{API}/statements/", {"facet": value})
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["facet"]


def test_facets_may_be_repeated_or_listed_with_a_trailing_comma(api):
    listed = api.get(f"{API}/statements/", {"facet": "kind,"}).json()["facets"]
    repeated = api.get(f"{API}/statements/?facet=kind&facet=year&facet=kind").json()["facets"]
    assert list(listed) == ["kind"]
    assert list(repeated) == ["kind", "year"]
    assert listed["kind"] == repeated["kind"]
