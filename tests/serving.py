"""Real servers for tests: gunicorn started as ``make run`` starts it, over a test's database.

Each server is a process group of its own on a free loopback port, stopped when the ``with``
block ends; its output is kept in a log file and shown when it fails to start.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def manage(database_url: str, *arguments: str) -> str:
    """``manage.py`` with this database; its output."""
    completed = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    )
    return completed.stdout


def seeded_database(directory: Path) -> str:
    """A SQLite file in ``directory``, migrated and holding the article's data."""
    url = f"sqlite:///{directory / 'db.sqlite3'}"
    manage(url, "migrate", "-v0")
    manage(url, "seed", "--if-empty")
    return url


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


def call(
    base: str,
    path: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    chunked: bool = False,
    timeout: float = 15,
) -> Answer:
    """One request on a connection of its own; any status is an answer. ``chunked`` sends the
    body with ``Transfer-Encoding: chunked``, in parts of at most 1,000 bytes."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    content: Any = body
    if chunked and body is not None:
        content = (body[start : start + 1000] for start in range(0, len(body), 1000))
    try:
        connection.request(
            method, path, body=content, headers=dict(headers or {}), encode_chunked=chunked
        )
        response = connection.getresponse()
        return Answer(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        connection.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@contextmanager
def gunicorn(
    database_url: str,
    *,
    workers: int = 2,
    environment: Mapping[str, str] | None = None,
    ready_path: str = "/healthz",
) -> Iterator[str]:
    """gunicorn with the project's configuration (``server/gunicorn_conf.py``), as ``make run``
    starts it; yields its base URL. Requests are counted in a file of the server's own unless
    ``environment`` names one (``DETENTE_REQUEST_COUNTS``)."""
    port = free_port()
    scratch = Path(tempfile.mkdtemp(prefix="detente-test-gunicorn-"))
    # The machine's REDIS_URL is not the test's: a server uses Redis only when told to.
    variables = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    variables |= {
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DETENTE_REQUEST_COUNTS": str(scratch / "request-counts.sqlite3"),
        "DJANGO_STATIC_ROOT": str(scratch / "static"),
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        **(environment or {}),
    }
    log = scratch / "gunicorn.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(GUNICORN), "--config", "python:server.gunicorn_conf"],
            cwd=settings.BASE_DIR,
            env=variables,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if call(base, ready_path, timeout=5).status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield base
    finally:
        _stop(process)
