"""Builders for test records, written through the services like any other write.

Test data uses the country codes TV, NR and PW (real ones the article never names) and slugs
starting with ``t-`` so that it never mixes with the article's dataset loaded in the same
database. Claims (statements, contacts, posts held) are built reviewed, as the article's are, so
that anonymous reads show them; pass ``review_state="draft"`` for one under review.
"""

from __future__ import annotations

import itertools
from typing import Any

from server.diplomacy import services
from server.diplomacy.models import Contact, Official, Source, Statement, Topic

_sequence = itertools.count(1)


def source(**fields: Any) -> Source:
    fields.setdefault("title", f"[Test source {next(_sequence)}]")
    fields.setdefault("kind", "news")
    return services.record_create(Source, fields)


def topic(slug: str | None = None) -> Topic:
    slug = slug or f"t-topic-{next(_sequence)}"
    return Topic.objects.get_or_create(slug=slug, defaults={"name": slug})[0]


def citations(cited: Source | None = None, excerpt: str = "Test excerpt.") -> list[dict[str, Any]]:
    return [{"source": cited or source(), "excerpt": excerpt, "locator": "paragraph 1"}]


def official(*, country: str = "TV", positions: int = 1, **fields: Any) -> Official:
    number = next(_sequence)
    fields.setdefault("slug", f"t-official-{number}")
    fields.setdefault("name", f"Test Official {number}")
    fields["country"] = country
    fields.setdefault(
        "positions",
        [
            {
                "title": f"Post {index}",
                "start": "2020",
                "citations": citations(),
                "review_state": "reviewed",
            }
            for index in range(positions)
        ],
    )
    return services.record_create(Official, fields)


def contact(
    *, officials: tuple[Official, ...] = (), topics: tuple[Topic, ...] = (), **fields: Any
) -> Contact:
    fields.setdefault("title", f"Test contact {next(_sequence)}")
    fields.setdefault("kind", "meeting")
    fields.setdefault("country", "TV")
    participants = [{"official": member, "country": member.country} for member in officials]
    fields.setdefault(
        "participants", participants or [{"label": "Test delegation", "country": "TV"}]
    )
    fields.setdefault("topics", list(topics))
    fields.setdefault("citations", citations())
    fields.setdefault("review_state", "reviewed")
    return services.record_create(Contact, fields)


def statement(
    *, topics: tuple[Topic, ...] = (), cited: Source | None = None, **fields: Any
) -> Statement:
    fields.setdefault("text", f"Test statement {next(_sequence)}")
    fields.setdefault("kind", "paraphrase")
    if "speaker" not in fields:
        fields.setdefault("speaker_label", "Test office")
        fields.setdefault("speaker_country", "TV")
    fields.setdefault("topics", list(topics))
    fields.setdefault("citations", citations(cited, excerpt=fields["text"]))
    fields.setdefault("review_state", "reviewed")
    return services.record_create(Statement, fields)
