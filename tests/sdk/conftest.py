"""Fixtures for the SDK's tests: a live server loaded with the article, and clients of it.

Tests that use ``server`` (and the clients built on it) talk HTTP to pytest-django's live server,
which runs in a thread of this process against the test database; they are marked
``django_db(transaction=True, serialized_rollback=True)`` so that the server's thread sees their
data and the database is as the other tests expect afterwards.
"""

from __future__ import annotations

import gc
import io
import threading
import time
from collections.abc import Iterator

import pytest
from detente_client import Client
from django.core.management import call_command

LIVE = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def create_token(username: str, *, curator: bool) -> str:
    out = io.StringIO()
    arguments = [username, "--curator"] if curator else [username]
    call_command("createtoken", *arguments, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


@pytest.fixture
def server(live_server) -> Iterator[str]:
    """The live server's address, with the article's dataset loaded."""
    call_command("seed", "--if-empty", verbosity=0)
    yield str(live_server.url)
    hang_up()


def hang_up() -> None:
    """Close the test's HTTP connections to the live server and wait for its threads to end.

    A client keeps its connection open (keep-alive), and the server's thread serving it keeps a
    database connection open (CONN_MAX_AGE) until it ends, which would stop PostgreSQL from
    dropping the test database at the end of the run. Collecting the test's leftover clients
    closes their sockets; each server thread then closes its database connections and ends.
    """
    gc.collect()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(
        thread.name.endswith("(process_request_thread)") for thread in threading.enumerate()
    ):
        time.sleep(0.01)


@pytest.fixture
def token(server: str) -> str:
    """A curator's token (may add, change and delete records)."""
    return create_token("alice", curator=True)


@pytest.fixture
def reader_token(server: str) -> str:
    """A token of a user without any permission to write."""
    return create_token("bob", curator=False)


@pytest.fixture
def api(server: str) -> Iterator[Client]:
    """An anonymous client: reads only."""
    with Client(server, retries=0) as client:
        yield client


@pytest.fixture
def curator(server: str, token: str) -> Iterator[Client]:
    """A client with a curator's token."""
    with Client(server, token, retries=0) as client:
        yield client
