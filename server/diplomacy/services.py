"""Every write of the domain goes through here: the API's writes and the admin alike.

A resource (official, source, contact, statement) is written whole, with its nested parts (posts
held, participants, citations) and topics, in one transaction. Each write is one new ``version``
and one revision in the record's history, with the snapshot of the record as it then stood.

Data for a write maps field names to values: partial dates as ``PartialDate`` or their text,
related records as instances or ids, topics as ``Topic`` instances or slugs, nested parts as lists
of such mappings (each post with its own ``citations``). A key left out is left unchanged; a nested
list given replaces the old one.

Review: statements, contacts and posts held carry a review state (``draft``, ``reviewed``,
``disputed``), who set it and when. A write whose ``review_state`` differs from the stored one is a
review, stamped with the acting user and the time; data that gives ``reviewed_by`` or
``reviewed_at`` too (a restore, a revert, an import) is taken as it is. Any other write that
changes a claim's content puts it back to draft. A post held keeps its review through a write of
its official as long as the same post (same fields, same citations) is in the new list.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, ProtectedError
from django.utils import timezone

from . import search
from .models import (
    Citation,
    Contact,
    Official,
    Participant,
    Position,
    Record,
    Reviewed,
    ReviewState,
    Source,
    Statement,
    Topic,
)
from .revisions import (
    CITATION_FIELDS,
    PART_DATE_RANGES,
    REVIEW_FIELDS,
    SPECS,
    PartSpec,
    assign_field,
    content,
    json_value,
    part_snapshot,
    snapshot,
)

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
    _write(record, data, user=user)
    if isinstance(record, Reviewed):
        _apply_review(record, data, _UNREVIEWED, content_changed=False, user=user)
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
    _write(record, data, user=user)
    after = snapshot(record)
    if isinstance(record, Reviewed):
        changed = content(before) != content(after)
        _apply_review(record, data, _stored_review(before), content_changed=changed, user=user)
        after.update({name: json_value(record, name) for name in REVIEW_FIELDS})
    if _same_record(before, after):
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
        if isinstance(record, Reviewed):
            _set_review(record, _UNREVIEWED)
        _commit(record, user=user, created=False)


def record_first_revision(record: Record) -> None:
    """The `created` revision of a record written without the services (by loaddata)."""
    record._revision_type = "+"  # type: ignore[attr-defined]
    record._history_date = record.created_at  # type: ignore[attr-defined]
    record.search_document = search.document_of(record)
    # Leaves its timestamps as they were.
    record.save(update_fields=["version", "search_document"])


@transaction.atomic
def record_touch(record: Record, *, user: Any = None) -> None:
    """Count a change made to the record's nested parts alone as a new version of the record."""
    _claim_next_version(record, None)
    record._history_user = user  # type: ignore[attr-defined]
    record.search_document = search.document_of(record)
    record.save(update_fields=["version", "updated_at", "search_document"])


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


def part_claim(part: Part) -> Reviewed | None:
    """The reviewed claim a nested part is content of: a post held, a contact, a statement."""
    if isinstance(part, Position):
        return part
    if isinstance(part, Participant):
        return part.contact
    return part.position or part.contact or part.statement


@transaction.atomic
def parts_changed(
    part: Part,
    *,
    previous_owner: Record | None = None,
    previous_claim: Reviewed | None = None,
    user: Any = None,
) -> None:
    """A nested part changed on its own: a new version of its record (and of the one it left).

    The claims it belongs to (and belonged to) changed content, so they go back to draft.
    """
    for claim in {part_claim(part), previous_claim} - {None}:
        assert claim is not None
        _back_to_draft(claim)
    owner = part_owner(part)
    record_touch(owner, user=user)
    if previous_owner is not None and previous_owner != owner:
        record_touch(previous_owner, user=user)


@transaction.atomic
def part_save(part: PartT, *, changed: bool = False) -> PartT:
    """Save a nested part as it is; a post held whose content ``changed`` goes back to draft."""
    if changed and isinstance(part, Reviewed):
        _set_review(part, _UNREVIEWED)
    part.full_clean()
    part.save()
    return part


@transaction.atomic
def part_removed(part: Part, *, user: Any = None) -> None:
    """Delete a nested part on its own: its claim changed (back to draft), its record has a new
    version."""
    owner = part_owner(part)
    claim = part_claim(part)
    part.delete()
    if (
        claim is not None
        and claim != part
        and type(claim)._default_manager.filter(pk=claim.pk).exists()
    ):
        _back_to_draft(claim)
    record_touch(owner, user=user)


def _back_to_draft(claim: Reviewed) -> None:
    """A claim whose content changed outside a whole-record write waits for a new review."""
    claim.refresh_from_db()
    _set_review(claim, _UNREVIEWED)
    claim.save(update_fields=list(REVIEW_FIELDS))


@transaction.atomic
def record_review(claim: Reviewed, state: str, *, user: Any = None) -> bool:
    """Mark a claim reviewed, disputed or draft: a new version of its record, with its revision
    and the acting user. False when it was in that state already (nothing is written)."""
    if state not in ReviewState.values:
        raise InvalidRecord({"review_state": [f"Choose one of: {', '.join(ReviewState.values)}."]})
    if claim.review_state == state:
        return False
    if isinstance(claim, Record):
        record_update(claim, {"review_state": state}, user=user)
        return True
    assert isinstance(claim, Position)
    _set_review(claim, _stamp(state, user))
    claim.save(update_fields=list(REVIEW_FIELDS))
    record_touch(claim.official, user=user)
    return True


@transaction.atomic
def record_revert(record: RecordT, history_id: int, *, user: Any = None) -> RecordT:
    """Write an earlier version back, nested parts and review included, as one new version."""
    row = type(record).history.filter(id=record.pk, history_id=history_id).first()  # type: ignore[attr-defined]
    if row is None or row.snapshot is None:
        raise NotRestorable(f"{type(record).__name__} {record.pk} has no such version.")
    document = {name: value for name, value in row.snapshot.items() if name != "version"}
    try:
        return record_update(record, document, user=user)
    except ValidationError as error:
        raise NotRestorable(
            f"Version {row.snapshot['version']} cannot be written back as it was: {_flatten(error)}"
        ) from None


def record_check(model: type[Record], pk: int | None, data: Mapping[str, Any]) -> None:
    """Raise ``InvalidRecord`` if writing ``data`` (to record ``pk``, or a new record) would be
    refused; write nothing. The admin checks a whole submission with this before saving it."""
    try:
        with transaction.atomic():
            if pk is None:
                record_create(model, data)
            else:
                record_update(model._default_manager.get(pk=pk), data)
            raise _DryRun
    except _DryRun:
        pass


class _DryRun(Exception):
    """Rolls a checking write back."""


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


_UNREVIEWED: dict[str, Any] = {
    "review_state": ReviewState.DRAFT,
    "reviewed_by": None,
    "reviewed_at": None,
}


def _stamp(state: str, user: Any) -> dict[str, Any]:
    if state == ReviewState.DRAFT:
        return dict(_UNREVIEWED)
    reviewer = user if user is not None and getattr(user, "is_authenticated", False) else None
    return {"review_state": state, "reviewed_by": reviewer, "reviewed_at": timezone.now()}


def _stored_review(document: Mapping[str, Any]) -> dict[str, Any]:
    return {name: document.get(name) for name in REVIEW_FIELDS}


def _review_after(
    data: Mapping[str, Any], stored: Mapping[str, Any], *, content_changed: bool, user: Any
) -> dict[str, Any]:
    """The review fields a write leaves (see the module's docstring)."""
    if "reviewed_by" in data or "reviewed_at" in data:
        return {
            "review_state": data.get("review_state", ReviewState.DRAFT),
            "reviewed_by": data.get("reviewed_by"),
            "reviewed_at": data.get("reviewed_at"),
        }
    state = data.get("review_state", stored["review_state"])
    if state != stored["review_state"]:
        return _stamp(state, user)
    if content_changed:
        return dict(_UNREVIEWED)
    return dict(stored)


def _set_review(claim: Reviewed, review: Mapping[str, Any]) -> None:
    for name in REVIEW_FIELDS:
        assign_field(claim, name, review[name])


def _review_errors(claim: Reviewed) -> Errors:
    try:
        claim.clean_fields(
            exclude=[f.name for f in claim._meta.fields if f.name not in REVIEW_FIELDS]
        )
    except ValidationError as error:
        return error.message_dict
    return {}


def _apply_review(
    record: Reviewed,
    data: Mapping[str, Any],
    stored: Mapping[str, Any],
    *,
    content_changed: bool,
    user: Any,
) -> None:
    _set_review(record, _review_after(data, stored, content_changed=content_changed, user=user))
    errors = _review_errors(record)
    if errors:
        raise InvalidRecord(errors)


def _commit(record: Record, *, user: Any, created: bool) -> None:
    record._history_user = user  # type: ignore[attr-defined]
    if created:
        record._revision_type = "+"  # type: ignore[attr-defined]
    record.search_document = search.document_of(record)
    record.save()
    if isinstance(record, Official):
        search.refresh_dependants(record)


def _assign_fields(record: Record, data: Mapping[str, Any]) -> None:
    # The review fields follow their own rule (_apply_review), after the content is written.
    for name in SPECS[type(record)].fields:
        if name in data and name not in REVIEW_FIELDS:
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


def _write(
    record: Record, data: Mapping[str, Any], *, check_claims: bool = True, user: Any = None
) -> None:
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
                replaced = _replace_parts(record, part_spec, data[part_spec.name], user=user)
                _collect(errors, part_spec.name, replaced)
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
    record: Record, spec: PartSpec, items: Sequence[Mapping[str, Any]], *, user: Any = None
) -> list[Errors]:
    existing = getattr(record, spec.name).order_by("id")
    # A reviewed post that comes back unchanged keeps its review (matched by content, once each).
    unmatched = (
        [(content(part_snapshot(part, spec)), _review_of(part)) for part in existing]
        if issubclass(spec.model, Reviewed)
        else []
    )
    existing.delete()
    results: list[Errors] = []
    for item in items:
        part = spec.model(**{spec.parent: record})
        for name in spec.fields:
            if name in item and name not in REVIEW_FIELDS:
                assign_field(part, name, item[name])
        item_errors = _clean(part, PART_DATE_RANGES.get(spec.model, ()))
        if isinstance(part, Reviewed) and not item_errors:
            wanted = content(_item_document(part, spec, item))
            found = next((pair for pair in unmatched if pair[0] == wanted), None)
            if found is not None:
                unmatched.remove(found)
            stored = found[1] if found is not None else _UNREVIEWED
            review = _review_after(item, stored, content_changed=found is None, user=user)
            _set_review(part, review)
            item_errors = _review_errors(part)
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


def _review_of(claim: Reviewed) -> dict[str, Any]:
    return {name: getattr(claim, name) for name in REVIEW_FIELDS}


def _item_document(part: models.Model, spec: PartSpec, item: Mapping[str, Any]) -> dict[str, Any]:
    """A part about to be written, as its snapshot will read (citations from the item)."""
    document = {name: json_value(part, name) for name in spec.fields}
    if spec.cited:
        citations = []
        for entry in item.get("citations", []):
            citation = Citation()
            for name in CITATION_FIELDS:
                if name in entry:
                    assign_field(citation, name, entry[name])
            citations.append({name: json_value(citation, name) for name in CITATION_FIELDS})
        document["citations"] = citations
    return document


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
