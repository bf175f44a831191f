"""Every write of the domain goes through here: the admin today, the API's writes tomorrow.

A resource (official, source, contact, statement) carries a ``version`` that goes up by one on each
change, including a change to one of its nested parts (a post held, a participant, a citation).
"""

from __future__ import annotations

from typing import TypeVar

from django.db import transaction
from django.db.models import F

from .models import Citation, Contact, Participant, Position, Record, Statement

Part = Position | Participant | Citation
RecordT = TypeVar("RecordT", bound=Record)
PartT = TypeVar("PartT", Position, Participant, Citation)


def _fill_derived_fields(record: Record) -> None:
    if isinstance(record, Statement) and record.speaker is not None and not record.speaker_country:
        record.speaker_country = record.speaker.country


@transaction.atomic
def record_save(record: RecordT, *, changed: bool = True) -> RecordT:
    """Validate and save a resource; an existing one gets a new version when ``changed``."""
    _fill_derived_fields(record)
    record.full_clean()
    is_new = record._state.adding
    record.save()
    if not is_new and changed:
        record_touch(record)
    return record


@transaction.atomic
def record_touch(record: Record) -> None:
    """Count a change made to the record's nested parts as a new version of the record."""
    type(record)._default_manager.filter(pk=record.pk).update(version=F("version") + 1)
    record.refresh_from_db(fields=["version", "updated_at"])


@transaction.atomic
def record_delete(record: Record) -> None:
    """Delete a resource; raises ``ProtectedError`` while other records still rely on it."""
    record.delete()


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
def parts_changed(part: Part, *, previous_owner: Record | None = None) -> None:
    """A nested part changed on its own: a new version of its record (and of the one it left)."""
    owner = part_owner(part)
    record_touch(owner)
    if previous_owner is not None and previous_owner != owner:
        record_touch(previous_owner)


@transaction.atomic
def part_save(part: PartT) -> PartT:
    part.full_clean()
    part.save()
    return part


@transaction.atomic
def part_delete(part: Part) -> None:
    part.delete()
