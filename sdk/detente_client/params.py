"""Typed parameters: list filters, and bodies for create (and replace) and update.

Each is a ``TypedDict`` used with ``**kwargs: Unpack[...]``, so an editor completes the names and
a type checker rejects a misspelt one (the API would answer 400 anyway). A filter that the API
lets you repeat takes one value or a list of values, matched with OR. A date bound takes a
partial date as text ("2024", "2024-07", "2024-07-26"), a ``datetime.date``, or a
:class:`~detente_client.models.PartialDate`, and matches by overlap.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Literal, NotRequired, TypedDict

from .dates import PartialDate

__all__ = [
    "CitationInput",
    "ContactChanges",
    "ContactCreate",
    "ContactExportFilters",
    "ContactFacet",
    "ContactFilters",
    "ContactKind",
    "ContactStatus",
    "DateBound",
    "DateValue",
    "ExportFormat",
    "ListParameters",
    "NetworkFilters",
    "OfficialChanges",
    "OfficialCreate",
    "OfficialExportFilters",
    "OfficialFacet",
    "OfficialFilters",
    "ParticipantInput",
    "PositionInput",
    "ReviewFilter",
    "ReviewState",
    "SourceChanges",
    "SourceCreate",
    "SourceExportFilters",
    "SourceFacet",
    "SourceFilters",
    "SourceKind",
    "StatementChanges",
    "StatementCreate",
    "StatementExportFilters",
    "StatementFacet",
    "StatementFilters",
    "StatementKind",
    "TimelineEntryType",
    "TimelineFilters",
]

SourceKind = Literal[
    "analysis", "news", "column", "interview", "official release", "speech", "other"
]
ContactKind = Literal["summit", "meeting", "talks", "call", "visit", "dialogue", "exchange"]
ContactStatus = Literal["held", "planned", "cancelled"]
StatementKind = Literal["quote", "paraphrase"]
# A claim's review state: only reviewed claims are shown to anonymous readers.
ReviewState = Literal["draft", "reviewed", "disputed"]
# The review states a read asks for; anything but "reviewed" needs a curator's token.
ReviewFilter = Literal["reviewed", "draft", "disputed", "all"]

# A date bound in a filter: "2024", "2024-07", "2024-07-26", a date, or a PartialDate.
DateBound = str | dt.date | PartialDate
# A partial date in a body ("2024-07", a date, a PartialDate), or None for no date.
DateValue = str | dt.date | PartialDate | None


class _Search(TypedDict, total=False):
    q: str
    ordering: str


class _Paging(TypedDict, total=False):
    limit: int
    offset: int


class _ResourcePaging(_Paging, total=False):
    cursor: str


class ListParameters(_Search, _ResourcePaging, total=False):
    """What every list takes: ``limit`` is the page size (at most 200), ``offset`` the start,
    ``ordering`` field names separated by commas (``-`` descends). ``cursor=""`` pages by keyset
    instead of offset, as fast deep in the list as at its start (not with ``offset``, nor with
    ``q`` unless ``ordering`` is given); iterating follows the cursor from page to page.

    ``q`` is a full-text search: words (all must match), ``"a phrase"``, a ``prefix*``,
    ``this OR that``, ``-word`` to exclude; a malformed query is a 400
    (:class:`~detente_client.ValidationError`). Results come most relevant first (unless
    ``ordering`` says otherwise; relevance ranks a window of the newest matches, older ones
    following newest first), each with a ``snippet``."""


# What ``facet`` can count on each list (several at once: a list, or names joined by commas).
OfficialFacet = Literal["country"]
SourceFacet = Literal["kind", "language", "year"]
ContactFacet = Literal[
    "country", "kind", "status", "topic", "year", "official", "participant_country"
]
StatementFacet = Literal["country", "kind", "language", "topic", "year", "speaker"]
# The formats of a list's export: CSV (flat columns) or NDJSON (the list's JSON objects).
ExportFormat = Literal["csv", "ndjson"]


class OfficialExportFilters(_Search, total=False):
    """Filters of ``officials.export`` (and ``list``): ordering by name, country, id,
    created_at, updated_at. ``at`` keeps the officials holding a post on that day, month or
    year."""

    country: str | Sequence[str]
    slug: str | Sequence[str]
    at: DateBound
    review: ReviewFilter | Sequence[ReviewFilter]


class OfficialFilters(OfficialExportFilters, _ResourcePaging, total=False):
    """Filters of ``officials.list``: those of the export, the page and ``facet``."""

    facet: OfficialFacet | Sequence[OfficialFacet]


class SourceExportFilters(_Search, total=False):
    """Filters of ``sources.export`` (and ``list``): ordering by title, kind, published, id,
    created_at, updated_at."""

    kind: SourceKind | Sequence[SourceKind]
    language: str | Sequence[str]
    published_after: DateBound
    published_before: DateBound


class SourceFilters(SourceExportFilters, _ResourcePaging, total=False):
    """Filters of ``sources.list``: those of the export, the page and ``facet``."""

    facet: SourceFacet | Sequence[SourceFacet]


class ContactExportFilters(_Search, total=False):
    """Filters of ``contacts.export`` (and ``list``): ordering by date, title, kind, id,
    created_at, updated_at.

    ``country`` is where the contact took place, ``participant_country`` that of any participant,
    ``official`` an official's slug, ``source`` a cited source's id, ``topic`` a topic slug.
    """

    country: str | Sequence[str]
    participant_country: str | Sequence[str]
    kind: ContactKind | Sequence[ContactKind]
    status: ContactStatus | Sequence[ContactStatus]
    official: str | Sequence[str]
    source: int | Sequence[int]
    topic: str | Sequence[str]
    date_after: DateBound
    date_before: DateBound
    review: ReviewFilter | Sequence[ReviewFilter]


class ContactFilters(ContactExportFilters, _ResourcePaging, total=False):
    """Filters of ``contacts.list``: those of the export, the page and ``facet``."""

    facet: ContactFacet | Sequence[ContactFacet]


class StatementExportFilters(_Search, total=False):
    """Filters of ``statements.export`` (and ``list``): ordering by said, kind, id, created_at,
    updated_at.

    ``speaker`` is an official's slug, ``country`` the speaker's country, ``contact`` a contact's
    id, ``source`` the id of a source cited or of the document the words first appeared in.
    """

    speaker: str | Sequence[str]
    country: str | Sequence[str]
    kind: StatementKind | Sequence[StatementKind]
    language: str | Sequence[str]
    contact: int | Sequence[int]
    source: int | Sequence[int]
    topic: str | Sequence[str]
    said_after: DateBound
    said_before: DateBound
    review: ReviewFilter | Sequence[ReviewFilter]


class StatementFilters(StatementExportFilters, _ResourcePaging, total=False):
    """Filters of ``statements.list``: those of the export, the page and ``facet``."""

    facet: StatementFacet | Sequence[StatementFacet]


# What a timeline entry is.
TimelineEntryType = Literal["contact", "statement"]


class TimelineFilters(_Paging, total=False):
    """Filters of ``timeline.list``: ``official`` a slug (contacts they took part in,
    statements they made), ``country`` where a contact was held or a participant or speaker is
    from, ``topic`` a slug, ``source`` a cited source's id, ``type`` contacts or statements only;
    dates by overlap."""

    official: str | Sequence[str]
    country: str | Sequence[str]
    topic: str | Sequence[str]
    source: int | Sequence[int]
    date_after: DateBound
    date_before: DateBound
    type: TimelineEntryType | Sequence[TimelineEntryType]


FeedResource = Literal["topics", "sources", "officials", "contacts", "statements"]


class FeedFilters(TypedDict, total=False):
    """Options of the change feed (``feed.page``, ``changes``): changes ``after`` a number, of
    some ``resource``s, made ``since`` or ``until`` a time; ``include="record"`` adds each
    record's export line; ``limit`` changes a page (at most 1000)."""

    after: int
    resource: FeedResource | Sequence[FeedResource]
    since: dt.datetime
    until: dt.datetime
    include: Literal["record"]
    limit: int


class NetworkFilters(TypedDict, total=False):
    """Filters of ``network.get`` and ``network.graphml``: ``country`` the officials' country
    (the edges between those officials), ``kind`` and ``status`` of the contacts counted, dates
    of the contacts by overlap."""

    country: str | Sequence[str]
    kind: ContactKind | Sequence[ContactKind]
    status: ContactStatus | Sequence[ContactStatus]
    date_after: DateBound
    date_before: DateBound


# ---------------------------------------------------------------------------------------------
# Bodies: related records as ids, topics as slugs, nested lists in full (replacing the old list).


class CitationInput(TypedDict):
    """A citation to write: the source's id and its verbatim words."""

    source: int
    excerpt: str
    locator: NotRequired[str]


class PositionInput(TypedDict):
    """A post held, to write with its official."""

    title: str
    citations: Sequence[CitationInput]
    organization: NotRequired[str]
    country: NotRequired[str]
    start: NotRequired[DateValue]
    end: NotRequired[DateValue]
    review_state: NotRequired[ReviewState]


class ParticipantInput(TypedDict, total=False):
    """A participant to write with its contact: an official's id, or a label."""

    official: int | None
    label: str
    country: str
    role: str


class _OfficialFields(TypedDict, total=False):
    aliases: Sequence[str]
    country: str
    positions: Sequence[PositionInput]
    notes: str


class OfficialCreate(_OfficialFields):
    """An official to create, or the whole of one to replace (PUT)."""

    slug: str
    name: str


class OfficialChanges(_OfficialFields, total=False):
    """Fields of an official to change (PATCH)."""

    slug: str
    name: str


class _SourceFields(TypedDict, total=False):
    author: str
    author_affiliation: str
    publisher: str
    published: DateValue
    document_url: str
    language: str
    notes: str
    text: str


class SourceCreate(_SourceFields):
    """A source to create, or the whole of one to replace (PUT)."""

    title: str
    kind: SourceKind


class SourceChanges(_SourceFields, total=False):
    """Fields of a source to change (PATCH)."""

    title: str
    kind: SourceKind


class _ContactFields(TypedDict, total=False):
    status: ContactStatus
    date: DateValue
    end_date: DateValue
    location: str
    country: str
    occasion: str
    duration_minutes: int | None
    participants: Sequence[ParticipantInput]
    summary: str
    topics: Sequence[str]
    review_state: ReviewState


class ContactCreate(_ContactFields):
    """A contact to create, or the whole of one to replace (PUT)."""

    title: str
    kind: ContactKind
    citations: Sequence[CitationInput]


class ContactChanges(_ContactFields, total=False):
    """Fields of a contact to change (PATCH)."""

    title: str
    kind: ContactKind
    citations: Sequence[CitationInput]


class _StatementFields(TypedDict, total=False):
    language: str
    speaker: int | None
    speaker_label: str
    speaker_country: str
    said: DateValue
    contact: int | None
    origin: int | None
    topics: Sequence[str]
    review_state: ReviewState


class StatementCreate(_StatementFields):
    """A statement to create, or the whole of one to replace (PUT)."""

    text: str
    kind: StatementKind
    citations: Sequence[CitationInput]


class StatementChanges(_StatementFields, total=False):
    """Fields of a statement to change (PATCH)."""

    text: str
    kind: StatementKind
    citations: Sequence[CitationInput]
