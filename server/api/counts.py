"""List counts kept in the cache, so that a page does not count the whole filtered set again on
every request: a COUNT grows with the table, the rest of a page does not.

A count (or facet counts, ``cached``) is kept under what was asked (a list's path, filters and
review states, or else its SQL) and the data's *generation*, a number bumped by every write (each
write leaves a history row, whoever makes it: the API, the admin, an import), so a count is never
served after a write that could change it. Bulk loads that write no history through Django
(``synthesize``) are seen within ``COUNT_TIMEOUT`` at the latest. With ``REDIS_URL`` every worker
and app server shares the counts and the generation; without it each process has its own, and a
write made through one is seen by the others' counts within ``COUNT_TIMEOUT``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet

T = TypeVar("T")
GENERATION_KEY = "counts:generation"
COUNT_TIMEOUT = 60


def _generation() -> int:
    return int(cache.get_or_set(GENERATION_KEY, 0, timeout=None) or 0)


def data_changed(**kwargs: Any) -> None:
    """A write happened: counts cached before it are no longer served. Bumped now, and again
    when the write commits, so that no count read in between outlives it."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there yet (or evicted)
        cache.set(GENERATION_KEY, 1, timeout=None)


def cached_count(queryset: QuerySet[Any], question: Hashable | None = None) -> int:
    """The number of records in ``queryset``, cached under ``question`` when given (what was
    asked, say a list's path and filters: cheaper to key on than the SQL, whose compiling costs
    as much as a page's query), else under its SQL."""
    if question is None:
        question = queryset.query.sql_with_params()
    return int(cached((queryset.db, question), queryset.count))


def cached(question: Hashable, compute: Callable[[], T]) -> T:
    """What ``compute`` gives, kept under ``question`` until the next write."""
    digest = hashlib.sha256(repr(question).encode()).hexdigest()
    key = f"counts:{_generation()}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=COUNT_TIMEOUT)
    return value
