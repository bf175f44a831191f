"""Queries per list request do not grow with the number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

pytestmark = pytest.mark.django_db


def build_officials(count):
    for _ in range(count):
        factories.official(country="ZX", positions=2)


def build_contacts(count):
    topic = factories.topic("t-counted")
    for _ in range(count):
        members = (factories.official(), factories.official())
        factories.contact(country="ZX", officials=members, topics=(topic,))


def build_statements(count):
    topic = factories.topic("t-counted")
    meeting = factories.contact()
    for _ in range(count):
        speaker = factories.official(country="ZX")
        origin = factories.source()
        factories.statement(speaker=speaker, contact=meeting, origin=origin, topics=(topic,))


def build_sources(count):
    for _ in range(count):
        factories.source(language="zz")


CASES = {
    "officials": (build_officials, {"country": "ZX"}),
    "contacts": (build_contacts, {"country": "ZX"}),
    "statements": (build_statements, {"country": "ZX"}),
    "sources": (build_sources, {"language": "zz"}),
}


def queries_for(api, name, query):
    with CaptureQueriesContext(connection) as captured:
        response = api.get(f"/api/v1/{name}/", query)
    assert response.status_code == 200
    return len(captured), response.json()["count"]


@pytest.mark.parametrize("name", CASES)
def test_list_queries_are_the_same_for_1_and_50_rows(api, name):
    build, query = CASES[name]
    build(1)
    one, counted = queries_for(api, name, query)
    assert counted == 1
    build(49)
    fifty, counted = queries_for(api, name, query)
    assert counted == 50
    assert fifty == one, f"{name}: {one} queries for 1 row, {fifty} for 50"


@pytest.mark.parametrize("name", CASES)
def test_detail_queries_are_bounded(api, name):
    build, query = CASES[name]
    build(1)
    record_id = api.get(f"/api/v1/{name}/", query).json()["results"][0]["id"]
    with CaptureQueriesContext(connection) as captured:
        assert api.get(f"/api/v1/{name}/{record_id}/").status_code == 200
    assert len(captured) <= 6
