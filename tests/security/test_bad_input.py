"""Malformed and hostile input gets a clear 4xx problem and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from server.diplomacy.models import Citation, Contact, Official, Source, Statement

pytestmark = pytest.mark.django_db

MODELS = (Official, Source, Contact, Statement, Citation)


def state() -> dict[str, list[Any]]:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


@pytest.fixture
def unchanged():
    before = state()
    yield
    assert state() == before


def assert_problem(response, status: int | tuple[int, ...]) -> None:
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == response.status_code


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/statements/%00/",
        "/api/v1/statements/1%00/",
        "/api/v1/statements/99999999999999999999999/",
        "/api/v1/statements/-1/",
        "/api/v1/statements/1.5/",
        "/api/v1/%ff%fe/",
    ],
)
def test_hostile_paths_are_404(api, unchanged, path):
    assert_problem(api.get(path), 404)


@pytest.mark.parametrize(
    "query",
    [
        {"country": "K\x00R"},
        {"q": "a\x00b"},
        {"speaker": "xi\x00jinping"},
        {"said_after": "2024-02-30"},
        {"said_after": "2024-13"},
        {"said_after": "0000"},
        {"said_before": "9" * 5000},
        {"said_after": "%s %(x)s %"},
        {"limit": str(2**70)},
        {"offset": "-" + "9" * 30},
        {"contact": str(2**70)},
        {"q": '"unclosed phrase'},
        {"q": "é" * 1000},
        {"ordering": "said;DROP TABLE diplomacy_statement"},
    ],
)
def test_hostile_queries_are_400(api, unchanged, query):
    assert_problem(api.get("/api/v1/statements/", query), 400)


def test_invalid_utf8_in_a_query_is_not_a_500(api, unchanged):
    response = api.get("/api/v1/statements/?country=%ff%fe")
    assert_problem(response, 400)


@pytest.mark.parametrize(
    "body",
    [
        '{"text": "a\\u0000b", "kind": "quote"}',
        '{"text": "\\ud800", "kind": "quote"}',
        '{"speaker": 1180591620717411303424}',
        '{"said": 2024}',
        '{"said": "2024-02-30"}',
        '{"text": ',
        "[1, 2, 3]",
        '"just a string"',
        "null",
        '{"text": "' + "x" * 200_000 + '"}',
        '{"citations": [{"source": 1180591620717411303424, "excerpt": "x"}]}',
    ],
)
def test_hostile_bodies_are_400(curator, unchanged, body):
    response = curator.patch("/api/v1/statements/1/", body, content_type="application/json")
    assert_problem(response, 400)


def test_invalid_utf8_in_a_body_is_400(curator, unchanged):
    response = curator.patch(
        "/api/v1/statements/1/", b'{"text": "\xff\xfe"}', content_type="application/json"
    )
    assert_problem(response, 400)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
    ],
)
def test_a_body_that_is_not_json_is_415(curator, unchanged, content_type):
    response = curator.patch("/api/v1/statements/1/", "text=x", content_type=content_type)
    assert_problem(response, 415)


def test_a_very_long_string_in_a_field_is_refused_on_that_field(curator, unchanged):
    response = curator.patch("/api/v1/officials/1/", {"name": "x" * 100_000}, format="json")
    assert_problem(response, 400)
    assert "name" in response.json()["errors"]
