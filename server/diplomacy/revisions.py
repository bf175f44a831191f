"""What a resource is, as one document: its fields, its nested parts and its topics.

A snapshot is the record in the shape the services take for a write: partial dates as their text
("2024-07"), related records as ids, topics as slugs, nested parts as lists. One is stored with each
revision of a resource (the ``snapshot`` column of its history row), so that any version can be
read back (``as_of``), compared with the one before (the history's changes) and restored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models

from .dates import PartialDate
from .models import Citation, Contact, Official, Participant, Position, Record, Source, Statement

CITATION_FIELDS = ("source", "excerpt", "locator")


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
    ("title", "organization", "country", "start", "end"),
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


def _value(instance: models.Model, name: str) -> Any:
    """A field's value as JSON: partial dates as text, related records as ids."""
    value = getattr(instance, name)
    if isinstance(value, PartialDate):
        return value.isoformat()
    field_object = _concrete_field(instance, name)
    if field_object is not None and field_object.is_relation:
        return getattr(instance, field_object.attname)
    return value


def _concrete_field(instance: models.Model, name: str) -> models.Field[Any, Any] | None:
    try:
        found = instance._meta.get_field(name)
    except Exception:  # a partial date is a property, not a field
        return None
    return found if isinstance(found, models.Field) else None


def _part_snapshot(part: models.Model, spec: PartSpec) -> dict[str, Any]:
    document = {name: _value(part, name) for name in spec.fields}
    if spec.cited:
        document["citations"] = [_citation(c) for c in part.citations.all()]  # type: ignore[attr-defined]
    return document


def _citation(citation: Citation) -> dict[str, Any]:
    return {name: _value(citation, name) for name in CITATION_FIELDS}


def snapshot(record: Record) -> dict[str, Any]:
    """The record and its nested parts as one JSON document (read from the database)."""
    spec = SPECS[type(record)]
    document: dict[str, Any] = {"version": record.version}
    document.update({name: _value(record, name) for name in spec.fields})
    for part_spec in spec.parts:
        parts = getattr(record, part_spec.name).order_by("id")
        document[part_spec.name] = [_part_snapshot(part, part_spec) for part in parts]
    if spec.topics:
        document["topics"] = sorted(record.topics.values_list("slug", flat=True))  # type: ignore[attr-defined]
    if spec.cited:
        citations = record.citations.order_by("id")  # type: ignore[attr-defined]
        document["citations"] = [_citation(citation) for citation in citations]
    return document


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
