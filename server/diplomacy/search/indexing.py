"""Keeping each record's search document current: on its own writes, and when a record it names
(a speaker, a participant) is renamed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet

from ..models import Contact, Official, Participant, Position, Record, Source, Statement
from ..visibility import PUBLIC
from .documents import contact_document, official_document, source_document, statement_document

BATCH_SIZE = 2000


def document_of(record: Record) -> str:
    """The record's document from its fields and its saved parts (posts held, participants)."""
    if isinstance(record, Official):
        posts = _posts_in_documents().filter(official=record)
        return official_document(
            record.name, record.aliases or [], posts.values_list("title", "organization")
        )
    if isinstance(record, Source):
        return source_document(record.title, record.author, record.publisher)
    if isinstance(record, Contact):
        participants = Participant.objects.filter(contact=record).order_by("id")
        return contact_document(
            record.title,
            record.summary,
            record.occasion,
            record.location,
            participants.values_list("label", "official__name"),
        )
    if isinstance(record, Statement):
        speaker = record.speaker if record.speaker_id else None
        return statement_document(
            record.text, speaker.name if speaker else None, record.speaker_label
        )
    raise TypeError(f"No search document for {type(record).__name__}.")


def _posts_in_documents() -> QuerySet[Position]:
    # The index is shared by every reader: a post under review must not be found (nor printed
    # in a snippet) by those who may not read it, so only public posts are indexed.
    return Position.objects.filter(review_state__in=PUBLIC).order_by("start_earliest", "id")


def _statement_documents(statements: QuerySet[Statement]) -> Iterable[tuple[int, str]]:
    rows = statements.values_list("pk", "text", "speaker__name", "speaker_label")
    for pk, text, speaker_name, label in rows.iterator(chunk_size=BATCH_SIZE):
        yield pk, statement_document(text, speaker_name, label)


def _contact_documents(contacts: QuerySet[Contact]) -> Iterable[tuple[int, str]]:
    participants = Participant.objects.select_related("official").order_by("id")
    prefetched = contacts.prefetch_related(Prefetch("participants", queryset=participants))
    for contact in prefetched.iterator(chunk_size=BATCH_SIZE):
        names = [
            (p.label, p.official.name if p.official else None) for p in contact.participants.all()
        ]
        yield (
            contact.pk,
            contact_document(
                contact.title, contact.summary, contact.occasion, contact.location, names
            ),
        )


def _official_documents(officials: QuerySet[Official]) -> Iterable[tuple[int, str]]:
    posts = _posts_in_documents()
    prefetched = officials.prefetch_related(Prefetch("positions", queryset=posts))
    for official in prefetched.iterator(chunk_size=BATCH_SIZE):
        held = [(post.title, post.organization) for post in official.positions.all()]
        yield official.pk, official_document(official.name, official.aliases or [], held)


def _source_documents(sources: QuerySet[Source]) -> Iterable[tuple[int, str]]:
    rows = sources.values_list("pk", "title", "author", "publisher")
    for pk, title, author, publisher in rows.iterator(chunk_size=BATCH_SIZE):
        yield pk, source_document(title, author, publisher)


def _store(model: type[Record], documents: Iterable[tuple[int, str]]) -> int:
    """Write the documents that differ from the stored ones; how many changed."""
    changed = 0
    batch: list[tuple[int, str]] = []

    def flush() -> int:
        stored = dict(
            model._default_manager.filter(pk__in=[pk for pk, _ in batch]).values_list(
                "pk", "search_document"
            )
        )
        build: Any = model
        stale: list[Any] = [
            build(pk=pk, search_document=text) for pk, text in batch if stored.get(pk) != text
        ]
        model._default_manager.bulk_update(stale, ["search_document"])
        return len(stale)

    for item in documents:
        batch.append(item)
        if len(batch) >= BATCH_SIZE:
            changed += flush()
            batch = []
    if batch:
        changed += flush()
    return changed


@transaction.atomic
def refresh_dependants(official: Official) -> None:
    """An official's name is in the documents of its statements and contacts: rewrite them."""
    _store(Statement, _statement_documents(Statement.objects.filter(speaker=official)))
    taking_part = Contact.objects.filter(participants__official=official).distinct()
    _store(Contact, _contact_documents(taking_part))


@transaction.atomic
def rebuild() -> dict[str, int]:
    """Recompute every record's document (after a bulk load); how many changed, per resource."""
    return {
        "officials": _store(Official, _official_documents(Official.objects.order_by("pk"))),
        "sources": _store(Source, _source_documents(Source.objects.order_by("pk"))),
        "contacts": _store(Contact, _contact_documents(Contact.objects.order_by("pk"))),
        "statements": _store(Statement, _statement_documents(Statement.objects.order_by("pk"))),
    }
