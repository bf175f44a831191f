"""What a resource is, as one document: its fields, its nested parts and its topics.

A snapshot is the record in the shape the services take for a write: partial dates as their text
("2024-07"), related records as ids, topics as slugs, nested parts as lists. One is stored with each
revision of a resource (the ``snapshot`` column of its history row), so that any version can be
read back (``as_of``), compared with the one before (the history's changes) and restored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.dateparse import parse_datetime

from .dates import PartialDate
from .models import (
    Citation,
    Contact,
    Official,
    Participant,
    Position,
    Record,
    Source,
    Statement,
    Topic,
)

CITATION_FIELDS = ("source", "excerpt", "locator")
# Who checked a claim against its sources, and when: part of the record, but not of its content.
REVIEW_FIELDS = ("review_state", "reviewed_by", "reviewed_at")


@dataclass(frozen=True)
class PartSpec:
    """A list of nested parts written with its record (replaced whole on every write)."""

    name: str
    model: type[models.Model]
    parent: str
    fields: tuple[str, ...]
    cited: bool = False


@dataclass(frozen=True)
class ResourceSpec:
    fields: tuple[str, ...]
    parts: tuple[PartSpec, ...] = ()
    topics: bool = False
    cited: bool = False
    partial_dates: tuple[str, ...] = ()
    date_ranges: tuple[tuple[str, str], ...] = field(default=())


POSITIONS = PartSpec(
    "positions",
    Position,
    "official",
    ("title", "organization", "country", "start", "end", *REVIEW_FIELDS),
    cited=True,
)
PARTICIPANTS = PartSpec(
    "participants", Participant, "contact", ("official", "label", "country", "role")
)

SPECS: dict[type[Record], ResourceSpec] = {
    Official: ResourceSpec(
        fields=("slug", "name", "aliases", "country", "notes"), parts=(POSITIONS,)
    ),
    Source: ResourceSpec(
        fields=(
            "title",
            "kind",
            "author",
            "author_affiliation",
            "publisher",
            "published",
            "document_url",
            "language",
            "notes",
            "text",
        ),
        partial_dates=("published",),
    ),
    Contact: ResourceSpec(
        fields=(
            "title",
            "kind",
            "status",
            "date",
            "end_date",
            "location",
            "country",
            "occasion",
            "duration_minutes",
            "summary",
            *REVIEW_FIELDS,
        ),
        parts=(PARTICIPANTS,),
        topics=True,
        cited=True,
        partial_dates=("date", "end_date"),
        date_ranges=(("date", "end_date"),),
    ),
    Statement: ResourceSpec(
        fields=(
            "text",
            "kind",
            "language",
            "speaker",
            "speaker_label",
            "speaker_country",
            "said",
            "contact",
            "origin",
            *REVIEW_FIELDS,
        ),
        topics=True,
        cited=True,
        partial_dates=("said",),
    ),
}
PART_DATE_RANGES: dict[type[models.Model], tuple[tuple[str, str], ...]] = {
    Position: (("start", "end"),)
}


def spec_for(model: type[Record]) -> ResourceSpec:
    return SPECS[model]


def json_value(instance: models.Model, name: str) -> Any:
    """A field's value as JSON: partial dates as text, related records as ids (read from the
    row, without fetching the related record)."""
    field_object = _concrete_field(instance, name)
    if field_object is not None and field_object.is_relation:
        return getattr(instance, field_object.attname)
    value = getattr(instance, name)
    if isinstance(value, PartialDate | dt.datetime):
        return value.isoformat()
    return value


# How a snapshot writes ``reviewed_by``: given the user (or None); by default, its id.
Reviewer = Callable[[Any], Any]


def _field_value(instance: models.Model, name: str, reviewer: Reviewer | None) -> Any:
    if name == "reviewed_by" and reviewer is not None:
        return reviewer(getattr(instance, name))
    return json_value(instance, name)


def _concrete_field(instance: models.Model, name: str) -> models.Field[Any, Any] | None:
    try:
        found = instance._meta.get_field(name)
    except Exception:  # a partial date is a property, not a field
        return None
    return found if isinstance(found, models.Field) else None


def part_snapshot(
    part: models.Model, spec: PartSpec, reviewer: Reviewer | None = None
) -> dict[str, Any]:
    document = {name: _field_value(part, name, reviewer) for name in spec.fields}
    if spec.cited:
        document["citations"] = [_citation(c) for c in part.citations.all()]  # type: ignore[attr-defined]
    return document


def _citation(citation: Citation) -> dict[str, Any]:
    return {name: json_value(citation, name) for name in CITATION_FIELDS}


def snapshot(
    record: Record, *, prefetched: bool = False, reviewer: Reviewer | None = None
) -> dict[str, Any]:
    """The record and its nested parts as one JSON document, read from the database; or, with
    ``prefetched``, from the parts, topics and citations prefetched in id order (no query per
    record, for bulk reads)."""
    spec = SPECS[type(record)]

    def related(name: str) -> Any:
        manager = getattr(record, name)
        return manager.all() if prefetched else manager.order_by("id")

    document: dict[str, Any] = {"version": record.version}
    document.update({name: _field_value(record, name, reviewer) for name in spec.fields})
    for part_spec in spec.parts:
        parts = related(part_spec.name)
        document[part_spec.name] = [part_snapshot(part, part_spec, reviewer) for part in parts]
    if spec.topics:
        document["topics"] = sorted(topic.slug for topic in related("topics"))
    if spec.cited:
        document["citations"] = [_citation(citation) for citation in related("citations")]
    return document


def content(document: dict[str, Any]) -> dict[str, Any]:
    """A snapshot without its version and review fields: what a reviewer vouches for."""
    kept = {k: v for k, v in document.items() if k != "version" and k not in REVIEW_FIELDS}
    if "positions" in kept:
        kept["positions"] = [content(item) for item in kept["positions"]]
    return kept


def changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields that differ between two snapshots, with old and new values."""
    if before is None:
        return []
    names = [name for name in after if name != "version"]
    names += [name for name in before if name not in after and name != "version"]
    return [
        {"field": name, "old": before.get(name), "new": after.get(name)}
        for name in names
        if before.get(name) != after.get(name)
    ]


def assign_field(instance: models.Model, name: str, value: Any) -> None:
    """Set a field from a write's value: related records may be given as instances or ids."""
    field_object = _concrete_field(instance, name)
    is_id = value is not None and not isinstance(value, models.Model)
    if isinstance(field_object, models.ForeignKey) and is_id:
        setattr(instance, field_object.attname, value)
    elif isinstance(field_object, models.DateTimeField) and isinstance(value, str):
        setattr(instance, name, parse_datetime(value) or value)
    else:
        setattr(instance, name, value)


def _related_or_none(instance: models.Model, name: str) -> None:
    """Resolve a stored id now; a record deleted since then reads as null rather than failing."""
    field_object = _concrete_field(instance, name)
    if isinstance(field_object, models.ForeignKey):
        related_id = getattr(instance, field_object.attname)
        related_model = field_object.related_model
        assert isinstance(related_model, type)
        found = related_model._default_manager.filter(pk=related_id).first() if related_id else None
        setattr(instance, name, found)


def _materialise_part(
    model: type[models.Model], fields: tuple[str, ...], item: dict[str, Any], index: int
) -> Any:
    part = model()
    # Django reads a relation's prefetched rows only on an instance with a primary key; these
    # instances are never saved, so a negative placeholder that no stored row can have will do.
    part.pk = -(index + 1)
    for name in fields:
        assign_field(part, name, item.get(name))
        _related_or_none(part, name)
    if "citations" in item:
        citations = [
            _materialise_part(Citation, CITATION_FIELDS, c, i)
            for i, c in enumerate(item["citations"])
        ]
        part._prefetched_objects_cache = {"citations": citations}  # type: ignore[attr-defined]
    return part


def materialise(model: type[Record], pk: int, document: dict[str, Any]) -> Record:
    """An unsaved record, nested parts attached, as a snapshot describes it (for reading only)."""
    spec = SPECS[model]
    record = model(version=document["version"])
    record.pk = pk
    for name in spec.fields:
        assign_field(record, name, document.get(name))
        _related_or_none(record, name)
    cache: dict[str, list[Any]] = {}
    for part in spec.parts:
        cache[part.name] = [
            _materialise_part(part.model, part.fields, item, index)
            for index, item in enumerate(document[part.name])
        ]
        # Each part knows its record, as a saved part would (a contact's date, for one).
        owner = next(f.name for f in part.model._meta.fields if f.related_model is model)
        for item in cache[part.name]:
            setattr(item, owner, record)
    if spec.topics:
        topics = {t.slug: t for t in Topic.objects.filter(slug__in=document.get("topics", []))}
        cache["topics"] = [
            topics.get(slug, Topic(slug=slug)) for slug in document.get("topics", [])
        ]
    if spec.cited:
        cache["citations"] = [
            _materialise_part(Citation, CITATION_FIELDS, c, i)
            for i, c in enumerate(document.get("citations", []))
        ]
    record._prefetched_objects_cache = cache  # type: ignore[attr-defined]
    return record


REVISION_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass(frozen=True)
class RevisionEntry:
    version: int
    time: Any
    user: str | None
    type: str
    changes: list[dict[str, Any]]


def revision_entries(
    history_rows: Iterable[Any], *, only_visible_changes: bool = False
) -> list[RevisionEntry]:
    """A record's revisions, oldest first, each with what changed since the last one with
    content (a deletion has none); a revision after a deletion is a restoration. With
    ``only_visible_changes``, a change that shows no difference (one to a part the reader does
    not see) is left out. Reviewers are shown by their username."""
    rows = list(history_rows)
    names = _reviewer_names(row.snapshot for row in rows)
    entries: list[RevisionEntry] = []
    previous: Any = None
    before: dict[str, Any] | None = None
    for row in rows:
        kind = REVISION_TYPES[row.history_type]
        if kind != "deleted" and previous is not None and previous.history_type == "-":
            kind = "restored"
        elif previous is None and kind == "changed":
            # The first revision a reader may see (a draft's, once reviewed) is its creation.
            kind = "created"
        after = _named_reviewers(row.snapshot, names) if row.snapshot else None
        changed = [] if kind == "deleted" or after is None else changes(before, after)
        previous = row
        if after is not None:
            before = after
        if only_visible_changes and kind == "changed" and not changed:
            continue
        entries.append(
            RevisionEntry(
                version=row.version,
                time=row.history_date,
                user=row.history_user.get_username() if row.history_user else None,
                type=kind,
                changes=changed,
            )
        )
    return entries


def _reviewer_ids(document: dict[str, Any]) -> Iterable[Any]:
    yield document.get("reviewed_by")
    for post in document.get("positions", ()):
        yield post.get("reviewed_by")


def _reviewer_names(documents: Iterable[dict[str, Any] | None]) -> dict[int, str]:
    """The usernames of the reviewers these snapshots name by id, in one query."""
    ids = {
        found
        for document in documents
        if document
        for found in _reviewer_ids(document)
        if isinstance(found, int)
    }
    if not ids:
        return {}
    users = get_user_model()._default_manager.filter(pk__in=ids)
    return dict(users.values_list("pk", users.model.USERNAME_FIELD))


def _named_reviewers(document: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    """The snapshot with each reviewer's id replaced by the username (null if since removed)."""

    def named(part: dict[str, Any]) -> dict[str, Any]:
        reviewer = part.get("reviewed_by")
        return (
            part if not isinstance(reviewer, int) else {**part, "reviewed_by": names.get(reviewer)}
        )

    shown = named(document)
    if "positions" in shown:
        shown["positions"] = [named(post) for post in shown["positions"]]
    return shown
