"""On SQLite every statement has a time limit too (server/api/time_limits.py): a query past it is
interrupted and the request answered 503 with Retry-After, as PostgreSQL's statement_timeout is
(security/test_timeouts.py)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, connection

from server.api.time_limits import StatementClock, limit_statements
from server.diplomacy.models import Statement

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite time limit"),
]

# Counts to a hundred million, one row at a time: minutes of work.
RUNAWAY = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) "
    "SELECT count(*) FROM n"
)


@pytest.fixture
def time_limit(settings):
    """Sets this connection's limit to ``milliseconds``; the usual one afterwards."""
    connection.ensure_connection()

    def set_limit(milliseconds: float) -> None:
        settings.STATEMENT_TIMEOUT_MS = milliseconds
        limit_statements(None, connection)

    yield set_limit
    settings.STATEMENT_TIMEOUT_MS = 10_000
    limit_statements(None, connection)


def test_every_connection_has_the_configured_limit(settings):
    connection.ensure_connection()
    clocks = [w for w in connection.execute_wrappers if isinstance(w, StatementClock)]
    assert [clock.seconds for clock in clocks] == [settings.STATEMENT_TIMEOUT_MS / 1000]


def test_a_runaway_query_is_interrupted_at_the_limit_and_the_connection_goes_on(time_limit):
    time_limit(200)
    started = time.monotonic()
    with pytest.raises(OperationalError, match="interrupted"), connection.cursor() as cursor:
        cursor.execute(RUNAWAY)
    assert 0.15 < time.monotonic() - started < 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM diplomacy_statement")
        assert cursor.fetchone()[0] == Statement.objects.count()


def test_without_a_limit_nothing_is_interrupted(time_limit):
    time_limit(0)
    with connection.cursor() as cursor:
        cursor.execute(RUNAWAY.replace("100000000", "300000"))
        assert cursor.fetchone() == (300000,)


def test_a_request_whose_query_runs_past_the_limit_is_a_503(api, time_limit):
    Statement.objects.bulk_create(
        Statement(
            text=f"Said {n}.", kind="quote", speaker_label="A ministry", review_state="reviewed"
        )
        for n in range(3000)
    )
    assert api.get("/api/v1/statements/").status_code == 200
    # A microsecond: any statement long enough to be looked at (counting 3,000 rows is) stops.
    time_limit(0.001)
    response = api.get("/api/v1/statements/", {"kind": "quote"})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/statement-timeout")


def test_each_thread_times_its_own_statements():
    # Tests share one in-memory database between the live server's thread and their own.
    clock = StatementClock(10)
    running, release = threading.Event(), threading.Event()

    def slow(*_arguments):
        running.set()
        release.wait(5)

    other = threading.Thread(target=clock, args=(slow, "SELECT 1", None, False, {}))
    other.start()
    running.wait(5)
    assert clock.deadline is None  # this thread runs no statement
    clock(lambda *_arguments: None, "SELECT 1", None, False, {})
    release.set()
    other.join()
    assert clock.deadline is None
    assert not clock.expired()
