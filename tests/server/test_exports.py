"""Lists as CSV and NDJSON: the whole filtered set, streamed, in memory that does not grow."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tracemalloc

import pytest
from django.test import Client
from django.utils import timezone

from server.diplomacy import search
from server.diplomacy.models import Statement
from tests import factories
from tests.server.writing import API

pytestmark = pytest.mark.django_db


def _body(response) -> str:
    assert response.streaming, "exports stream"
    return b"".join(response.streaming_content).decode()


def _all_json(api, resource: str, params: dict) -> list[dict]:
    return api.get(f"{API}/{resource}/", {**params, "limit": 200}).json()["results"]


@pytest.mark.parametrize("resource", ["statements", "contacts", "officials", "sources"])
def test_ndjson_lines_are_the_lists_objects_in_the_lists_order(api, resource):
    response = api.get(f"{API}/{resource}/", {"format": "ndjson"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Content-Disposition"] == f'attachment; filename="{resource}.ndjson"'
    lines = [json.loads(line) for line in _body(response).splitlines()]
    assert lines == _all_json(api, resource, {})


def test_csv_is_flat_with_documented_columns_and_joined_lists(api):
    params = {"country": "CN", "ordering": "-said"}
    response = api.get(f"{API}/statements/", {**params, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    expected = _all_json(api, "statements", params)
    assert [int(row["id"]) for row in rows] == [item["id"] for item in expected]
    assert list(rows[0]) == [
        "id", "url", "version", "created_at", "updated_at", "text", "kind", "language",
        "speaker_id", "speaker_slug", "speaker_name", "speaker_label", "speaker_country", "said",
        "contact_id", "contact_title", "origin_id", "origin_title", "topics",
        "citations_source", "citations_excerpt", "citations_locator",
        "review_state", "reviewed_by", "reviewed_at",
    ]  # fmt: skip
    for row, item in zip(rows, expected, strict=True):
        assert row["url"] == item["url"]  # no ?format=csv carried into links
        assert row["text"] == item["text"]
        assert row["said"] == (item["said"] or "")
        assert row["topics"] == " | ".join(item["topics"])
        assert row["citations_source"] == " | ".join(
            str(c["source"]["id"]) for c in item["citations"]
        )
        assert row["speaker_slug"] == (item["speaker"]["slug"] if item["speaker"] else "")


def test_csv_of_contacts_joins_participants_field_by_field(api):
    rows = list(csv.DictReader(io.StringIO(_body(api.get(f"{API}/contacts/?format=csv")))))
    expected = _all_json(api, "contacts", {})
    for row, item in zip(rows, expected, strict=True):
        assert row["participants_label"] == " | ".join(p["label"] for p in item["participants"])
        officials = [
            str(p["official"]["id"]) if p["official"] else "" for p in item["participants"]
        ]
        assert row["participants_official"] == " | ".join(officials)


def test_exports_follow_search_filters_and_review(api):
    factories.statement(text="Export me: the lagoon accord.", speaker_country="NR")
    factories.statement(text="A draft lagoon accord.", speaker_country="NR", review_state="draft")
    body = _body(api.get(f"{API}/statements/", {"format": "ndjson", "q": "lagoon"}))
    assert [json.loads(line)["text"] for line in body.splitlines()] == [
        "Export me: the lagoon accord."
    ]
    csv_body = _body(api.get(f"{API}/statements/", {"format": "csv", "country": "NR"}))
    assert len(list(csv.DictReader(io.StringIO(csv_body)))) == 1


def test_the_accept_header_chooses_the_format_too(api):
    response = api.get(f"{API}/sources/", HTTP_ACCEPT="text/csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.parametrize("param", [{"limit": 5}, {"offset": 5}, {"facet": "kind"}])
def test_exports_are_not_paginated_nor_faceted(api, param):
    response = api.get(f"{API}/statements/", {"format": "csv", **param})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == list(param)


@pytest.mark.parametrize(("path", "value"), [("sources/1/", "csv"), ("sources/", "xml")])
def test_an_unknown_format_is_a_400_naming_the_formats(api, path, value):
    response = api.get(f"{API}/{path}", {"format": value})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    [message] = response.json()["errors"]["format"]
    assert "json" in message
    assert ("csv" in message) == (path == "sources/")


def _bulk_statements(count: int) -> None:
    now = timezone.now()
    day = dt.date(2001, 1, 1)
    batch = [
        Statement(
            text=f"Synthetic statement number {number} on trade and the border.",
            kind="paraphrase",
            language="en",
            speaker_label="Synthetic ministry",
            speaker_country="TV",
            said_earliest=day,
            said_latest=day,
            said_precision="day",
            review_state="reviewed",
            created_at=now,
            updated_at=now,
            search_document=search.statement_document(
                f"Synthetic statement number {number}", None, "Synthetic ministry"
            ),
        )
        for number in range(count)
    ]
    Statement.objects.bulk_create(batch, batch_size=5000)


def _peak_streaming(client: Client, url: str) -> tuple[int, int]:
    """The rows streamed and the peak memory the server allocated while streaming them."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        response = client.get(url)
        rows = 0
        for chunk in response.streaming_content:
            rows += chunk.count(b"\n")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return rows, peak


@pytest.mark.slow
def test_streaming_memory_does_not_grow_with_the_rows():
    """10,000 then 100,000 statements: the peak while streaming stays within a fixed bound."""
    client = Client()
    urls = {
        export_format: f"{API}/statements/?format={export_format}&country=TV&ordering=id"
        for export_format in ("csv", "ndjson")
    }
    _bulk_statements(10_000)
    small = {name: _peak_streaming(client, url) for name, url in urls.items()}
    _bulk_statements(90_000)
    large = {name: _peak_streaming(client, url) for name, url in urls.items()}

    for name in urls:
        header = 1 if name == "csv" else 0
        (small_rows, small_peak), (large_rows, large_peak) = small[name], large[name]
        assert (small_rows, large_rows) == (10_000 + header, 100_000 + header)
        # A chunk of 500 serialized records (with tracemalloc's own accounting) is 20-30 MiB.
        assert large_peak < 48 * 1024 * 1024, f"{name}: {large_peak / 2**20:.1f} MiB"
        # Ten times the rows, about the same memory: the chunks, not the list, are held.
        assert large_peak < small_peak * 1.5 + 2 * 1024 * 1024, (name, small_peak, large_peak)
