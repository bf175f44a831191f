"""The API's shapes as frozen dataclasses, parsed from JSON by their annotations.

Parsing ignores keys a model does not know, so that a newer server adding fields does not break
an older client; a field the schema does not require has a default, so that one left out does not
either. Partial dates become :class:`PartialDate`, timestamps timezone-aware ``datetime``.
Related records appear in their brief shapes (:class:`OfficialBrief`, :class:`SourceBrief`,
:class:`ContactBrief`); lists are tuples.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import types
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, Self, TypeVar, cast

from .dates import PartialDate, Precision
from .errors import UnexpectedResponse
from .facets import Facet, FacetValue, parse_facets
from .pagination import Page
from .params import (
    CitationInput,
    ContactCreate,
    ContactKind,
    ContactStatus,
    OfficialCreate,
    ParticipantInput,
    PositionInput,
    SourceCreate,
    SourceKind,
    StatementCreate,
    StatementKind,
)

__all__ = [
    "Change",
    "Citation",
    "Contact",
    "ContactBrief",
    "Facet",
    "FacetValue",
    "Model",
    "Network",
    "NetworkEdge",
    "NetworkNode",
    "Official",
    "OfficialBrief",
    "Page",
    "PartialDate",
    "Participant",
    "Position",
    "PostHeld",
    "Precision",
    "Record",
    "Revision",
    "Source",
    "SourceBrief",
    "Statement",
    "TimelineEntry",
    "snippet_text",
]

ModelT = TypeVar("ModelT", bound="Model")


class Model:
    """Base of every shape: parsing from and conversion to JSON-ready dicts."""

    __slots__ = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Parse one object from its JSON; unknown keys are ignored."""
        return cast(Self, _parse_dataclass(cls, data, cls.__name__))

    def to_dict(self) -> dict[str, Any]:
        """The object as JSON-ready data, in the API's own shapes (dates as text)."""
        return cast(dict[str, Any], _dump(self))


def _snippet() -> Any:
    # Present on a list's records when it was searched (``q``); left out of ``to_dict`` otherwise.
    return dataclasses.field(default=None, metadata={"omit_none": True})


def snippet_text(snippet: str, start: str = "[", end: str = "]") -> str:
    """A snippet as plain text: the HTML entities decoded, each ``<mark>…</mark>`` as
    ``start…end``.

    >>> snippet_text("maintain close <mark>communications</mark> &amp; trust")
    'maintain close [communications] & trust'
    """
    marked = snippet.replace("<mark>", "\x00").replace("</mark>", "\x01")
    return html.unescape(marked).replace("\x00", start).replace("\x01", end)


# ---------------------------------------------------------------------------------------------
# Nested and brief shapes


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class OfficialBrief(Model):
    """An official as shown inside another record."""

    id: int
    url: str
    slug: str
    name: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SourceBrief(Model):
    """A source as shown inside another record."""

    id: int
    url: str
    title: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ContactBrief(Model):
    """A contact as shown inside another record."""

    id: int
    url: str
    title: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Citation(Model):
    """A source's verbatim words supporting a claim, and where in the source they are."""

    source: SourceBrief
    excerpt: str
    locator: str = ""

    def as_input(self) -> CitationInput:
        return {"source": self.source.id, "excerpt": self.excerpt, "locator": self.locator}


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Position(Model):
    """A post an official held."""

    title: str
    organization: str = ""
    country: str = ""
    start: PartialDate | None = None
    end: PartialDate | None = None
    citations: tuple[Citation, ...] = ()
    review_state: str = "draft"  # draft, reviewed, disputed
    reviewed_by: str | None = None
    reviewed_at: dt.datetime | None = None

    def as_input(self) -> PositionInput:
        """This post as a body item; its review state is left out, so that the server keeps it
        for an unchanged post and puts a changed one back to draft."""
        return {
            "title": self.title,
            "organization": self.organization,
            "country": self.country,
            "start": _text_or_none(self.start),
            "end": _text_or_none(self.end),
            "citations": [citation.as_input() for citation in self.citations],
        }


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class PostHeld(Model):
    """The post a participant held on the contact's date, as the official's record gives it."""

    title: str
    organization: str = ""
    country: str = ""
    start: PartialDate | None = None
    end: PartialDate | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Participant(Model):
    """Who took part in a contact: an official on record, or a label where none is named.

    ``position`` is the post the official held on the contact's date (read only: worked out by
    the server from the official's reviewed posts; None when unknown or for a label).
    """

    official: OfficialBrief | None = None
    label: str = ""
    country: str = ""
    role: str = ""
    position: PostHeld | None = None

    @property
    def name(self) -> str:
        """The official's name, else the label."""
        return self.official.name if self.official is not None else self.label

    def as_input(self) -> ParticipantInput:
        """This participant as a body item; ``position`` is left out (the server works it out,
        and refuses a body that names it)."""
        return {
            "official": self.official.id if self.official is not None else None,
            "label": self.label,
            "country": self.country,
            "role": self.role,
        }


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Change(Model):
    """One field changed by a revision, with its value before and after (nested lists whole)."""

    field: str
    old: Any = None
    new: Any = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Revision(Model):
    """One entry of a record's history."""

    version: int
    time: dt.datetime
    user: str | None
    type: str  # created, changed, deleted, restored
    changes: tuple[Change, ...] = ()


# ---------------------------------------------------------------------------------------------
# Resources


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Record(Model):
    """What every resource has: a stable id, its address, a version and timestamps.

    A record of a searched list (``q``) also has a ``snippet``: the passage that matched, its
    text HTML-escaped with ``<mark>…</mark>`` around the words found (:func:`snippet_text`
    makes it plain text); None elsewhere.
    """

    resource: ClassVar[str] = ""

    id: int
    url: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    # The ETag of the response the record was read from (a digest of that representation), which
    # ``refresh`` sends back; not part of the record's JSON.
    etag: str | None = dataclasses.field(
        default=None, compare=False, repr=False, metadata={"client_only": True}
    )


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Official(Record):
    """A person, with the posts they held."""

    resource: ClassVar[str] = "officials"

    slug: str
    name: str
    aliases: tuple[str, ...] = ()
    country: str = ""
    positions: tuple[Position, ...] = ()
    notes: str = ""
    snippet: str | None = _snippet()

    def as_input(self) -> OfficialCreate:
        """This record as a body for ``create``/``replace``: related records as ids."""
        return {
            "slug": self.slug,
            "name": self.name,
            "aliases": list(self.aliases),
            "country": self.country,
            "positions": [position.as_input() for position in self.positions],
            "notes": self.notes,
        }


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Source(Record):
    """A document: the analysis the data comes from, or one it cites."""

    resource: ClassVar[str] = "sources"

    title: str
    kind: str  # analysis, news, column, interview, official release, speech, other
    author: str = ""
    author_affiliation: str = ""
    publisher: str = ""
    published: PartialDate | None = None
    document_url: str = ""
    language: str = ""
    notes: str = ""
    text: str = ""
    snippet: str | None = _snippet()

    def as_input(self) -> SourceCreate:
        """This record as a body for ``create``/``replace``."""
        return {
            "title": self.title,
            "kind": cast(SourceKind, self.kind),
            "author": self.author,
            "author_affiliation": self.author_affiliation,
            "publisher": self.publisher,
            "published": _text_or_none(self.published),
            "document_url": self.document_url,
            "language": self.language,
            "notes": self.notes,
            "text": self.text,
        }


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Contact(Record):
    """A meeting, talks, a call, a visit, a dialogue or an exchange, with its participants."""

    resource: ClassVar[str] = "contacts"

    title: str
    kind: str  # summit, meeting, talks, call, visit, dialogue, exchange
    status: str = "held"  # held, planned, cancelled
    date: PartialDate | None = None
    end_date: PartialDate | None = None
    location: str = ""
    country: str = ""
    occasion: str = ""
    duration_minutes: int | None = None
    participants: tuple[Participant, ...] = ()
    summary: str = ""
    topics: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = ()
    review_state: str = "draft"  # draft, reviewed, disputed
    reviewed_by: str | None = None
    reviewed_at: dt.datetime | None = None
    snippet: str | None = _snippet()

    def as_input(self) -> ContactCreate:
        """This record as a body for ``create``/``replace``: related records as ids. The review
        state is left out (a change of it is a review: ``update(..., review_state=...)``)."""
        return {
            "title": self.title,
            "kind": cast(ContactKind, self.kind),
            "status": cast(ContactStatus, self.status),
            "date": _text_or_none(self.date),
            "end_date": _text_or_none(self.end_date),
            "location": self.location,
            "country": self.country,
            "occasion": self.occasion,
            "duration_minutes": self.duration_minutes,
            "participants": [participant.as_input() for participant in self.participants],
            "summary": self.summary,
            "topics": list(self.topics),
            "citations": [citation.as_input() for citation in self.citations],
        }


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Statement(Record):
    """What was said: a quote (the source's exact words) or a paraphrase."""

    resource: ClassVar[str] = "statements"

    text: str
    kind: str  # quote, paraphrase
    language: str = ""
    speaker: OfficialBrief | None = None
    speaker_label: str = ""
    speaker_country: str = ""
    said: PartialDate | None = None
    contact: ContactBrief | None = None
    origin: SourceBrief | None = None
    topics: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = ()
    review_state: str = "draft"  # draft, reviewed, disputed
    reviewed_by: str | None = None
    reviewed_at: dt.datetime | None = None
    snippet: str | None = _snippet()

    @property
    def speaker_name(self) -> str:
        """The speaking official's name, else the speaker label."""
        return self.speaker.name if self.speaker is not None else self.speaker_label

    def as_input(self) -> StatementCreate:
        """This record as a body for ``create``/``replace``: related records as ids. The review
        state is left out (a change of it is a review: ``update(..., review_state=...)``)."""
        return {
            "text": self.text,
            "kind": cast(StatementKind, self.kind),
            "language": self.language,
            "speaker": self.speaker.id if self.speaker is not None else None,
            "speaker_label": self.speaker_label,
            "speaker_country": self.speaker_country,
            "said": _text_or_none(self.said),
            "contact": self.contact.id if self.contact is not None else None,
            "origin": self.origin.id if self.origin is not None else None,
            "topics": list(self.topics),
            "citations": [citation.as_input() for citation in self.citations],
        }


def _text_or_none(value: PartialDate | None) -> str | None:
    return None if value is None else value.text


# ---------------------------------------------------------------------------------------------
# Views across resources


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TimelineEntry(Model):
    """One entry of the timeline: a contact or a statement, with the date it sorts by."""

    type: str  # contact, statement
    date: PartialDate | None
    contact: Contact | None = None
    statement: Statement | None = None

    @property
    def record(self) -> Contact | Statement:
        """The contact or the statement."""
        record = self.contact if self.type == "contact" else self.statement
        if record is None:
            raise UnexpectedResponse(f"A {self.type} entry of the timeline without its record")
        return record

    @property
    def headline(self) -> str:
        """One line: a contact's title, or who said what."""
        record = self.record
        if isinstance(record, Contact):
            return record.title
        who = record.speaker_name
        return f"{who}: {record.text}" if who else record.text


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class NetworkNode(Model):
    """An official in the network, with the number of contacts kept that they took part in."""

    id: int
    url: str
    slug: str
    name: str
    country: str
    contacts: int


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class NetworkEdge(Model):
    """Two officials (by id, ``source`` the lower) and the contacts both took part in."""

    source: int
    target: int
    weight: int
    contacts: tuple[int, ...]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Network(Model):
    """Officials as nodes, linked by the contacts they shared (undirected, weighted edges)."""

    nodes: tuple[NetworkNode, ...]
    edges: tuple[NetworkEdge, ...]

    def node(self, id: int) -> NetworkNode:
        """The node of the official with this id (KeyError if not in the network)."""
        for node in self.nodes:
            if node.id == id:
                return node
        raise KeyError(id)

    def neighbours(self, id: int) -> list[tuple[NetworkNode, NetworkEdge]]:
        """The officials linked to this one, each with the edge between them, heaviest first."""
        linked = [
            (self.node(edge.target if edge.source == id else edge.source), edge)
            for edge in self.edges
            if id in (edge.source, edge.target)
        ]
        return sorted(linked, key=lambda pair: (-pair[1].weight, pair[0].id))


# ---------------------------------------------------------------------------------------------
# Parsing by annotation

_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = typing.get_type_hints(cls)
        _HINTS[cls] = hints
    return hints


def _parse_dataclass(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, Mapping):
        raise UnexpectedResponse(f"{where}: expected an object, got {type(data).__name__}")
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        if field.metadata.get("client_only"):
            continue
        if field.name in data:
            values[field.name] = _parse(
                hints[field.name], data[field.name], f"{where}.{field.name}"
            )
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise UnexpectedResponse(f"{where}: the response has no {field.name!r}")
    return cls(**values)


def _parse(annotation: Any, value: Any, where: str) -> Any:
    if annotation is Any:
        return value
    origin = typing.get_origin(annotation)
    if origin in (types.UnionType, typing.Union):
        arguments = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if value is None:
            return None
        if len(arguments) != 1:  # pragma: no cover - the models only use X | None
            raise TypeError(f"{where}: cannot parse into {annotation}")
        return _parse(arguments[0], value, where)
    if value is None:
        raise UnexpectedResponse(f"{where}: null where a value is expected")
    if origin is tuple:
        if not isinstance(value, list):
            raise UnexpectedResponse(f"{where}: expected a list, got {type(value).__name__}")
        item = typing.get_args(annotation)[0]
        return tuple(_parse(item, element, f"{where}[{i}]") for i, element in enumerate(value))
    if annotation is PartialDate:
        try:
            return PartialDate.parse(value)
        except (TypeError, ValueError) as error:
            raise UnexpectedResponse(f"{where}: {error}") from None
    if annotation is dt.datetime:
        try:
            moment = dt.datetime.fromisoformat(value)
        except (TypeError, ValueError) as error:
            raise UnexpectedResponse(f"{where}: {error}") from None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return _parse_dataclass(annotation, value, where)
    if origin is dict:
        if not isinstance(value, dict):
            raise UnexpectedResponse(f"{where}: expected an object, got {type(value).__name__}")
        item = typing.get_args(annotation)[1]
        return {str(key): _parse(item, element, f"{where}.{key}") for key, element in value.items()}
    if annotation is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise UnexpectedResponse(f"{where}: expected an integer, got {value!r}")
        return value
    if annotation is bool:
        if not isinstance(value, bool):
            raise UnexpectedResponse(f"{where}: expected true or false, got {value!r}")
        return value
    if annotation is str:
        if not isinstance(value, str):
            raise UnexpectedResponse(f"{where}: expected a string, got {value!r}")
        return value
    raise TypeError(f"{where}: no parser for {annotation!r}")  # pragma: no cover


def _dump(value: Any) -> Any:
    if isinstance(value, PartialDate):
        return value.text
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Model):
        return {
            field.name: _dump(getattr(value, field.name))
            for field in dataclasses.fields(cast(Any, value))
            if not field.metadata.get("client_only")
            and not (field.metadata.get("omit_none") and getattr(value, field.name) is None)
        }
    if isinstance(value, tuple | list):
        return [_dump(item) for item in value]
    if isinstance(value, dict):
        return {key: _dump(item) for key, item in value.items()}
    return value


def parse_page(model: type[ModelT], data: Any) -> Page[ModelT]:
    """A list response (``count``, ``next``, ``previous``, ``results``) as a typed page."""
    if not isinstance(data, Mapping) or not isinstance(data.get("results"), list):
        raise UnexpectedResponse("Expected a page with count, next, previous and results")
    results = tuple(
        model.from_dict(item) if isinstance(item, Mapping) else _not_an_object(item)
        for item in data["results"]
    )
    count = data.get("count")
    next_url = data.get("next")
    previous_url = data.get("previous")
    return Page(
        count=count if isinstance(count, int) else len(results),
        next=next_url if isinstance(next_url, str) and next_url else None,
        previous=previous_url if isinstance(previous_url, str) and previous_url else None,
        results=results,
        facets=parse_facets(data.get("facets")),
    )


def _not_an_object(item: Any) -> Any:
    raise UnexpectedResponse(f"Expected an object in results, got {type(item).__name__}")
