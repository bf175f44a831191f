"""Builders for test records, written through the services like any other write.

Test data uses the country codes ZZ, ZY and ZX and slugs starting with ``t-`` so that it never
mixes with the article's dataset loaded in the same database.
"""

from __future__ import annotations

import itertools
from typing import Any

from server.diplomacy import services
from server.diplomacy.models import (
    Citation,
    Contact,
    Official,
    Participant,
    Position,
    Source,
    Statement,
    Topic,
)

_sequence = itertools.count(1)


def source(**fields: Any) -> Source:
    fields.setdefault("title", f"[Test source {next(_sequence)}]")
    fields.setdefault("kind", "news")
    return services.record_save(Source(**fields))


def topic(slug: str | None = None) -> Topic:
    slug = slug or f"t-topic-{next(_sequence)}"
    return Topic.objects.get_or_create(slug=slug, defaults={"name": slug})[0]


def cite(
    record: Position | Contact | Statement, cited: Source | None = None, **fields: Any
) -> Citation:
    fields.setdefault("excerpt", "Test excerpt.")
    citation = Citation(source=cited or source(), **fields)
    setattr(citation, type(record).__name__.lower(), record)
    return services.part_save(citation)


def official(*, country: str = "ZZ", positions: int = 1, **fields: Any) -> Official:
    number = next(_sequence)
    fields.setdefault("slug", f"t-official-{number}")
    fields.setdefault("name", f"Test Official {number}")
    record = services.record_save(Official(country=country, **fields))
    for index in range(positions):
        post = services.part_save(Position(official=record, title=f"Post {index}", start="2020"))
        cite(post)
    return record


def contact(
    *, officials: tuple[Official, ...] = (), topics: tuple[Topic, ...] = (), **fields: Any
) -> Contact:
    fields.setdefault("title", f"Test contact {next(_sequence)}")
    fields.setdefault("kind", "meeting")
    fields.setdefault("country", "ZZ")
    record = services.record_save(Contact(**fields))
    for member in officials:
        services.part_save(Participant(contact=record, official=member, country=member.country))
    if not officials:
        services.part_save(Participant(contact=record, label="Test delegation", country="ZZ"))
    record.topics.add(*topics)
    cite(record)
    return record


def statement(
    *, topics: tuple[Topic, ...] = (), cited: Source | None = None, **fields: Any
) -> Statement:
    fields.setdefault("text", f"Test statement {next(_sequence)}")
    fields.setdefault("kind", "paraphrase")
    if "speaker" not in fields:
        fields.setdefault("speaker_label", "Test office")
        fields.setdefault("speaker_country", "ZZ")
    record = services.record_save(Statement(**fields))
    record.topics.add(*topics)
    cite(record, cited)
    return record
