"""Reads on a real streaming replica, writes on the primary: a server (gunicorn, as `make run`
starts it) pointed at both by `.ci/replica.sh`, which starts a primary and a replica of it.

The replica's replay is paused to tell the two apart: a read that misses a change just made on
the primary was served by the replica."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

PRIMARY = os.environ.get("DETENTE_TEST_PRIMARY_URL", "")
REPLICA = os.environ.get("DETENTE_TEST_REPLICA_URL", "")
pytestmark = pytest.mark.skipif(
    not (PRIMARY and REPLICA), reason="needs a primary and a replica (.ci/replica.sh)"
)
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MAX_LAG = 3.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": PRIMARY,
        "DATABASE_REPLICA_URLS": REPLICA,
        "DATABASE_REPLICA_MAX_LAG_SECONDS": str(MAX_LAG),
        "DATABASE_REPLICA_CHECK_SECONDS": "0.1",
        "DATABASE_CONN_MAX_AGE": "0",
    }


def manage(*arguments: str) -> str:
    done = subprocess.run(
        [str(BIN / "python"), "manage.py", *arguments],
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return done.stdout.strip()


def sql(url: str, statement: str, *parameters: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(statement, parameters or None)
        return cursor.fetchall() if cursor.description else []


def replica_caught_up() -> None:
    """Commit something now on the primary and wait until the replica has replayed it, so the
    replica's last replayed commit is recent (its lag is measured from it)."""
    sql(PRIMARY, "SELECT pg_switch_wal()")
    sql(PRIMARY, "UPDATE diplomacy_changesequence SET last = last")
    (target,) = sql(PRIMARY, "SELECT pg_current_wal_lsn()")[0]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        (replayed,) = sql(REPLICA, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", target)[0]
        if replayed:
            return
        time.sleep(0.05)
    raise AssertionError("the replica did not catch up")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    manage("migrate", "--noinput", "-v0")
    manage("seed", "--if-empty", "-v0")
    port = free_port()
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "server.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment(),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{url}/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        sql(REPLICA, "SELECT pg_wal_replay_resume()")


@pytest.fixture(scope="module")
def token(server: str) -> str:
    return manage("createtoken", "router-curator", "--curator")


@pytest.fixture
def paused(server: str) -> Iterator[None]:
    """The replica caught up, then its replay paused: it is behind from the next commit on."""
    replica_caught_up()
    sql(REPLICA, "SELECT pg_wal_replay_pause()")
    time.sleep(0.3)  # past the server's health check period
    try:
        yield
    finally:
        sql(REPLICA, "SELECT pg_wal_replay_resume()")


def official_name(server: str, **headers: str) -> str:
    response = requests.get(f"{server}/api/v1/officials/1/", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return str(response.json()["name"])


def rename_on_the_primary(name: str) -> None:
    sql(PRIMARY, "UPDATE diplomacy_official SET name = %s WHERE id = 1", name)


def test_anonymous_reads_land_on_the_replica_until_it_lags_too_far(server, paused):
    before = official_name(server)
    rename_on_the_primary(before + " (on the primary)")
    # Within the lag bound, the replica answers, without the change.
    assert official_name(server) == before
    time.sleep(MAX_LAG + 0.5)
    # Beyond it, the replica is skipped: the primary answers.
    assert official_name(server) == before + " (on the primary)"
    rename_on_the_primary(before)


def test_a_curator_reads_their_own_write_at_once(server, token, paused):
    auth = {"Authorization": f"Token {token}"}
    response = requests.patch(
        f"{server}/api/v1/officials/1/",
        json={"notes": "Written by the router's test."},
        headers=auth,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    shown = requests.get(f"{server}/api/v1/officials/1/", headers=auth, timeout=10).json()
    assert shown["notes"] == "Written by the router's test."
    history = requests.get(f"{server}/api/v1/officials/1/history/", headers=auth, timeout=10)
    assert history.json()["results"][-1]["version"] == shown["version"]
    query: dict[str, str | int] = {"resource": "officials", "after": 0, "limit": 1000}
    feed = requests.get(
        f"{server}/api/v1/changes/",
        params=query,
        headers=auth,
        timeout=10,
    ).json()
    assert feed["results"][-1]["version"] == shown["version"]
    # An anonymous reader is served by the replica, which has not replayed the write yet.
    anonymous = requests.get(f"{server}/api/v1/officials/1/", timeout=10).json()
    assert anonymous["notes"] != "Written by the router's test."


def test_readyz_reports_each_database(server):
    replica_caught_up()
    time.sleep(0.3)
    response = requests.get(f"{server}/readyz", timeout=10)
    assert response.status_code == 200
    replicas = response.json()["replicas"]
    assert replicas["replica1"]["usable"] is True
    assert replicas["replica1"]["lag_seconds"] <= MAX_LAG


def test_a_stopped_replica_is_skipped_without_an_error(server):
    replica_caught_up()
    pg_ctl = Path(os.environ["DETENTE_TEST_PG_BIN"]) / "pg_ctl"
    data = os.environ["DETENTE_TEST_REPLICA_DATA"]
    stop = f"'{pg_ctl}' -D '{data}' -m immediate -w stop"
    subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", stop], check=True, timeout=60)
    try:
        for _ in range(5):  # at once, and again while it stays down
            response = requests.get(f"{server}/api/v1/statements/", timeout=10)
            assert response.status_code == 200, response.text
        ready = requests.get(f"{server}/readyz", timeout=10)
        assert ready.status_code == 200
        assert ready.json()["replicas"]["replica1"]["usable"] is False
    finally:
        sockets = os.environ["DETENTE_TEST_PG_SOCKETS"]
        port = os.environ["DETENTE_TEST_REPLICA_PORT"]
        start = (
            f"'{pg_ctl}' -D '{data}' -l '{data}.log' -o \"-c listen_addresses=127.0.0.1 "
            f"-p {port} -k '{sockets}' -c hot_standby=on\" -w start"
        )
        subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", start], check=True, timeout=60)
