"""Reads spread over PostgreSQL streaming replicas; writes, and a writer's next reads, on the
primary.

With ``DATABASE_REPLICA_URLS`` set, each replica is a database alias (``replica1``, …). Per
request, ``ReplicaRoutingMiddleware`` decides where its reads go and ``ReplicaRouter`` sends them
there; writes always go to the primary (``default``):
- a request that may write (not GET, HEAD or OPTIONS) reads the primary;
- a client that wrote within ``DETENTE_READ_YOUR_WRITES_SECONDS`` (known by its credentials: the
  ``Authorization`` header or the session cookie, remembered in the shared cache) reads the
  primary, so it never reads a record older than its own write;
- any other read goes to a replica that answers and is at most ``DATABASE_REPLICA_MAX_LAG_SECONDS``
  behind (checked at most every ``DATABASE_REPLICA_CHECK_SECONDS`` per process), chosen at random
  among those; with none, to the primary. A replica that fails during a read has the request
  answered again from the primary, and is not asked again until its next check.

Replicas replay the primary's commits in commit order, so the change feed read from one is the
primary's feed up to some number: a reader never misses a change, it only sees it later.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_LAG = (
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL "
    "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias != PRIMARY]


@dataclass
class _Route:
    """Where this request's reads go, and whether a replica failed under it."""

    alias: str = PRIMARY
    failed: bool = False


_route: ContextVar[_Route | None] = ContextVar("detente_read_route", default=None)


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str:
        route = _route.get()
        return route.alias if route is not None else PRIMARY

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, first: Any, second: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


@dataclass
class _Health:
    checked: float = 0.0
    usable: bool = False
    lag: float | None = None
    error: str = ""


@dataclass
class ReplicaHealth:
    """Each replica's last check, shared by the process's threads."""

    checks: dict[str, _Health] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, alias: str) -> _Health:
        """Ask the replica how far behind it is (at most once per check period)."""
        with self.lock:
            known = self.checks.get(alias)
        if known is not None:
            # A replica that failed is left alone longer: each try may wait for its timeout.
            period = settings.REPLICA_CHECK_SECONDS * (1 if known.lag is not None else 5)
            if time.monotonic() - known.checked < period:
                return known
        found = _Health(checked=time.monotonic())
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute(_LAG)
                (lag,) = cursor.fetchone()
            found.lag = None if lag is None else float(lag)
            found.usable = found.lag is not None and found.lag <= settings.REPLICA_MAX_LAG_SECONDS
            found.error = "" if found.lag is not None else "not in recovery: not a replica"
        except DatabaseError as error:
            connections[alias].close()
            found.error = str(error).strip().splitlines()[0] if str(error).strip() else "error"
        with self.lock:
            self.checks[alias] = found
        return found

    def mark_failed(self, alias: str, error: str) -> None:
        with self.lock:
            self.checks[alias] = _Health(checked=time.monotonic(), error=error)

    def usable(self) -> list[str]:
        return [alias for alias in replica_aliases() if self.check(alias).usable]


HEALTH = ReplicaHealth()


def _writer_key(request: HttpRequest) -> str | None:
    """Who is asking, by their credentials (never stored as they are)."""
    credentials = request.headers.get("Authorization") or request.COOKIES.get(
        settings.SESSION_COOKIE_NAME
    )
    if not credentials:
        return None
    return "detente:wrote:" + hashlib.sha256(credentials.encode()).hexdigest()


def read_alias(request: HttpRequest) -> str:
    """Where a request's reads go."""
    if request.method not in SAFE_METHODS:
        return PRIMARY
    key = _writer_key(request)
    if key is not None and cache.get(key) is not None:
        return PRIMARY
    usable = HEALTH.usable()
    return random.choice(usable) if usable else PRIMARY


def database_failed() -> None:
    """Called where a database error is answered: a replica that failed gets its request
    answered again from the primary."""
    route = _route.get()
    if route is not None and route.alias != PRIMARY:
        route.failed = True


class ReplicaRoutingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_aliases():
            return self.get_response(request)
        route = _Route(read_alias(request))
        token = _route.set(route)
        try:
            response = self.get_response(request)
        finally:
            _route.reset(token)
        if route.failed:
            HEALTH.mark_failed(route.alias, "failed during a read")
            primary = _route.set(_Route(PRIMARY))
            try:
                response = self.get_response(request)
            finally:
                _route.reset(primary)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            key = _writer_key(request)
            if key is not None:
                cache.set(key, time.time(), settings.READ_YOUR_WRITES_SECONDS)
        return response


def status() -> dict[str, dict[str, Any]]:
    """Each replica's state, for ``/readyz``."""
    report: dict[str, dict[str, Any]] = {}
    for alias in replica_aliases():
        health = HEALTH.check(alias)
        report[alias] = {
            "usable": health.usable,
            "lag_seconds": None if health.lag is None else round(health.lag, 3),
            **({"error": health.error} if health.error else {}),
        }
    return report
