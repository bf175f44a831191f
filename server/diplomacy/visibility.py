"""Who sees what: the one rule every representation of the record obeys.

Statements, contacts and posts held are claims with a review state. An *audience* is the set of
review states a reader sees: anonymous readers (and readers who may not change the records)
see reviewed claims only (``PUBLIC``); curators see every state (``None``), and may narrow a list
to some. A claim outside the audience is absent wherever it would show:
- as a record of a list, a detail, a count, a facet, the timeline, the network or an export;
- as a post held of an official (and in the official's search document);
- as the record another one points at (a statement's ``contact``), which reads as null;
- in history and ``as_of``: only the revisions the audience could have read when they were
  current (``public_revisions``), with the records they point at as the audience sees them now.

The reads apply it through ``selectors.in_review_states`` (records and posts), the row reads'
and serializers' briefs (``sees``, for every relation to a claim: ``points_at_claims``), and the
history's revisions (``revisions_seen``); none of them knows which resource it is reading.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Sequence
from functools import cache
from typing import Any

from django.db import models
from django.db.models import Case, F, QuerySet, When

from .models import Reviewed, ReviewState

# An audience: the review states a reader sees; None sees every state.
Audience = frozenset[str] | None

PUBLIC: frozenset[str] = frozenset({ReviewState.REVIEWED.value})
EVERY_STATE: Audience = None


def sees(audience: Collection[str] | None, review_state: str | None) -> bool:
    """Whether a claim in this review state is shown to the audience."""
    return audience is None or review_state in audience


def is_claim(model: Any) -> bool:
    return isinstance(model, type) and issubclass(model, Reviewed)


@cache
def points_at_claims(model: type[models.Model]) -> tuple[models.ForeignKey[Any, Any], ...]:
    """The model's keys to claims: the records it points at that an audience may not see."""
    return tuple(
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey) and is_claim(field.related_model)
    )


def _seen_name(field: models.ForeignKey[Any, Any]) -> str:
    return f"{field.name}_seen"


def with_pointers_seen(queryset: QuerySet[Any], audience: Audience) -> QuerySet[Any]:
    """The records with each key to a claim also read as the audience sees it (null where it
    does not see the claim), for reads that write ids rather than briefs: see ``pointers_seen``."""
    if audience is None:
        return queryset
    states = sorted(audience)
    seen = {
        _seen_name(field): Case(
            When(**{f"{field.name}__review_state__in": states}, then=F(field.attname)),
            default=None,
            output_field=models.BigIntegerField(),
        )
        for field in points_at_claims(_model_of(queryset))
    }
    return queryset.annotate(**seen) if seen else queryset


def _model_of(queryset: QuerySet[Any]) -> type[models.Model]:
    model: type[models.Model] = queryset.model
    return model


def pointers_seen(record: models.Model, document: dict[str, Any]) -> dict[str, Any]:
    """A record's document (keys as ids) with the keys ``with_pointers_seen`` read."""
    for field in points_at_claims(type(record)):
        if hasattr(record, _seen_name(field)):
            document[field.name] = getattr(record, _seen_name(field))
    return document


def _hidden_ids(model: type[models.Model], ids: set[int], audience: Collection[str]) -> set[int]:
    if not ids:
        return set()
    shown = model._default_manager.filter(pk__in=ids, review_state__in=audience)
    return ids - set(shown.values_list("pk", flat=True))


def documents_seen(
    model: type[models.Model], documents: Sequence[dict[str, Any] | None], audience: Audience
) -> list[dict[str, Any] | None]:
    """Snapshots as the audience may read them: only the posts held it sees, and each key to a
    claim it does not see (now) as null. One query per kind of claim pointed at."""
    if audience is None:
        return list(documents)
    hidden: dict[str, set[int]] = {}
    for field in points_at_claims(model):
        ids = {doc[field.name] for doc in documents if doc and doc.get(field.name) is not None}
        claim: Any = field.related_model
        hidden[field.name] = _hidden_ids(claim, ids, audience)
    seen: list[dict[str, Any] | None] = []
    for document in documents:
        if document is None:
            seen.append(None)
            continue
        document = dict(document)
        for name, ids in hidden.items():
            if document.get(name) in ids:
                document[name] = None
        if "positions" in document:
            document["positions"] = [
                post for post in document["positions"] if sees(audience, post.get("review_state"))
            ]
        seen.append(document)
    return seen


def revision_seen(
    model: type[models.Model], document: dict[str, Any] | None, audience: Audience
) -> bool:
    """Whether a revision (the snapshot it left) was readable by the audience while current: a
    claim in a state it sees; any revision of a record that is not a claim."""
    if document is None:
        return False
    return not is_claim(model) or sees(audience, document.get("review_state"))


def revisions_seen(model: type[models.Model], rows: Iterable[Any], audience: Audience) -> list[Any]:
    """The history rows an audience reads, oldest first: those that left the record in a state
    it sees, each followed by the deletion or withdrawal (the next revision it does not see)
    that ended it, as a deletion. ``as_of`` reads the same rows: the record at a moment is the
    revision then current, if that revision is one of these."""
    if audience is None:
        return list(rows)
    kept: list[Any] = []
    shown = False
    for row in rows:
        visible = row.history_type != "-" and revision_seen(model, row.snapshot, audience)
        if visible:
            kept.append(row)
        elif shown:
            kept.append(_as_withdrawal(row))
        shown = visible
    return kept


def _as_withdrawal(row: Any) -> Any:
    """A revision that took the record out of the audience's sight, shown as its deletion
    (without its content, which the audience does not see)."""
    withdrawal = copy.copy(row)
    withdrawal.history_type = "-"
    withdrawal.snapshot = None
    return withdrawal
