"""Records in and out of the system as files: the export format, and imports planned then applied.

The JSON format is a list of documents, one per record: ``{"type": "statement", "id": 4,
**snapshot}``, where the snapshot is the record in the services' write format
(``revisions.snapshot``: partial dates as text, related records as ids, topics as slugs, nested
parts as lists). The same documents serve a later whole-dataset export. CSV has one row per
record: ``type``, ``id``, ``version`` and the record's fields, nested lists and topics as JSON;
a text cell a spreadsheet would read as a formula is written behind a quote (``csv_cells``).

An import is planned first (which records are new, changed or unchanged, and how each changed
field differs), shown to the curator, then applied through the services in one transaction. A
record whose id is unknown here is new; it keeps its id only if this database had a record of
that id before (it comes back, as a restore would bring it).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from . import services
from .csv_cells import spreadsheet_safe
from .models import Contact, Official, Record, Source, Statement
from .revisions import SPECS, changes, snapshot

TYPES: dict[str, type[Record]] = {
    "official": Official,
    "source": Source,
    "contact": Contact,
    "statement": Statement,
}
# Who reviewed and when are the server's to record: an import states a review state, and a
# change of it is a review by the curator who applies the import.
_STAMPS = ("reviewed_by", "reviewed_at")


def type_name(model: type[Record]) -> str:
    return model.__name__.lower()


def document(record: Record) -> dict[str, Any]:
    """One record in the export format."""
    return {"type": type_name(type(record)), "id": record.pk, **snapshot(record)}


def export_json(records: Iterable[Record]) -> str:
    return json.dumps([document(record) for record in records], ensure_ascii=False, indent=2)


def export_csv(model: type[Record], records: Iterable[Record]) -> str:
    spec = SPECS[model]
    columns = ["type", "id", "version", *spec.fields]
    columns += [part.name for part in spec.parts]
    columns += ["topics"] if spec.topics else []
    columns += ["citations"] if spec.cited else []
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for record in records:
        row = document(record)
        writer.writerow({name: _cell(row.get(name)) for name in columns})
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else spreadsheet_safe(value)


class ImportFileError(ValueError):
    """The file is not in the export format; ``problems`` says where."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass
class PlannedRecord:
    """One document of an import and what applying it would do."""

    model: type[Record]
    pk: int | None
    data: dict[str, Any]
    status: str  # new, changed, unchanged
    version: int | None = None  # the stored version the plan was made against
    differences: list[dict[str, Any]] = field(default_factory=list)

    @property
    def type(self) -> str:
        return type_name(self.model)


@dataclass
class ImportPlan:
    records: list[PlannedRecord]

    def count(self, status: str) -> int:
        return sum(1 for record in self.records if record.status == status)

    @property
    def count_new(self) -> int:
        return self.count("new")

    @property
    def count_changed(self) -> int:
        return self.count("changed")

    @property
    def count_unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def versions(self) -> dict[str, int | None]:
        """The stored version of each record, as the plan saw it."""
        return {f"{r.type}:{r.pk}": r.version for r in self.records if r.pk is not None}


def parse(text: str | bytes) -> list[dict[str, Any]]:
    """The documents of an export file, checked for shape (not yet for the rules)."""
    try:
        documents = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise ImportFileError([f"Not JSON: {error}."]) from None
    if not isinstance(documents, list):
        raise ImportFileError(["Give a list of records, as an export is."])
    problems: list[str] = []
    seen: set[tuple[str, int]] = set()
    for index, item in enumerate(documents, start=1):
        where = f"record {index}"
        if not isinstance(item, dict):
            problems.append(f"{where}: not an object.")
            continue
        model = TYPES.get(item.get("type", ""))
        if model is None:
            problems.append(f"{where}: type must be one of {', '.join(sorted(TYPES))}.")
            continue
        pk = item.get("id")
        if pk is not None and (isinstance(pk, bool) or not isinstance(pk, int) or pk < 1):
            problems.append(f"{where}: id must be a positive whole number or null.")
            continue
        if pk is not None and (item["type"], pk) in seen:
            problems.append(f"{where}: {item['type']} {pk} appears twice.")
        if pk is not None:
            seen.add((item["type"], pk))
        spec = SPECS[model]
        known = {"type", "id", "version", *spec.fields, *(p.name for p in spec.parts)}
        known |= {"topics"} if spec.topics else set()
        known |= {"citations"} if spec.cited else set()
        unknown = sorted(set(item) - known)
        if unknown:
            problems.append(f"{where}: unknown fields {', '.join(unknown)}.")
    if problems:
        raise ImportFileError(problems)
    return documents


def _comparable(document: Mapping[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in document.items() if k not in {"type", "id", "version", *_STAMPS}}
    if "positions" in kept:
        kept["positions"] = [
            {k: v for k, v in item.items() if k not in _STAMPS} for item in kept["positions"]
        ]
    return kept


def _write_data(document: Mapping[str, Any]) -> dict[str, Any]:
    return _comparable(document)


def plan(documents: Sequence[Mapping[str, Any]]) -> ImportPlan:
    """What applying these documents would do, record by record, field by field."""
    planned: list[PlannedRecord] = []
    for item in documents:
        model = TYPES[item["type"]]
        pk = item.get("id")
        data = _write_data(item)
        current = model._default_manager.filter(pk=pk).first() if pk is not None else None
        if current is None:
            planned.append(PlannedRecord(model, pk, data, "new"))
            continue
        stored = _comparable(snapshot(current))
        incoming = {**stored, **data}
        differences = changes(stored, incoming)
        planned.append(
            PlannedRecord(
                model,
                pk,
                data,
                "changed" if differences else "unchanged",
                version=current.version,
                differences=differences,
            )
        )
    return ImportPlan(planned)


def _create(record: PlannedRecord, user: Any) -> Record:
    """A new record keeps its id where this database had a record of that id before (its
    history goes on, as after a restore); otherwise the database gives it one."""
    history = record.model.history.filter(id=record.pk)  # type: ignore[attr-defined]
    last = history.order_by("-history_date", "-history_id").first() if record.pk else None
    if last is None:
        return services.record_create(record.model, record.data, user=user)
    return services.record_create(
        record.model, record.data, user=user, pk=record.pk, version=last.version + 1
    )


class StaleImport(Exception):
    """A record changed between the preview and the apply."""


@transaction.atomic
def apply(import_plan: ImportPlan, *, user: Any, versions: Mapping[str, Any]) -> ImportPlan:
    """Write every new and changed record through the services, all or nothing.

    ``versions`` are the stored versions the curator's preview showed: a record changed since
    makes the whole import stale (``StaleImport``), and nothing is written. A record the rules
    refuse raises ``services.InvalidRecord`` with its ``errors``, under ``record``.
    """
    for record in import_plan.records:
        key = f"{record.type}:{record.pk}"
        if record.pk is not None and key in versions:
            current = record.model._default_manager.filter(pk=record.pk).first()
            now = current.version if current is not None else None
            if now != versions[key]:
                raise StaleImport(
                    f"{record.type} {record.pk} changed since the preview; upload the file again."
                )
    for index, record in enumerate(import_plan.records, start=1):
        try:
            if record.status == "new":
                _create(record, user)
            elif record.status == "changed":
                stored = record.model._default_manager.get(pk=record.pk)
                services.record_update(stored, record.data, user=user)
        except services.InvalidRecord as error:
            label = f"{record.type} {record.pk}" if record.pk else f"new {record.type}"
            raise services.InvalidRecord({f"record {index} ({label})": error.errors}) from None
    return import_plan
