"""A list's count comes from the cache until a write could change it."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from server.diplomacy.models import Statement
from tests import factories
from tests.server.writing import API, curator_client, detail

pytestmark = pytest.mark.django_db


def listed(api, params: dict) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(f"{API}/statements/", params)
    assert response.status_code == 200
    return response.json()["count"], [query["sql"] for query in captured]


def counts_in(queries: list[str]) -> int:
    return sum("COUNT(" in sql.upper() for sql in queries)


def test_the_same_list_is_counted_once(api):
    factories.statement(speaker_country="NR")
    first, queries = listed(api, {"country": "NR"})
    again, cached_queries = listed(api, {"country": "NR"})
    assert first == again == 1
    assert (counts_in(queries), counts_in(cached_queries)) == (1, 0)
    assert len(cached_queries) == len(queries) - 1
    # Another filter is another count.
    _count, other = listed(api, {"country": "PW"})
    assert counts_in(other) == 1


def test_a_write_through_the_api_is_counted_at_once():
    curator = curator_client()
    statement = factories.statement(speaker_country="NR")
    assert listed(curator, {"country": "NR"})[0] == 1
    factories.statement(speaker_country="NR")
    assert listed(curator, {"country": "NR"})[0] == 2
    assert curator.delete(detail("statements", statement.pk)).status_code == 204
    assert listed(curator, {"country": "NR"})[0] == 1


def test_a_review_moves_a_record_in_or_out_of_the_public_count(api):
    statement = factories.statement(speaker_country="NR")
    assert listed(api, {"country": "NR"})[0] == 1
    response = curator_client().patch(
        detail("statements", statement.pk), {"review_state": "disputed"}, format="json"
    )
    assert response.status_code == 200
    assert listed(api, {"country": "NR"})[0] == 0


def test_a_write_without_history_is_not_seen_until_the_count_expires(api):
    """Bulk loads (``synthesize``) write no history through Django; the count catches up when
    its entry expires (COUNT_TIMEOUT), as documented."""
    factories.statement(speaker_country="NR")
    assert listed(api, {"country": "NR"})[0] == 1
    Statement.objects.filter(speaker_country="NR").update(speaker_country="PW")
    assert listed(api, {"country": "NR"})[0] == 1  # still cached
    cache.clear()
    assert listed(api, {"country": "NR"})[0] == 0


def faceted(api, params: dict) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(f"{API}/statements/", {**params, "facet": "kind,year"})
    assert response.status_code == 200
    return response.json()["facets"], [query["sql"] for query in captured]


def groupings_in(queries: list[str]) -> int:
    return sum("GROUP BY" in sql.upper() for sql in queries)


def test_facet_counts_are_kept_until_a_write(api):
    factories.statement(speaker_country="NR", kind="quote", said="2003-05")
    first, queries = faceted(api, {"country": "NR"})
    again, cached_queries = faceted(api, {"country": "NR"})
    assert first == again
    assert first["kind"]["values"] == [{"value": "quote", "count": 1}]
    assert first["year"]["values"] == [{"value": "2003", "count": 1}]
    assert (groupings_in(queries), groupings_in(cached_queries)) == (2, 0)
    # Another filter, or other facets, are counted afresh.
    assert groupings_in(faceted(api, {"country": "PW"})[1]) == 2
    factories.statement(speaker_country="NR", kind="paraphrase", said="2003")
    after, after_queries = faceted(api, {"country": "NR"})
    assert groupings_in(after_queries) == 2
    assert after["kind"]["values"] == [
        {"value": "paraphrase", "count": 1},
        {"value": "quote", "count": 1},
    ]
    assert after["year"]["values"] == [{"value": "2003", "count": 2}]


def test_facets_of_a_joined_filter_count_each_record_once(api):
    topic = factories.topic("t-facet-joined")
    other = factories.topic("t-facet-other")
    for kind in ("quote", "quote", "paraphrase"):
        factories.statement(speaker_country="NR", kind=kind, topics=(topic, other))
    facets, _queries = faceted(api, {"topic": ["t-facet-joined", "t-facet-other"]})
    assert facets["kind"]["values"] == [
        {"value": "quote", "count": 2},
        {"value": "paraphrase", "count": 1},
    ]
