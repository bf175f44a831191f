"""The change feed: every change to the dataset, numbered in commit order, as each audience sees it.

Each revision of a resource (and each change of a topic) records one ``Change`` in the writing
transaction, numbered from ``ChangeSequence``: the number is taken under the counter row's lock,
held until commit, so a reader that has seen number n has seen every number below it, whatever
order transactions began in. A reader resumes after the last number it saw.

What the public sees follows the visibility rule (``visibility``): publication is a change. A
claim reviewed is ``created`` for the public; one sent back to draft, or deleted, is ``deleted``;
a draft's edits are not shown. A claim that appears or disappears for the public also changes the
public representation of the records pointing at it (a statement made at a contact: its
``contact`` reads as null while the contact is hidden), which are recorded as public updates.
Curators see every revision, as ``created``, ``updated`` or ``deleted``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from . import selectors, visibility
from .models import (
    Change,
    ChangeSequence,
    ChangeType,
    Contact,
    Official,
    Source,
    Statement,
    Topic,
)
from .visibility import Audience

# The feed's resources, by name, in the order a dataset file holds them.
RESOURCES: dict[str, type[models.Model]] = {
    "topics": Topic,
    "sources": Source,
    "officials": Official,
    "contacts": Contact,
    "statements": Statement,
}
RESOURCE_OF_MODEL = {model: name for name, model in RESOURCES.items()}
_TYPES = {"+": ChangeType.CREATED, "~": ChangeType.UPDATED, "-": ChangeType.DELETED}


def claim_numbers(count: int, sequence_model: Any = ChangeSequence) -> int:
    """The first of ``count`` new numbers, taken under the counter's lock, which the increment
    holds until the transaction ends. A migration passes its own model."""
    counter = sequence_model.objects.filter(pk=1)
    if not counter.update(last=F("last") + count):
        # The migration makes the counter; a test database flushed since has none.
        sequence_model.objects.bulk_create([sequence_model(pk=1, last=0)], ignore_conflicts=True)
        counter.update(last=F("last") + count)
    return int(counter.values_list("last", flat=True).get()) - count + 1


def _public(model: type[models.Model], history_type: str | None, snapshot: Any) -> bool:
    """Whether the public reads the record as this revision left it."""
    if history_type is None or history_type == "-":
        return False
    return visibility.revision_seen(model, snapshot or {}, visibility.PUBLIC)


def public_type(was_public: bool, is_public: bool) -> str:
    """What the public sees of a change (blank: nothing)."""
    if was_public and is_public:
        return ChangeType.UPDATED
    if is_public:
        return ChangeType.CREATED
    if was_public:
        return ChangeType.DELETED
    return ""


def _previous(history_row: Any) -> Any:
    """The revision of the same record before this one, if any."""
    return (
        type(history_row)
        ._default_manager.filter(id=history_row.id, history_date__lte=history_row.history_date)
        .exclude(history_id=history_row.history_id)
        .order_by("-history_date", "-history_id")
        .first()
    )


def record_revision(model: type[models.Model], history_row: Any) -> None:
    """Record the change a new history row makes (in its writing transaction)."""
    resource = RESOURCE_OF_MODEL.get(model)
    if resource is None:
        return
    snapshot = getattr(history_row, "snapshot", None)
    previous = _previous(history_row)
    was = previous is not None and _public(
        model, previous.history_type, getattr(previous, "snapshot", None)
    )
    now = _public(model, history_row.history_type, snapshot)
    _write(
        at=history_row.history_date,
        resource=resource,
        record_id=history_row.id,
        version=getattr(history_row, "version", None),
        type=_TYPES[history_row.history_type],
        public_type=public_type(was, now),
    )
    if was != now and visibility.is_claim(model):
        _record_pointing_records(model, history_row.id, history_row.history_date)


def _record_pointing_records(claim: type[models.Model], pk: int, at: datetime) -> None:
    """The public records pointing at a claim that appeared or disappeared for the public show
    it differently now (null, or its id): each is a public update."""
    for model in RESOURCES.values():
        for field in visibility.points_at_claims(model):
            if field.related_model is not claim:
                continue
            # Only records already in the feed: a bulk load records the others' creation later.
            recorded = Change.objects.filter(
                resource=RESOURCE_OF_MODEL[model], record_id=OuterRef("pk")
            )
            records = model._default_manager.filter(Exists(recorded), **{field.name: pk})
            pointing = selectors.in_review_states(records, visibility.PUBLIC)
            record_in_bulk(
                {
                    "at": at,
                    "resource": RESOURCE_OF_MODEL[model],
                    "record_id": record_id,
                    "version": version,
                    "type": "",
                    "public_type": ChangeType.UPDATED,
                }
                for record_id, version in pointing.values_list("pk", "version")
            )


def _write(**fields: Any) -> None:
    Change.objects.create(seq=claim_numbers(1), **fields)


@dataclass(frozen=True)
class Revision:
    """What the feed needs of a history row written without the revision signal."""

    at: datetime
    record_id: int
    history_type: str
    version: int | None
    # The record's review state after it (None for records that have none).
    review_state: str | None


def revisions_of(history: QuerySet[Any]) -> Iterator[Revision]:
    """The revisions of a history table (of this project's models, or a migration's), oldest
    first, read a chunk at a time."""
    names = {field.name for field in history.model._meta.fields}
    columns = ["history_date", "id", "history_type"]
    columns += [name for name in ("version", "review_state") if name in names]
    rows = history.order_by("history_date", "history_id").values(*columns)
    for row in rows.iterator(chunk_size=5000):
        yield Revision(
            at=row["history_date"],
            record_id=row["id"],
            history_type=row["history_type"],
            version=row.get("version"),
            review_state=row.get("review_state"),
        )


def record_written_history(resource: str, history: QuerySet[Any]) -> int:
    """Record the changes of history rows written without the revision signal (a bulk load)."""
    return record_in_bulk(changes_of(resource, revisions_of(history)))


def record_bulk_creations(model: type[models.Model], after_history_id: int) -> int:
    """Record, in one statement, the creations a bulk load wrote as history rows (one ``+`` row
    per record, past ``after_history_id``, without the revision signal); how many."""
    history: Any = model.history.model  # type: ignore[attr-defined]
    name = connection.ops.quote_name
    # A claim is created for the public only if it was loaded in a state the public sees.
    states = sorted(visibility.PUBLIC) if visibility.is_claim(model) else []
    public = (
        f"CASE WHEN {name('review_state')} IN ({', '.join(['%s'] * len(states))}) "
        "THEN 'created' ELSE '' END"
        if states
        else "'created'"
    )
    created = history._default_manager.filter(history_id__gt=after_history_id, history_type="+")
    with transaction.atomic():
        count = created.count()
        if not count:
            return 0
        first = claim_numbers(count)
        sql = (
            f"INSERT INTO {name(Change._meta.db_table)} "
            "(seq, at, resource, record_id, version, type, public_type) "
            f"SELECT %s - 1 + ROW_NUMBER() OVER (ORDER BY {name('history_id')}), "
            f"{name('history_date')}, %s, {name('id')}, {name('version')}, 'created', {public} "
            f"FROM {name(history._meta.db_table)} "
            f"WHERE {name('history_id')} > %s AND {name('history_type')} = '+'"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [first, RESOURCE_OF_MODEL[model], *states, after_history_id])
    return int(count)


def changes_of(resource: str, revisions: Iterable[Revision]) -> Iterator[dict[str, Any]]:
    """The changes the revisions of one resource make, oldest first, as ``record_revision``
    would have recorded them (for bulk loads and for history written before the feed)."""
    claim = visibility.is_claim(RESOURCES[resource])
    public: dict[int, bool] = {}
    for revision in revisions:
        shown = revision.history_type != "-" and (
            not claim or visibility.sees(visibility.PUBLIC, revision.review_state)
        )
        was, public[revision.record_id] = public.get(revision.record_id, False), shown
        yield {
            "at": revision.at,
            "resource": resource,
            "record_id": revision.record_id,
            "version": revision.version,
            "type": _TYPES[revision.history_type],
            "public_type": public_type(was, shown),
        }


def record_in_bulk(
    found: Iterable[dict[str, Any]],
    *,
    change_model: Any = Change,
    sequence_model: Any = ChangeSequence,
    batch_size: int = 5000,
) -> int:
    """Record changes (in the order given) with one claim of numbers per batch; how many. A
    migration passes its own models."""
    count = 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        first = claim_numbers(len(batch), sequence_model)
        change_model.objects.bulk_create(
            change_model(seq=first + offset, **fields) for offset, fields in enumerate(batch)
        )

    with transaction.atomic():
        for fields in found:
            batch.append(fields)
            if len(batch) >= batch_size:
                flush()
                count, batch = count + len(batch), []
        if batch:
            flush()
            count += len(batch)
    return count


# -- reading -------------------------------------------------------------------------------------


def visible(audience: Audience) -> Q:
    """The changes an audience sees: every revision (curators), or what the public saw change."""
    return ~Q(type="") if audience is None else ~Q(public_type="")


def change_list(
    audience: Audience,
    *,
    after: int = 0,
    resources: Iterable[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Change]:
    """The changes an audience sees after ``after``, oldest first."""
    changes = Change.objects.filter(visible(audience), seq__gt=after)
    resources = list(resources)
    if resources:
        changes = changes.filter(resource__in=resources)
    if since is not None:
        changes = changes.filter(at__gte=since)
    if until is not None:
        changes = changes.filter(at__lte=until)
    return changes.order_by("seq")


def last_seq(audience: Audience) -> int:
    """The number of the last change the audience sees (0 before any)."""
    found = Change.objects.filter(visible(audience)).order_by("-seq").values_list("seq", flat=True)
    return int(found.first() or 0)


def shown_type(change: Change, audience: Audience) -> str:
    return change.type if audience is None else change.public_type
