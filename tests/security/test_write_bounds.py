"""OWASP API4: how much work one write can cause. Nested lists and long texts are bounded
(server/api/limits.py), the bounds are in the schema, and a body past one is a 400 naming the
field, answered before any of its items is looked up."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from server.api import limits
from server.diplomacy.models import Citation, Official, Statement

from .conftest import send

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(settings.BASE_DIR) / "fixtures" / "openapi-v1.json").read_text())
# Source 2 stores no text: any excerpt may cite it.
SOURCE = 2


def citation(number: int = 0) -> dict[str, Any]:
    return {"source": SOURCE, "excerpt": f"Excerpt {number}.", "locator": ""}


def statement(**fields: Any) -> dict[str, Any]:
    body = {
        "text": "We will talk.",
        "kind": "paraphrase",
        "speaker_label": "A ministry",
        "citations": [citation()],
    }
    return {**body, **fields}


def contact(**fields: Any) -> dict[str, Any]:
    body = {"title": "[Bounds test talks]", "kind": "talks", "citations": [citation()]}
    return {**body, **fields}


def position(**fields: Any) -> dict[str, Any]:
    return {"title": "Minister", "citations": [citation()], **fields}


def topics(count: int) -> list[str]:
    return [f"topic-{number}" for number in range(count)]


# (path, a body with one item past the bound, the field named, the same body at the bound)
TOO_MANY = [
    (
        "/api/v1/statements/",
        statement(citations=[citation(n) for n in range(limits.CITATIONS + 1)]),
        "citations",
        statement(citations=[citation(n) for n in range(limits.CITATIONS)]),
    ),
    (
        "/api/v1/statements/",
        statement(topics=topics(limits.TOPICS + 1)),
        "topics",
        None,
    ),
    (
        "/api/v1/contacts/",
        contact(participants=[{"label": f"Envoy {n}"} for n in range(limits.PARTICIPANTS + 1)]),
        "participants",
        contact(participants=[{"label": f"Envoy {n}"} for n in range(limits.PARTICIPANTS)]),
    ),
    (
        "/api/v1/officials/",
        {"slug": "bounds-test", "name": "Bounds Test", "aliases": ["A"] * (limits.ALIASES + 1)},
        "aliases",
        {"slug": "bounds-test", "name": "Bounds Test", "aliases": ["A"] * limits.ALIASES},
    ),
    (
        "/api/v1/officials/",
        {
            "slug": "bounds-test",
            "name": "Bounds Test",
            "positions": [position() for _ in range(limits.POSITIONS + 1)],
        },
        "positions",
        {
            "slug": "bounds-test",
            "name": "Bounds Test",
            "positions": [position() for _ in range(limits.POSITIONS)],
        },
    ),
    (
        "/api/v1/officials/",
        {
            "slug": "bounds-test",
            "name": "Bounds Test",
            "positions": [position(citations=[citation(n) for n in range(limits.CITATIONS + 1)])],
        },
        "positions",
        None,
    ),
]


def counts() -> tuple[int, int, int]:
    return Statement.objects.count(), Official.objects.count(), Citation.objects.count()


@pytest.mark.parametrize(("path", "body", "field", "_at_bound"), TOO_MANY)
def test_a_nested_list_past_its_bound_is_a_400_naming_it(curator, path, body, field, _at_bound):
    before = counts()
    response = send(curator, "post", path, body)
    assert response.status_code == 400, response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert counts() == before


@pytest.mark.parametrize(
    ("path", "body"), [(path, body) for path, _, _, body in TOO_MANY if body is not None]
)
def test_a_nested_list_at_its_bound_is_written(curator, path, body):
    response = send(curator, "post", path, body)
    assert response.status_code == 201, response.content[:500]


def test_a_huge_list_is_refused_before_its_items_are_looked_up(
    curator, django_assert_max_num_queries
):
    # 5,000 citations (about 170 KB): each would look its source up, then be stored.
    body = statement(citations=[citation(n) for n in range(5000)])
    started = time.monotonic()
    with django_assert_max_num_queries(10):
        response = send(curator, "post", "/api/v1/statements/", body)
    assert response.status_code == 400
    assert "citations" in response.json()["errors"]
    assert time.monotonic() - started < 2


TOO_LONG = [
    ("/api/v1/statements/", statement(text="x" * (limits.STATEMENT_TEXT + 1)), "text"),
    (
        "/api/v1/statements/",
        statement(citations=[{**citation(), "excerpt": "x" * (limits.EXCERPT + 1)}]),
        "citations",
    ),
    ("/api/v1/contacts/", contact(summary="x" * (limits.SUMMARY + 1)), "summary"),
    (
        "/api/v1/officials/",
        {"slug": "bounds-test", "name": "B", "notes": "x" * (limits.NOTES + 1)},
        "notes",
    ),
    (
        "/api/v1/officials/",
        {"slug": "bounds-test", "name": "B", "aliases": ["x" * (limits.ALIAS_LENGTH + 1)]},
        "aliases",
    ),
    (
        "/api/v1/sources/",
        {"title": "[Bounds]", "kind": "news", "notes": "x" * (limits.NOTES + 1)},
        "notes",
    ),
]


@pytest.mark.parametrize(("path", "body", "field"), TOO_LONG)
def test_a_text_past_its_bound_is_a_400_naming_it(curator, path, body, field):
    before = counts()
    response = send(curator, "post", path, body)
    assert response.status_code == 400, response.content[:300]
    assert field in response.json()["errors"]
    assert counts() == before


def test_a_source_text_past_its_bound_is_a_400(curator, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * limits.SOURCE_TEXT
    body = {"title": "[Bounds]", "kind": "news", "text": "x" * (limits.SOURCE_TEXT + 1)}
    response = send(curator, "post", "/api/v1/sources/", body)
    assert response.status_code == 400
    assert "text" in response.json()["errors"]


BOUNDS = {
    "StatementRequest": {"citations": limits.CITATIONS, "topics": limits.TOPICS},
    "ContactRequest": {
        "citations": limits.CITATIONS,
        "topics": limits.TOPICS,
        "participants": limits.PARTICIPANTS,
    },
    "OfficialRequest": {"aliases": limits.ALIASES, "positions": limits.POSITIONS},
    "PositionRequest": {"citations": limits.CITATIONS},
}


@pytest.mark.parametrize("component", sorted(BOUNDS))
def test_the_schema_publishes_each_bound(component):
    properties = SCHEMA["components"]["schemas"][component]["properties"]
    for field, bound in BOUNDS[component].items():
        assert properties[field]["maxItems"] == bound, (component, field)
    patched = SCHEMA["components"]["schemas"].get("Patched" + component)
    if patched is not None:  # a post held is written only within its official
        for field, bound in BOUNDS[component].items():
            assert patched["properties"][field]["maxItems"] == bound, (component, field)


def test_the_schema_publishes_text_bounds_on_writes_only():
    schemas = SCHEMA["components"]["schemas"]
    assert schemas["StatementRequest"]["properties"]["text"]["maxLength"] == limits.STATEMENT_TEXT
    assert schemas["CitationRequest"]["properties"]["excerpt"]["maxLength"] == limits.EXCERPT
    assert schemas["SourceRequest"]["properties"]["text"]["maxLength"] == limits.SOURCE_TEXT
    # A record written in the admin is not held to them: reads promise nothing.
    assert "maxLength" not in schemas["Statement"]["properties"]["text"]
    assert "maxItems" not in schemas["Official"]["properties"]["aliases"]
