"""Helpers shared by the write, auth, history and concurrency tests (not a test module itself).

Writes are made by a curator holding a token from ``createtoken``, who reads every review state
(``review=all``: records written through the API start as drafts, which anonymous readers do not
see); bodies are written in the shapes the API takes (related records as ids, topics as slugs,
nested lists whole) and compared with what it shows (related records brief) after turning the
shown body back into a writable one.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.core.management import call_command
from rest_framework.test import APIClient

from server.diplomacy.models import (
    Citation,
    Contact,
    Official,
    Participant,
    Position,
    Record,
    Source,
    Statement,
)
from tests import factories

API = "/api/v1"
RESOURCES: dict[str, type[Record]] = {
    "officials": Official,
    "sources": Source,
    "contacts": Contact,
    "statements": Statement,
}
READ_ONLY = (
    "id",
    "url",
    "version",
    "created_at",
    "updated_at",
    "reviewed_by",
    "reviewed_at",
    "position",
)
# Resources whose reads depend on review (statements, contacts, and officials' posts held).
REVIEWED_RESOURCES = ("officials", "contacts", "statements")
PROBLEM = "application/problem+json"

# Source 1 is the article; it stores its full text, so excerpts citing it must be found in it.
ARTICLE = 1
# Verbatim from the article (curly quotes as printed there).
ARTICLE_EXCERPT = (
    "The next meeting, or rather, the “long-awaited visit of the Chinese leader to South Korea,” "
    "something that Seoul has been seeking for a very long time"
)
ARTICLE_QUOTE = "long-awaited visit of the Chinese leader to South Korea,"
XI_JINPING, YOON_SUK_YEOL = 1, 2


def create_token(username: str = "alice", *options: str) -> str:
    out = io.StringIO()
    call_command("createtoken", username, *options, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def client_with_token(token: str, **options: Any) -> APIClient:
    client = APIClient(**options)
    client.credentials(HTTP_AUTHORIZATION="Token " + token)
    return client


class CuratorClient(APIClient):
    """A curator's client: reads of reviewed resources ask for every review state."""

    def get(self, path: str, data: Any = None, follow: bool = False, **extra: Any) -> Any:  # type: ignore[override]
        resource = path.removeprefix(f"{API}/").split("/", 1)[0]
        if resource in REVIEWED_RESOURCES and path.startswith(f"{API}/"):
            data = {"review": "all", **(data or {})}
        return super().get(path, data, follow, **extra)


def curator_client(username: str = "alice", **options: Any) -> APIClient:
    client = CuratorClient(**options)
    client.credentials(HTTP_AUTHORIZATION="Token " + create_token(username, "--curator"))
    return client


def detail(resource: str, pk: int) -> str:
    return f"{API}/{resource}/{pk}/"


# -- bodies ------------------------------------------------------------------------------------


def _id(value: Any) -> Any:
    return value["id"] if isinstance(value, dict) else value


def _citations(items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**item, "source": _id(item["source"])} for item in items]


def writable(body: dict[str, Any]) -> dict[str, Any]:
    """A body as the API shows it, in the shape it takes for a write."""
    data = {name: value for name, value in body.items() if name not in READ_ONLY}
    for name in ("speaker", "contact", "origin"):
        if name in data:
            data[name] = _id(data[name])
    if "citations" in data:
        data["citations"] = _citations(data["citations"])
    if "positions" in data:
        data["positions"] = [
            {
                **{k: v for k, v in item.items() if k not in READ_ONLY},
                "citations": _citations(item["citations"]),
            }
            for item in data["positions"]
        ]
    if "participants" in data:
        data["participants"] = [
            {
                **{k: v for k, v in item.items() if k not in READ_ONLY},
                "official": _id(item["official"]),
            }
            for item in data["participants"]
        ]
    return data


def cite(source: int = ARTICLE, excerpt: str = ARTICLE_EXCERPT, locator: str = "") -> dict:
    return {"source": source, "excerpt": excerpt, "locator": locator}


def official_body(slug: str = "t-ban-test") -> dict[str, Any]:
    other = factories.source(title="[Test ministry release]")
    return {
        "slug": slug,
        "name": "Ban Test",
        "aliases": ["B. Test", "Test Ban"],
        "country": "TV",
        "positions": [
            {
                "title": "Minister of Tests",
                "organization": "Ministry of Tests",
                "country": "TV",
                "start": "2020-03",
                "end": "2022",
                "citations": [cite(other.pk, "Ban Test was appointed minister.", "para 1")],
                "review_state": "draft",
            },
            {
                "title": "Ambassador",
                "organization": "",
                "country": "NR",
                "start": "2023-01-15",
                "end": None,
                "citations": [
                    cite(locator="paragraph 4"),
                    cite(other.pk, "Ban Test became ambassador.", "para 2"),
                ],
                "review_state": "draft",
            },
        ],
        "notes": "A made-up official.",
    }


def source_body() -> dict[str, Any]:
    return {
        "title": "[Test dispatch]",
        "kind": "news",
        "author": "A. Writer",
        "author_affiliation": "Test Wire",
        "publisher": "Test Times",
        "published": "2024-07",
        "document_url": "https://example.org/dispatch",
        "language": "en",
        "notes": "Made up for a test.",
        "text": "The ministers met. They agreed to “keep talking.”",
    }


def contact_body() -> dict[str, Any]:
    member = factories.official()
    return {
        "title": "Test talks",
        "kind": "talks",
        "status": "planned",
        "date": "2024-07",
        "end_date": "2024-08-02",
        "location": "Test City",
        "country": "TV",
        "occasion": "A test summit",
        "duration_minutes": 90,
        "participants": [
            {"official": member.pk, "label": "", "country": "TV", "role": "host"},
            {"official": None, "label": "Test delegation", "country": "NR", "role": ""},
        ],
        "summary": "They talked.",
        "topics": ["bilateral-relations", "supply-chains"],
        "citations": [cite(locator="paragraph 4")],
        "review_state": "draft",
    }


def statement_body() -> dict[str, Any]:
    return {
        "text": ARTICLE_QUOTE,
        "kind": "quote",
        "language": "en",
        "speaker": XI_JINPING,
        "speaker_label": "",
        "speaker_country": "CN",
        "said": "2024-07-26",
        "contact": None,
        "origin": None,
        "topics": ["bilateral-relations"],
        "citations": [cite(locator="paragraph 4")],
        "review_state": "draft",
    }


BODIES = {
    "officials": official_body,
    "sources": source_body,
    "contacts": contact_body,
    "statements": statement_body,
}


def create(api: APIClient, resource: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST a body (the resource's test body by default) and return what the API answered."""
    response = api.post(f"{API}/{resource}/", body or BODIES[resource](), format="json")
    assert response.status_code == 201, response.content
    return response.json()


# -- state -------------------------------------------------------------------------------------

MODELS = (Official, Source, Contact, Statement, Position, Participant, Citation)


def counts() -> dict[str, int]:
    """Rows of every table a write touches, history included."""
    found = {model.__name__: model._default_manager.count() for model in MODELS}
    for model in MODELS:
        found[f"history of {model.__name__}"] = model.history.count()
    return found


def error_at(body: dict[str, Any], path: Sequence[str | int]) -> Any:
    """The problem's ``errors`` member followed along a path of field names and list indexes."""
    found: Any = body["errors"]
    for step in path:
        found = found[step]
    return found


def tag_of(api: APIClient, url: str) -> str:
    """The ETag a read of ``url`` gives this client now."""
    response = api.get(url)
    assert response.status_code == 200, response.content
    return str(response["ETag"])
