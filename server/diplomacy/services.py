"""Every write of the domain goes through here: the API's writes and the admin alike.

A resource (official, source, contact, statement) is written whole, with its nested parts (posts
held, participants, citations) and topics, in one transaction. Each write is one new ``version``
and one revision in the record's history, with the snapshot of the record as it then stood.

Data for a write maps field names to values: partial dates as ``PartialDate`` or their text,
related records as instances or ids, topics as ``Topic`` instances or slugs, nested parts as lists
of such mappings (each post with its own ``citations``). A key left out is left unchanged; a nested
list given replaces the old one.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, ProtectedError

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
from .revisions import CITATION_FIELDS, PART_DATE_RANGES, SPECS, PartSpec, assign_field, snapshot

RecordT = TypeVar("RecordT", bound=Record)
Part = Position | Participant | Citation
PartT = TypeVar("PartT", Position, Participant, Citation)
Errors = dict[str, Any]
# The versions a writer accepts to change (If-Match); None accepts any.
Expected = int | Collection[int] | None

# Curly, low and angle quote marks, single and double, compared as straight ones.
_QUOTE_MARKS = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"'}
    | {"\u00ab": '"', "\u00bb": '"'}
)


class InvalidRecord(ValidationError):
    """A write the rules refuse; ``errors`` keeps the per-field (and per-item) structure."""

    def __init__(self, errors: Errors) -> None:
        self.errors = errors
        super().__init__({name: [_summary(value)] for name, value in errors.items()})


def _summary(value: Any) -> str:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return " ".join(value)
    return str(value)


class VersionConflict(Exception):
    """The record changed since the version the writer read (a stale ``If-Match``)."""

    def __init__(self, expected: Collection[int], current: int) -> None:
        wanted = " or ".join(str(version) for version in sorted(expected)) or "(none readable)"
        super().__init__(f"Expected version {wanted}, but the record is at version {current}.")
        self.expected = expected
        self.current = current


class RecordInUse(Exception):
    """Deleting the record would orphan the records that still rely on it."""

    def __init__(self, record: Record, dependents: Sequence[Record]) -> None:
        names = ", ".join(f"{type(r).__name__.lower()} {r.pk}" for r in dependents)
        super().__init__(f"{type(record).__name__} {record.pk} is still referenced by {names}.")
        self.record = record
        self.dependents = list(dependents)


class NotRestorable(Exception):
    """The record exists, never existed, or its snapshot no longer fits the data around it."""


def normalise(text: str) -> str:
    """Text compared for verbatim checks: straight quote marks, single spaces."""
    return re.sub(r"\s+", " ", text.translate(_QUOTE_MARKS)).strip()


# -- resources ---------------------------------------------------------------------------------


@transaction.atomic
def record_create(
    model: type[RecordT],
    data: Mapping[str, Any],
    *,
    user: Any = None,
    pk: int | None = None,
    version: int = 1,
) -> RecordT:
    record = model(pk=pk) if pk is not None else model()
    record.version = version
    _assign_fields(record, data)
    _write(record, data)
    _commit(record, user=user, created=True)
    return record


@transaction.atomic
def record_update(
    record: RecordT,
    data: Mapping[str, Any],
    *,
    expected_version: Expected = None,
    user: Any = None,
) -> RecordT:
    """Apply ``data`` to the record; with ``expected_version``, only if nobody changed it since.

    A write that leaves the record as it was is no new version: it is rolled back, and the record
    keeps its version and history.
    """
    _claim_next_version(record, expected_version)
    record.refresh_from_db()
    before = snapshot(record)
    _assign_fields(record, data)
    _write(record, data)
    if _same_record(before, snapshot(record)):
        transaction.set_rollback(True)
        record.version = before["version"] - 1
        return record
    _commit(record, user=user, created=False)
    return record


def _same_record(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    return {**before, "version": None} == {**after, "version": None}


@transaction.atomic
def record_delete(record: Record, *, expected_version: Expected = None, user: Any = None) -> None:
    """Delete a resource, keeping its last state in its history; refused while others use it."""
    _claim_next_version(record, expected_version)
    record.refresh_from_db()
    record._revision_snapshot = snapshot(record)  # type: ignore[attr-defined]
    record._history_user = user  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            record.delete()
    except ProtectedError as error:
        raise RecordInUse(record, _owners(error.protected_objects)) from None


@transaction.atomic
def record_restore(model: type[RecordT], pk: int, *, user: Any = None) -> RecordT:
    """Bring a deleted resource back, as it was before its deletion, as a new version."""
    if model._default_manager.filter(pk=pk).exists():
        raise NotRestorable(f"{model.__name__} {pk} exists; only a deleted record is restored.")
    last = model.history.filter(id=pk).order_by("-history_date", "-history_id").first()  # type: ignore[attr-defined]
    if last is None or last.snapshot is None:
        raise NotRestorable(f"{model.__name__} {pk} has no history to restore from.")
    document = dict(last.snapshot)
    version = int(document.pop("version")) + 1
    try:
        return record_create(model, document, user=user, pk=pk, version=version)
    except ValidationError as error:
        raise NotRestorable(
            f"{model.__name__} {pk} cannot be restored as it was: {_flatten(error)}"
        ) from None


# -- the admin's path: the form saves the record, the inlines its parts, then one commit -------


@transaction.atomic
def record_stage(record: Record) -> None:
    """Validate and save a record's own fields, leaving the version to ``record_commit``.

    The claim rules that involve citations (at least one; a quote found in an excerpt) are the
    admin form's to check, since its inline citations are saved after this.
    """
    _write(record, {}, check_claims=False)


@transaction.atomic
def record_commit(record: Record, *, user: Any = None, created: bool, changed: bool) -> None:
    """Close an edit made piecewise: one new version and one revision, if anything changed."""
    if created:
        _commit(record, user=user, created=True)
    elif changed:
        _claim_next_version(record, None)
        _commit(record, user=user, created=False)


def record_first_revision(record: Record) -> None:
    """The `created` revision of a record written without the services (by loaddata)."""
    record._revision_type = "+"  # type: ignore[attr-defined]
    record._history_date = record.created_at  # type: ignore[attr-defined]
    record.save(update_fields=["version"])  # leaves its timestamps as they were


@transaction.atomic
def record_touch(record: Record, *, user: Any = None) -> None:
    """Count a change made to the record's nested parts alone as a new version of the record."""
    _claim_next_version(record, None)
    record._history_user = user  # type: ignore[attr-defined]
    record.save(update_fields=["version", "updated_at"])


def part_owner(part: Part) -> Record:
    """The resource a nested part belongs to, whose version its changes bump."""
    if isinstance(part, Position):
        return part.official
    if isinstance(part, Participant):
        return part.contact
    if part.position is not None:
        return part.position.official
    owner: Contact | Statement | None = part.contact or part.statement
    assert owner is not None, "a citation always cites one record (database check)"
    return owner


@transaction.atomic
def parts_changed(part: Part, *, previous_owner: Record | None = None, user: Any = None) -> None:
    """A nested part changed on its own: a new version of its record (and of the one it left)."""
    owner = part_owner(part)
    record_touch(owner, user=user)
    if previous_owner is not None and previous_owner != owner:
        record_touch(previous_owner, user=user)


@transaction.atomic
def part_save(part: PartT) -> PartT:
    part.full_clean()
    part.save()
    return part


@transaction.atomic
def part_delete(part: Part) -> None:
    part.delete()


# -- internals ---------------------------------------------------------------------------------


def _claim_next_version(record: Record, expected_version: Expected) -> None:
    """Move the stored version on by one, atomically, and only from an expected version."""
    rows = type(record)._default_manager.filter(pk=record.pk)
    expected = _as_versions(expected_version)
    if expected is not None:
        rows = rows.filter(version__in=expected)
    versions = type(record)._default_manager.values_list("version", flat=True)
    if not rows.update(version=F("version") + 1):
        # A record deleted meanwhile raises DoesNotExist here, answered as any missing record.
        raise VersionConflict(expected or (), versions.get(pk=record.pk))
    record.version = versions.get(pk=record.pk)


def _as_versions(expected: Expected) -> frozenset[int] | None:
    if expected is None:
        return None
    return frozenset({expected} if isinstance(expected, int) else expected)


def _commit(record: Record, *, user: Any, created: bool) -> None:
    record._history_user = user  # type: ignore[attr-defined]
    if created:
        record._revision_type = "+"  # type: ignore[attr-defined]
    record.save()


def _assign_fields(record: Record, data: Mapping[str, Any]) -> None:
    for name in SPECS[type(record)].fields:
        if name in data:
            assign_field(record, name, data[name])


def _speaker_country_errors(record: Record, data: Mapping[str, Any]) -> Errors:
    """A statement by an official is filed under the official's country; another is refused."""
    if not isinstance(record, Statement) or "speaker_country" not in data or not record.speaker_id:
        return {}
    speaker = Official.objects.filter(pk=record.speaker_id).only("country").first()
    if speaker is None or data["speaker_country"] in ("", speaker.country):
        return {}
    return {
        "speaker_country": [
            f"A statement by an official is filed under the official's country ({speaker.country})."
        ]
    }


def _fill_derived_fields(record: Record) -> None:
    # An official's statements are filed under the official's country; a labelled speaker's
    # country is given with the label.
    if isinstance(record, Statement) and record.speaker_id:
        speaker = Official.objects.filter(pk=record.speaker_id).only("country").first()
        if speaker is not None:
            record.speaker_country = speaker.country


def _date_range_errors(instance: models.Model, ranges: Iterable[tuple[str, str]]) -> Errors:
    errors: Errors = {}
    for start_name, end_name in ranges:
        start, end = getattr(instance, start_name), getattr(instance, end_name)
        if start is not None and end is not None and end.latest < start.earliest:
            errors[end_name] = [f"{end_name} ({end}) cannot be before {start_name} ({start})."]
    return errors


def _clean(instance: models.Model, ranges: Iterable[tuple[str, str]] = ()) -> Errors:
    """Field and database-constraint validation, with date-order errors on the end field."""
    errors = _date_range_errors(instance, ranges)
    # Leaving the reported end's columns out skips the database check that says the same thing.
    reported = [f"{name}_{part}" for name in errors for part in ("earliest", "latest", "precision")]
    try:
        instance.full_clean(exclude=reported)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    return errors


def _write(record: Record, data: Mapping[str, Any], *, check_claims: bool = True) -> None:
    spec = SPECS[type(record)]
    errors = _speaker_country_errors(record, data)
    _fill_derived_fields(record)
    errors.update(_clean(record, spec.date_ranges))
    if errors:
        raise InvalidRecord(errors)
    record.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        _save_checking_uniqueness(record)
        for part_spec in spec.parts:
            if part_spec.name in data:
                _collect(
                    errors, part_spec.name, _replace_parts(record, part_spec, data[part_spec.name])
                )
        if spec.topics and "topics" in data:
            _collect(errors, "topics", _set_topics(record, data["topics"]))
        if spec.cited and "citations" in data:
            _collect(errors, "citations", _replace_citations(record, data["citations"]))
        if check_claims and not errors:
            errors.update(_claim_errors(record))
        if isinstance(record, Source) and not errors:
            errors.update(_source_text_errors(record))
    finally:
        del record.skip_history_when_saving  # type: ignore[attr-defined]
    if errors:
        raise InvalidRecord(errors)


def _collect(errors: Errors, name: str, found: Any) -> None:
    if found:
        errors[name] = found


def _save_checking_uniqueness(record: Record) -> None:
    """Save; a unique slug taken by a concurrent writer is a field error, not a 500."""
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        slug = getattr(record, "slug", None)
        others = type(record)._default_manager.exclude(pk=record.pk)
        if slug and others.filter(slug=slug).exists():  # type: ignore[misc]
            raise InvalidRecord({"slug": [f'The slug "{slug}" is already used.']}) from None
        raise


def _replace_parts(
    record: Record, spec: PartSpec, items: Sequence[Mapping[str, Any]]
) -> list[Errors]:
    getattr(record, spec.name).all().delete()
    results: list[Errors] = []
    for item in items:
        part = spec.model(**{spec.parent: record})
        for name in spec.fields:
            if name in item:
                assign_field(part, name, item[name])
        item_errors = _clean(part, PART_DATE_RANGES.get(spec.model, ()))
        if not item_errors:
            part.save()
            if spec.cited:
                citation_errors = _replace_citations(part, item.get("citations", []))
                if citation_errors:
                    item_errors["citations"] = citation_errors
                elif not item.get("citations"):
                    item_errors["citations"] = ["Cite at least one source."]
        results.append(item_errors)
    return results if any(results) else []


def _replace_citations(owner: models.Model, items: Sequence[Mapping[str, Any]]) -> list[Errors]:
    owner.citations.all().delete()  # type: ignore[attr-defined]
    results: list[Errors] = []
    for item in items:
        citation = Citation(**{type(owner).__name__.lower(): owner})
        for name in CITATION_FIELDS:
            if name in item:
                assign_field(citation, name, item[name])
        item_errors = _clean(citation)
        if not item_errors:
            source_text = citation.source.text
            if source_text and normalise(citation.excerpt) not in normalise(source_text):
                item_errors["excerpt"] = [
                    f"This excerpt is not in the text of source {citation.source_id} "
                    "(compared with whitespace and quote marks normalised)."
                ]
            else:
                citation.save()
        results.append(item_errors)
    return results if any(results) else []


def _set_topics(record: Record, values: Iterable[Topic | str]) -> list[str]:
    wanted = list(values)
    slugs = [value for value in wanted if isinstance(value, str)]
    found = {topic.slug: topic for topic in Topic.objects.filter(slug__in=slugs)}
    unknown = sorted(set(slugs) - set(found))
    if unknown:
        return [f"Unknown topic: {slug}." for slug in unknown]
    record.topics.set([found[v] if isinstance(v, str) else v for v in wanted])  # type: ignore[attr-defined]
    return []


def _claim_errors(record: Record) -> Errors:
    """Every claim cites a source; a quote is found, word for word, in one of its excerpts."""
    spec = SPECS[type(record)]
    if not spec.cited:
        return {}
    excerpts = list(record.citations.values_list("excerpt", flat=True))  # type: ignore[attr-defined]
    if not excerpts:
        return {"citations": ["Cite at least one source, with the excerpt that supports this."]}
    if isinstance(record, Statement) and record.kind == "quote":
        text = normalise(record.text)
        if not any(text in normalise(excerpt) for excerpt in excerpts):
            return {
                "text": ["A quote must appear word for word in one of its citations' excerpts."]
            }
    return {}


def _source_text_errors(source: Source) -> Errors:
    if not source.text:
        return {}
    text = normalise(source.text)
    missing = [c for c in source.citations.all() if normalise(c.excerpt) not in text]
    if not missing:
        return {}
    listed = "; ".join(f"citation {c.pk} (“{c.excerpt[:40]}…”)" for c in missing[:5])
    return {"text": [f"{len(missing)} excerpts citing this source are not in this text: {listed}."]}


def _owners(objects: Iterable[models.Model]) -> list[Record]:
    owners: dict[tuple[type[Record], int], Record] = {}
    for item in objects:
        owner = part_owner(item) if isinstance(item, Position | Participant | Citation) else item
        if isinstance(owner, Record):
            owners[(type(owner), owner.pk)] = owner
    return sorted(owners.values(), key=lambda record: (type(record).__name__, record.pk))


def _flatten(error: ValidationError) -> str:
    return "; ".join(f"{name}: {messages}" for name, messages in error.message_dict.items())
