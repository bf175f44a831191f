"""Every read of the domain: querysets with the joins and prefetches their serializers need.

Each list and detail endpoint takes its queryset from here, so the number of queries per request
stays constant whatever the number of rows (tests assert it).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime
from functools import cache
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from . import visibility
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
from .revisions import materialise
from .visibility import Audience, is_claim


# Prefetches are made once, like a view's class-level queryset: lists read as rows compile their
# queries once per prefetch (``server.api.compiled``). Their querysets are only ever cloned.
@cache
def _citations() -> Prefetch:
    return Prefetch("citations", queryset=Citation.objects.select_related("source").order_by("id"))


@cache
def _topics() -> Prefetch:
    return Prefetch("topics", queryset=Topic.objects.order_by("slug"))


def _positions(review_states: Audience = None) -> Prefetch:
    return _positions_in(None if review_states is None else frozenset(review_states))


@cache
def _positions_in(review_states: frozenset[str] | None) -> Prefetch:
    positions = (
        Position.objects.select_related("reviewed_by")
        .order_by("start_earliest", "id")
        .prefetch_related(_citations())
    )
    if review_states is not None:
        positions = positions.filter(review_state__in=review_states)
    return Prefetch("positions", queryset=positions)


def dated_between(
    queryset: QuerySet[Any],
    prefix: str,
    after: PartialDate | None = None,
    before: PartialDate | None = None,
) -> QuerySet[Any]:
    """Records whose partial date ``prefix`` may fall within the bounds (overlap): dated "2024-07"
    is on or after 2024-07-15, since its latest possible day is. Undated records never match."""
    if after is not None:
        queryset = queryset.filter(**{f"{prefix}_latest__gte": after.earliest})
    if before is not None:
        queryset = queryset.filter(**{f"{prefix}_earliest__lte": before.latest})
    return queryset


def citing(source_ids: Collection[int | str], owner: str) -> Exists:
    """Whether the record (a ``contact`` or ``statement``) cites one of these sources."""
    return Exists(Citation.objects.filter(**{owner: OuterRef("pk")}, source_id__in=source_ids))


def taking_part(official_slugs: Collection[str]) -> Exists:
    """Whether one of these officials takes part in the contact."""
    return Exists(
        Participant.objects.filter(contact=OuterRef("pk"), official__slug__in=official_slugs)
    )


def held_on(earliest: date, latest: date) -> Q:
    """Posts whose known dates allow them to have been held at some day of [earliest, latest]:
    begun by then (if the start is known) and not ended before (if the end is known). A post with
    no dates at all says nothing about any day, and is left out."""
    begun = Q(start_earliest__isnull=True) | Q(start_earliest__lte=latest)
    not_ended = Q(end_latest__isnull=True) | Q(end_latest__gte=earliest)
    dated = Q(start_earliest__isnull=False) | Q(end_latest__isnull=False)
    return begun & not_ended & dated


def holding_a_post(
    officials: QuerySet[Official],
    earliest: date,
    latest: date,
    review_states: Collection[str] | None,
) -> QuerySet[Official]:
    posts = Position.objects.filter(held_on(earliest, latest), official=OuterRef("pk"))
    if review_states is not None:
        posts = posts.filter(review_state__in=review_states)
    return officials.filter(Exists(posts))


def post_at(
    posts: Iterable[Position], earliest: date | None, latest: date | None
) -> Position | None:
    """The post an official held over [earliest, latest] (a contact's date), from the posts given.

    A dated post whose dates allow it wins; failing one, a post with no dates at all (the source
    gave the official that title without saying when), the earliest recorded first. Unknown when
    the contact has no date, or when no post fits.
    """
    if earliest is None or latest is None:
        return None
    dated: list[Position] = []
    undated: list[Position] = []
    for post in posts:
        start, end = post.start_earliest, post.end_latest
        if start is None and end is None:
            undated.append(post)
        elif (start is None or start <= latest) and (end is None or end >= earliest):
            dated.append(post)
    # Of several dated posts, the one begun last is the one held then.
    dated.sort(key=lambda post: (post.start_earliest or date.min, post.pk))
    return dated[-1] if dated else (undated[0] if undated else None)


def official_list() -> QuerySet[Official]:
    return Official.objects.prefetch_related(_positions())


def in_review_states(queryset: QuerySet[Any], review_states: Audience) -> QuerySet[Any]:
    """Only the claims the audience sees (``visibility``): the records themselves, or an
    official's posts held."""
    if review_states is None:
        return queryset
    if is_claim(queryset.model):
        return queryset.filter(review_state__in=review_states)
    if queryset.model is Official:
        return queryset.prefetch_related(None).prefetch_related(_positions(review_states))
    return queryset


def source_list() -> QuerySet[Source]:
    return Source.objects.all()


def public_posts() -> QuerySet[Position]:
    """The posts anyone may read, in the order ``post_at`` expects."""
    return Position.objects.filter(review_state__in=visibility.PUBLIC).order_by(
        "start_earliest", "id"
    )


def contact_list() -> QuerySet[Contact]:
    return Contact.objects.select_related("reviewed_by").prefetch_related(
        _participants(), _topics(), _citations()
    )


@cache
def _participants() -> Prefetch:
    # Each participant shows the post its official held then: the official's public posts.
    participants = (
        Participant.objects.select_related("official")
        .prefetch_related(
            Prefetch("official__positions", queryset=public_posts(), to_attr="public_posts")
        )
        .order_by("id")
    )
    return Prefetch("participants", queryset=participants)


def statement_list() -> QuerySet[Statement]:
    related = ("speaker", "contact", "origin", "reviewed_by")
    return Statement.objects.select_related(*related).prefetch_related(_topics(), _citations())


def topic_list() -> QuerySet[Topic]:
    return Topic.objects.all()


def record_history(model: type[Record], pk: int) -> QuerySet[Any]:
    """Every revision of a record, deleted or not, oldest first."""
    history = model.history.filter(id=pk)  # type: ignore[attr-defined]
    return history.select_related("history_user").order_by("history_date", "history_id")


def history_seen(model: type[Record], pk: int, audience: Audience) -> list[Any]:
    """The revisions of a record the audience reads, oldest first, each snapshot as it sees it
    (``visibility.revisions_seen`` and ``documents_seen``); empty if it may read none."""
    rows = visibility.revisions_seen(model, record_history(model, pk), audience)
    documents = visibility.documents_seen(model, [row.snapshot for row in rows], audience)
    for row, document in zip(rows, documents, strict=True):
        row.snapshot = document
    return rows


def record_as_of(model: type[Record], pk: int, when: datetime, audience: Audience) -> Record | None:
    """The record as it stood at ``when``, as the audience sees it; None if it did not exist
    then, or if the revision then current is not one the audience reads."""
    row = (
        model.history.filter(id=pk, history_date__lte=when)  # type: ignore[attr-defined]
        .order_by("-history_date", "-history_id")
        .first()
    )
    if row is None or row.history_type == "-":
        return None
    if not visibility.revision_seen(model, row.snapshot, audience):
        return None
    (document,) = visibility.documents_seen(model, [row.snapshot], audience)
    assert document is not None
    record = materialise(model, pk, document)
    record.created_at = row.created_at
    record.updated_at = row.updated_at
    return record


def deleted_records(model: type[Record]) -> list[Any]:
    """The last revision of each deleted record of a model, newest deletion first."""
    live = model._default_manager.values("pk")
    deletions = (
        model.history.filter(history_type="-")  # type: ignore[attr-defined]
        .exclude(id__in=live)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )
    latest: dict[int, Any] = {}
    for row in deletions:
        if row.id not in latest:
            row.label = str(row.instance)
            latest[row.id] = row
    return list(latest.values())
