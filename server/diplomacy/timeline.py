"""The timeline: contacts and statements in one date order.

Ordering and paging run on one light query, a union of (type, id, earliest day, latest day) rows
of both tables; the records of one page are then loaded with the selectors' prefetches, so a page
costs the same number of queries whatever its size or depth.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Value

from . import selectors
from .dates import PartialDate
from .models import Contact, Participant, Statement
from .visibility import PUBLIC, Audience


class EntryType(StrEnum):
    CONTACT = "contact"
    STATEMENT = "statement"


@dataclass(frozen=True, kw_only=True)
class TimelineFilters:
    """What a timeline keeps; an empty collection does not filter. Values within one filter are
    alternatives (OR); different filters all apply (AND)."""

    officials: Collection[str] = ()
    countries: Collection[str] = ()
    topics: Collection[str] = ()
    sources: Collection[int] = ()
    after: PartialDate | None = None
    before: PartialDate | None = None
    types: Collection[EntryType] = ()


@dataclass(frozen=True)
class TimelineEntry:
    type: EntryType
    record: Contact | Statement

    @property
    def date(self) -> PartialDate | None:
        return self.record.date if isinstance(self.record, Contact) else self.record.said

    @property
    def contact(self) -> Contact | None:
        return self.record if isinstance(self.record, Contact) else None

    @property
    def statement(self) -> Statement | None:
        return self.record if isinstance(self.record, Statement) else None


# The columns of a timeline row, in the order both sides of the union select them.
ROW_COLUMNS = ("entry_type", "entry_id", "entry_earliest", "entry_latest")


def timeline_rows(filters: TimelineFilters, review_states: Audience = PUBLIC) -> QuerySet[Any]:
    """(type, id, earliest, latest) of every entry kept, in timeline order: earliest day first,
    then the coarser date, then contacts before statements, then id; undated entries last."""
    sides = []
    if _wanted(filters, EntryType.CONTACT):
        contacts = selectors.in_review_states(Contact.objects.all(), review_states)
        sides.append(_rows(_filter_contacts(contacts, filters), EntryType.CONTACT, "date"))
    if _wanted(filters, EntryType.STATEMENT):
        statements = selectors.in_review_states(Statement.objects.all(), review_states)
        sides.append(_rows(_filter_statements(statements, filters), EntryType.STATEMENT, "said"))
    rows = sides[0].union(*sides[1:], all=True) if len(sides) > 1 else sides[0]
    return rows.order_by(
        F("entry_earliest").asc(nulls_last=True),
        F("entry_latest").desc(nulls_last=True),
        F("entry_type").asc(),
        F("entry_id").asc(),
    )


def timeline_entries(rows: Iterable[Sequence[Any]]) -> list[TimelineEntry]:
    """The entries of these rows, in their order, each record loaded with what it shows (whose
    representation applies the reader's audience to what it points at)."""
    rows = list(rows)
    wanted = {kind: [row[1] for row in rows if row[0] == kind] for kind in EntryType}
    loaded: dict[tuple[str, int], Contact | Statement] = {}
    if wanted[EntryType.CONTACT]:
        for contact in selectors.contact_list().filter(pk__in=wanted[EntryType.CONTACT]):
            loaded[EntryType.CONTACT, contact.pk] = contact
    if wanted[EntryType.STATEMENT]:
        for statement in selectors.statement_list().filter(pk__in=wanted[EntryType.STATEMENT]):
            loaded[EntryType.STATEMENT, statement.pk] = statement
    # A record deleted between the two queries is left out rather than failing the page.
    return [
        TimelineEntry(EntryType(kind), loaded[kind, pk])
        for kind, pk, *_dates in rows
        if (kind, pk) in loaded
    ]


def _wanted(filters: TimelineFilters, kind: EntryType) -> bool:
    return not filters.types or kind in filters.types


def _rows(queryset: QuerySet[Any], kind: EntryType, date: str) -> QuerySet[Any]:
    # Each side unordered: a compound query is ordered as a whole.
    return (
        queryset.order_by()
        .annotate(
            entry_type=Value(kind.value, output_field=CharField()),
            entry_id=F("id"),
            entry_earliest=F(f"{date}_earliest"),
            entry_latest=F(f"{date}_latest"),
        )
        .values_list(*ROW_COLUMNS)
    )


def _filter_contacts(contacts: QuerySet[Contact], filters: TimelineFilters) -> QuerySet[Contact]:
    if filters.officials:
        contacts = contacts.filter(selectors.taking_part(filters.officials))
    if filters.countries:
        participant_from = Participant.objects.filter(
            contact=OuterRef("pk"), country__in=filters.countries
        )
        contacts = contacts.filter(Q(country__in=filters.countries) | Exists(participant_from))
    if filters.topics:
        on_topic = Contact.topics.through.objects.filter(
            contact=OuterRef("pk"), topic__slug__in=filters.topics
        )
        contacts = contacts.filter(Exists(on_topic))
    if filters.sources:
        contacts = contacts.filter(selectors.citing(filters.sources, "contact"))
    return selectors.dated_between(contacts, "date", filters.after, filters.before)


def _filter_statements(
    statements: QuerySet[Statement], filters: TimelineFilters
) -> QuerySet[Statement]:
    if filters.officials:
        statements = statements.filter(speaker__slug__in=filters.officials)
    if filters.countries:
        statements = statements.filter(speaker_country__in=filters.countries)
    if filters.topics:
        on_topic = Statement.topics.through.objects.filter(
            statement=OuterRef("pk"), topic__slug__in=filters.topics
        )
        statements = statements.filter(Exists(on_topic))
    if filters.sources:
        statements = statements.filter(
            selectors.citing(filters.sources, "statement") | Q(origin_id__in=filters.sources)
        )
    return selectors.dated_between(statements, "said", filters.after, filters.before)
