"""A time limit on every SQLite statement, as PostgreSQL's ``statement_timeout`` gives the other
database (``DATABASE_STATEMENT_TIMEOUT_MS``, 10 s by default).

SQLite has no such setting, but calls a progress handler every few thousand steps of its virtual
machine, and aborts the statement when the handler says so: the query fails with
``OperationalError: interrupted``, and the request is answered 503 like a cancelled PostgreSQL
statement (``server/api/errors.py``), its transaction rolled back. The clock starts when a
statement is sent and stops when ``execute`` returns, which for a query is once its first row is
found: the time a runaway query costs (a sort or a scan of everything before the first row)
is spent there. Rows fetched afterwards, a chunk at a time as an export reads them, each cost
little and are not timed; a wait for another writer's lock is bounded by the SQLite ``timeout``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

# Virtual machine steps between two looks at the clock: about a tenth of a millisecond.
STEPS = 1000


class StatementClock(threading.local):
    """An ``execute_wrapper`` that times each statement, and the progress handler that stops it.

    The deadline is the calling thread's: a connection is used by one thread at a time, except
    where tests share one in-memory database between threads (the live server's)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline: float | None = None

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        outer = self.deadline
        if outer is None:
            self.deadline = time.monotonic() + self.seconds
        try:
            return execute(sql, params, many, context)
        finally:
            self.deadline = outer

    def expired(self) -> int:
        deadline = self.deadline
        return int(deadline is not None and time.monotonic() > deadline)


def limit_statements(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``connection_created``: every new SQLite connection gets the time limit."""
    if connection.vendor != "sqlite":
        return
    milliseconds = settings.STATEMENT_TIMEOUT_MS
    # A connection object outlives its database connections: one clock, replaced on reconnect.
    connection.execute_wrappers[:] = [
        wrapper
        for wrapper in connection.execute_wrappers
        if not isinstance(wrapper, StatementClock)
    ]
    if milliseconds <= 0:
        connection.connection.set_progress_handler(None, 0)
        return
    clock = StatementClock(milliseconds / 1000)
    connection.execute_wrappers.append(clock)
    connection.connection.set_progress_handler(clock.expired, STEPS)
