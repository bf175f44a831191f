"""Queries per request: constant in the page size and the data size, and pinned per endpoint.

The expected count of every list and detail endpoint is committed in ``query_counts.json``; a
change to it fails here until the file is regenerated on purpose:

    DETENTE_UPDATE_QUERY_COUNTS=1 .venv/bin/pytest tests/server/test_query_counts.py

and the new counts are reviewed in the diff, never taken silently.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

pytestmark = pytest.mark.django_db

BASELINES = Path(__file__).with_name("query_counts.json")
UPDATING = os.environ.get("DETENTE_UPDATE_QUERY_COUNTS") == "1"


def build_officials(count):
    for _ in range(count):
        factories.official(country="PW", positions=2)


def build_contacts(count):
    topic = factories.topic("t-counted")
    for _ in range(count):
        members = (factories.official(country="PW"), factories.official(country="PW"))
        factories.contact(country="PW", officials=members, topics=(topic,), date="2001-02")


def build_statements(count):
    topic = factories.topic("t-counted")
    meeting = factories.contact(country="PW")
    for _ in range(count):
        speaker = factories.official(country="PW")
        origin = factories.source()
        factories.statement(
            speaker=speaker, contact=meeting, origin=origin, topics=(topic,), said="2001-03-04"
        )


def build_sources(count):
    for _ in range(count):
        factories.source(language="zz")


# Each endpoint: what builds its rows, its path and the query that keeps only those rows.
CASES: dict[str, tuple[Any, str, dict[str, Any]]] = {
    "officials": (build_officials, "officials", {"country": "PW"}),
    "officials at": (build_officials, "officials", {"country": "PW", "at": "2020"}),
    "contacts": (build_contacts, "contacts", {"country": "PW"}),
    "contacts facets": (
        build_contacts,
        "contacts",
        {"country": "PW", "facet": "kind,topic,official"},
    ),
    "statements": (build_statements, "statements", {"country": "PW"}),
    "statements search": (build_statements, "statements", {"country": "PW", "q": "statement"}),
    "statements facets": (
        build_statements,
        "statements",
        {"country": "PW", "facet": "country,kind,year,topic,speaker"},
    ),
    "sources": (build_sources, "sources", {"language": "zz"}),
    "timeline": (build_contacts, "timeline", {"country": "PW"}),
    "network": (build_contacts, "network", {"country": "PW"}),
    "changes": (build_contacts, "changes", {"resource": "contacts"}),
    "changes with records": (
        build_contacts,
        "changes",
        {"resource": ["contacts", "officials"], "include": "record", "limit": 1000},
    ),
}
DETAILS = ("officials", "contacts", "statements", "sources")


@pytest.fixture(scope="module")
def counted() -> dict[str, int]:
    """The counts measured in this run, written to the baselines when updating."""
    found: dict[str, int] = {}
    yield found
    if UPDATING:
        stored = json.loads(BASELINES.read_text()) if BASELINES.exists() else {}
        BASELINES.write_text(json.dumps({**stored, **found}, indent=2, sort_keys=True) + "\n")


def queries_for(api, path: str, query: dict) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(f"/api/v1/{path}/", query)
    assert response.status_code == 200, response.content
    return len(captured), response.json()


def _size(body: dict) -> int:
    if "nodes" in body:
        return len(body["nodes"])
    return body["count"] if "count" in body else len(body["results"])


def check_baseline(counted: dict[str, int], name: str, queries: int) -> None:
    counted[name] = queries
    if UPDATING:
        return
    baselines = json.loads(BASELINES.read_text())
    assert name in baselines, f"no baseline for {name}: regenerate {BASELINES.name} on purpose"
    assert queries == baselines[name], (
        f"{name}: {queries} queries, {baselines[name]} expected; if intended, regenerate "
        f"{BASELINES.name} (DETENTE_UPDATE_QUERY_COUNTS=1) and review the diff"
    )


@pytest.mark.parametrize("name", CASES)
def test_list_queries_are_the_same_for_1_and_50_rows_and_as_committed(api, counted, name):
    build, path, query = CASES[name]
    build(1)
    one, body = queries_for(api, path, query)
    small = _size(body)
    assert small >= 1
    build(49)
    fifty, body = queries_for(api, path, query)
    assert _size(body) > small
    assert fifty == one, f"{name}: {one} queries for the small list, {fifty} for the large"
    check_baseline(counted, f"list {name}", fifty)


@pytest.mark.parametrize("name", DETAILS)
def test_detail_queries_are_as_committed(api, counted, name):
    build, path, query = CASES[name]
    build(1)
    record_id = api.get(f"/api/v1/{path}/", query).json()["results"][0]["id"]
    with CaptureQueriesContext(connection) as captured:
        assert api.get(f"/api/v1/{path}/{record_id}/").status_code == 200
    check_baseline(counted, f"detail {name}", len(captured))


@pytest.mark.skipif(UPDATING, reason="the baselines are being rewritten")
def test_every_baseline_is_still_measured():
    """A baseline whose endpoint case was removed is stale: the file says only what is true."""
    names = {f"list {name}" for name in CASES} | {f"detail {name}" for name in DETAILS}
    assert set(json.loads(BASELINES.read_text())) == names
