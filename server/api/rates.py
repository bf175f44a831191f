"""Request counts that every worker shares, each request added with one atomic increment.

A client's requests are counted in windows as long as the rate's period (a minute for
``600/minute``); a request is allowed while this window's count plus the previous window's,
weighted by how much of it still lies within one period of now, stays within the limit. A request
refused is taken back off the count, so that the wait ``Retry-After`` gives is enough (at most a
period and a share of it: ``period / limit``). Every
worker sees the same counts, so the limit is the same whatever the number of workers:

- with ``REDIS_URL``, in that Redis (``INCR`` and ``EXPIRE`` in one transaction), shared by every
  server;
- without it, in a small SQLite file of their own (``DETENTE_REQUEST_COUNTS``) that the workers of
  one machine share: one ``INSERT … ON CONFLICT DO UPDATE SET hits = hits + 1 RETURNING hits``
  per request, which SQLite runs atomically under its write lock. It is not the application's
  database: a request's count must not wait for a long write there, nor add a write to every
  read on PostgreSQL, and counts need no durability (the file runs without fsync).

A store that fails answers nothing, and the request is let through (logged once per
``RETRY_AFTER`` seconds): counts are worth less than serving.
"""

from __future__ import annotations

import logging
import math
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured

from server.cache import FailOpenRedisCache

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(?P<limit>[0-9]+)\s*/\s*(?P<period>[smhd])[a-z]*\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int

    @classmethod
    @lru_cache(maxsize=32)
    def parse(cls, text: str) -> Rate:
        """``600/minute``, ``10/second``, ``5000/hour``, ``100000/day`` (first letter counts)."""
        match = _RATE.match(text)
        if match is None or int(match["limit"]) < 1:
            raise ImproperlyConfigured(
                f"A rate is a number of requests (at least 1) per second, minute, hour or day, "
                f"such as 600/minute: {text!r}."
            )
        return cls(int(match["limit"]), _PERIODS[match["period"]])


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    # Seconds until a request would be allowed again, when it is not.
    retry_after: int = 0


def judge(rate: Rate, now: float, current: int, previous: int) -> Verdict:
    """Whether the request that brought this window's count to ``current`` is allowed; if not,
    how long until one more would be, the refused request not counting (``hit`` takes it back)."""
    period, limit = rate.period, rate.limit
    elapsed = now % period
    weight = 1 - elapsed / period
    if previous * weight + current <= limit:
        return Verdict(True)
    allowed = current - 1
    waits = []
    if previous and allowed + 1 <= limit:
        # Within this window, once enough of the previous one has slid out of the period.
        moment = period * (1 - (limit - allowed - 1) / previous)
        if moment < period:
            waits.append(moment - elapsed)
    # In the next window, this one's count then weighing as the previous one: at most a period
    # and a share of the next (period / limit) from now.
    later = period * (1 - (limit - 1) / allowed) if allowed else 0.0
    waits.append(period - elapsed + max(0.0, later))
    return Verdict(False, max(1, math.ceil(min(waits))))


class Counts(Protocol):
    def hit(self, key: str, window: int, period: int) -> tuple[int, int] | None:
        """Adds one to ``key``'s count in ``window``; this window's count and the previous
        window's, or None when the store cannot be reached."""

    def take_back(self, key: str, window: int) -> None:
        """Takes one off ``key``'s count in ``window`` (a refused request)."""


class _Outages:
    """Fail open, and say so once per RETRY_AFTER seconds rather than on every request."""

    def __init__(self) -> None:
        self.down_until = 0.0

    def down(self) -> bool:
        return time.monotonic() < self.down_until

    def failed(self, error: Exception) -> None:
        self.down_until = time.monotonic() + RETRY_AFTER
        logger.warning(
            "Request counts unavailable, not throttling for %.0f s: %s", RETRY_AFTER, error
        )


class SQLiteCounts:
    """Counts in a SQLite file shared by the processes of one machine."""

    SCHEMA = (
        "CREATE TABLE IF NOT EXISTS request_counts ("
        " key TEXT NOT NULL, slot INTEGER NOT NULL, hits INTEGER NOT NULL,"
        " expires REAL NOT NULL, PRIMARY KEY (key, slot)) WITHOUT ROWID"
    )
    HIT = (
        "INSERT INTO request_counts (key, slot, hits, expires) VALUES (?, ?, 1, ?)"
        " ON CONFLICT (key, slot) DO UPDATE SET hits = hits + 1 RETURNING hits"
    )
    PREVIOUS = "SELECT hits FROM request_counts WHERE key = ? AND slot = ?"
    TAKE_BACK = "UPDATE request_counts SET hits = hits - 1 WHERE key = ? AND slot = ?"
    PRUNE = "DELETE FROM request_counts WHERE expires < ?"
    PRUNE_EVERY = 60.0

    def __init__(self, path: Path) -> None:
        self.path = path
        self.local = threading.local()
        self.outages = _Outages()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self.local, "connection", None)
        if connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit: each statement is its own transaction, the upsert atomic on its own.
            connection = sqlite3.connect(self.path, timeout=1.0, isolation_level=None)
            self._set_up(connection)
            self.local.connection = connection
            self.local.pruned = 0.0
        return connection

    def _set_up(self, connection: sqlite3.Connection, attempts: int = 20) -> None:
        """WAL mode and the table. Workers starting together race to set up a new file, and
        switching to WAL does not wait for the busy timeout: the loser tries again."""
        for attempt in range(attempts):
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=OFF")
                connection.execute(self.SCHEMA)
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == attempts - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))

    def hit(self, key: str, window: int, period: int) -> tuple[int, int] | None:
        if self.outages.down():
            return None
        try:
            connection = self._connection()
            now = time.time()
            # Kept while it may still be the previous window of a request's.
            expires = (window + 2) * period
            (current,) = connection.execute(self.HIT, (key, window, expires)).fetchall()[0]
            row = connection.execute(self.PREVIOUS, (key, window - 1)).fetchone()
            if now - self.local.pruned > self.PRUNE_EVERY:
                self.local.pruned = now
                connection.execute(self.PRUNE, (now,))
        except (sqlite3.Error, OSError) as error:
            self.local.__dict__.pop("connection", None)
            self.outages.failed(error)
            return None
        return int(current), int(row[0]) if row else 0

    def take_back(self, key: str, window: int) -> None:
        try:
            self._connection().execute(self.TAKE_BACK, (key, window))
        except (sqlite3.Error, OSError) as error:
            self.local.__dict__.pop("connection", None)
            self.outages.failed(error)

    def clear(self) -> None:
        self._connection().execute("DELETE FROM request_counts")


class RedisCounts:
    """Counts in the shared Redis cache, under its key prefix."""

    def __init__(self, cache: FailOpenRedisCache) -> None:
        self.cache = cache

    def hit(self, key: str, window: int, period: int) -> tuple[int, int] | None:
        return self.cache.count(f"rate:{key}:{window}", f"rate:{key}:{window - 1}", 2 * period)

    def take_back(self, key: str, window: int) -> None:
        self.cache.uncount(f"rate:{key}:{window}")

    def clear(self) -> None:
        self.cache.clear()


@lru_cache(maxsize=4)
def _sqlite_counts(path: str) -> SQLiteCounts:
    return SQLiteCounts(Path(path))


def counts() -> SQLiteCounts | RedisCounts:
    """The store of this deployment: the shared Redis cache, or the machine's SQLite file."""
    cache = caches["default"]
    if isinstance(cache, FailOpenRedisCache):
        return RedisCounts(cache)
    return _sqlite_counts(str(settings.REQUEST_COUNTS_FILE))


def hit(key: str, rate: Rate, now: float | None = None) -> Verdict:
    """Counts one request of ``key`` and judges it against ``rate``."""
    now = time.time() if now is None else now
    window = int(now // rate.period)
    store = counts()
    found = store.hit(key, window, rate.period)
    if found is None:
        return Verdict(True)
    verdict = judge(rate, now, *found)
    if not verdict.allowed:
        # A refused request costs its sender nothing more: waiting as Retry-After says is
        # enough. Concurrent requests each got a count of their own, so the take-back is exact.
        store.take_back(key, window)
    return verdict
