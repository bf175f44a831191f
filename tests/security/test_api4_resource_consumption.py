"""OWASP API4 (2023): unrestricted resource consumption.

Pages are capped, bodies and searches are bounded, and a client that floods the API is slowed
down with 429s that a forged X-Forwarded-For does not escape.
"""

from __future__ import annotations

import pytest

from server.api.filtering import MAX_SEARCH_LENGTH
from server.api.pagination import MAX_PAGE_SIZE
from server.diplomacy.models import Source
from server.diplomacy.search.query import MAX_TERMS

from .conftest import send

pytestmark = pytest.mark.django_db


def test_a_page_is_never_larger_than_the_cap(api):
    body = api.get("/api/v1/statements/", {"limit": 10**9}).json()
    assert len(body["results"]) <= MAX_PAGE_SIZE


def test_a_body_over_the_limit_is_a_413_problem(curator, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    before = Source.objects.count()
    response = curator.post(
        "/api/v1/sources/",
        '{"title": "' + "x" * 20_000 + '", "kind": "news"}',
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 413
    assert Source.objects.count() == before


def test_a_body_with_too_many_fields_is_a_400(curator):
    body = {f"field{index}": index for index in range(5000)}
    response = send(curator, "post", "/api/v1/sources/", body)
    assert response.status_code == 400
    assert len(response.json()["errors"]) == 5000


@pytest.mark.parametrize("query", ["x" * (MAX_SEARCH_LENGTH + 1), "é" * (MAX_SEARCH_LENGTH + 1)])
def test_a_search_beyond_its_bounds_is_a_400(api, query):
    response = api.get("/api/v1/statements/", {"q": query})
    assert response.status_code == 400
    assert "q" in response.json()["errors"]


def test_a_search_has_a_bounded_number_of_terms(api):
    words = [f"word{number}" for number in range(MAX_TERMS + 1)]
    response = api.get("/api/v1/statements/", {"q": " OR ".join(words)})
    assert response.status_code == 400
    assert f"at most {MAX_TERMS}" in response.json()["errors"]["q"][0]
    assert api.get("/api/v1/statements/", {"q": " OR ".join(words[:-1])}).status_code == 200


def test_a_flood_gets_429_with_retry_after_and_a_new_forwarded_for_does_not_escape_it(
    api, settings
):
    settings.REQUEST_RATES = {"anonymous": "5/minute", "user": "5/minute"}
    statuses = [api.get("/api/v1/officials/").status_code for _ in range(5)]
    assert statuses == [200] * 5
    flooded = api.get("/api/v1/officials/")
    assert flooded.status_code == 429
    assert int(flooded["Retry-After"]) > 0
    assert flooded["Content-Type"] == "application/problem+json"
    forged = api.get("/api/v1/officials/", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert forged.status_code == 429
