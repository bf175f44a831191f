"""With REDIS_URL, every worker of every app server counts a client's requests in one place.

The servers are real: gunicorn processes over one migrated and seeded SQLite file, and Debian's
redis-server on a free loopback port, started here and stopped at the end. Without redis-server
these tests are skipped locally; CI installs it (.ci/run), and there a missing one is a failure.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache, caches

from tests.server.processes import numbers_printed_by
from tests.serving import call, gunicorn, seeded_database

RATE = "5/minute"
ALLOWED = 5
# An address's counts, under the cache's prefix and version, one key per window.
RATE_KEYS = "detente:1:rate:address:127.0.0.1:*"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_server() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        reason = "redis-server is not installed (Debian: apt-get install redis-server)"
        if os.environ.get("CI"):
            pytest.fail(reason + "; .ci/run should have installed it")
        pytest.skip(reason)
    return binary


def _start_redis(binary: str, directory: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(directory),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return process
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.05)
        finally:
            client.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    binary = _redis_server()
    port = _free_port()
    process = _start_redis(binary, tmp_path_factory.mktemp("redis"), port)
    try:
        yield port
    finally:
        _stop(process)


@pytest.fixture
def redis_client(redis_port: int) -> Iterator[redis.Redis]:
    client = redis.Redis(host="127.0.0.1", port=redis_port, socket_timeout=1)
    # Each test starts with no request counted.
    client.flushdb()
    yield client
    client.close()


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One SQLite file, migrated and seeded, that every server of a test shares."""
    return seeded_database(tmp_path_factory.mktemp("shared-db"))


def _status(base: str) -> int:
    return call(base, "/api/v1/officials/", headers={"Accept": "application/json"}).status


@pytest.fixture
def app_servers(database: str) -> Iterator[Callable[..., list[str]]]:
    """Starts gunicorn servers over the shared database; all of them are stopped afterwards.
    Without Redis each counts in a file of its own, as servers on separate machines do."""
    with ExitStack() as servers:

        def start(count: int, *, workers: int, redis_url: str | None) -> list[str]:
            environment = {"DETENTE_THROTTLE_ANON": RATE}
            if redis_url is not None:
                environment["REDIS_URL"] = redis_url
            return [
                servers.enter_context(gunicorn(database, workers=workers, environment=environment))
                for _ in range(count)
            ]

        yield start


def _rate_keys(client: redis.Redis) -> list[bytes]:
    return sorted(client.scan_iter(match=RATE_KEYS))


def test_two_servers_of_two_workers_each_count_one_clients_requests_together(
    app_servers, redis_port, redis_client
):
    first, second = app_servers(2, workers=2, redis_url=f"redis://127.0.0.1:{redis_port}/0")
    alternating = [_status((first, second)[index % 2]) for index in range(ALLOWED + 1)]
    assert alternating == [200] * ALLOWED + [429]
    assert _status(first) == 429
    # The count is in Redis, under the deployment's prefix, one key per window of the rate's
    # period, kept for two periods (while it may weigh in the next window); the refused
    # requests were taken back off it.
    keys = _rate_keys(redis_client)
    assert len(keys) in (1, 2)  # two if a minute turned during the test
    assert sum(int(redis_client.get(key)) for key in keys) == ALLOWED
    assert all(0 < redis_client.ttl(key) <= 120 for key in keys)


def test_without_redis_servers_on_separate_machines_count_on_their_own(app_servers):
    first, second = app_servers(2, workers=1, redis_url=None)
    alternating = [_status((first, second)[index % 2]) for index in range(2 * ALLOWED)]
    assert alternating == [200] * (2 * ALLOWED)
    # Each server has counted its own five and no more.
    assert [_status(first), _status(second)] == [429, 429]


REDIS_COUNTER = """
import sys, django
django.setup()
from django.core.cache import caches
from server.api.rates import RedisCounts
counts, window = RedisCounts(caches["default"]), int(sys.argv[2])
hits = (counts.hit("address:192.0.2.1", window, 60)[0] for _ in range(int(sys.argv[1])))
print(" ".join(str(count) for count in hits))
"""


def test_processes_counting_in_redis_at_once_never_read_the_same_count(redis_port, redis_client):
    processes, hits = 4, 200
    window = int(time.time() // 60)
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "server.settings",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
    }
    seen = numbers_printed_by(REDIS_COUNTER, [str(hits), str(window)], processes, environment)
    assert sorted(seen) == list(range(1, processes * hits + 1))


@pytest.fixture
def low_anonymous_rate(settings) -> None:
    settings.REQUEST_RATES = {"anonymous": RATE, "user": RATE}


def _caches(environment: dict[str, str]) -> dict[str, Any]:
    """CACHES as server/settings.py builds it from this environment."""
    output = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from django.conf import settings; print(json.dumps(settings.CACHES))",
        ],
        cwd=django_settings.BASE_DIR,
        env={**environment, "DJANGO_SETTINGS_MODULE": "server.settings"},
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return json.loads(output)


def test_redis_url_selects_the_shared_cache_and_its_absence_the_per_process_one():
    url = "redis://cache.internal:6379/2"
    environment = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    shared = _caches({**environment, "REDIS_URL": url})["default"]
    assert shared["BACKEND"] == "server.cache.FailOpenRedisCache"
    assert shared["LOCATION"] == url
    assert shared["KEY_PREFIX"] == "detente"
    # A Redis that does not answer must not hold a request for long.
    assert 0 < shared["OPTIONS"]["socket_connect_timeout"] <= 1
    assert 0 < shared["OPTIONS"]["socket_timeout"] <= 1
    local = _caches(environment)["default"]
    assert local["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def _redis_cache(location: str) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "server.cache.FailOpenRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "detente",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.mark.django_db
def test_with_redis_refusing_connections_requests_are_served_unthrottled(
    api, settings, low_anonymous_rate, caplog
):
    settings.CACHES = _redis_cache(f"redis://127.0.0.1:{_free_port()}/0")
    with caplog.at_level(logging.WARNING, logger="server.cache"):
        statuses = [api.get("/api/v1/officials/").status_code for _ in range(ALLOWED + 2)]
    assert statuses == [200] * (ALLOWED + 2)
    # One warning for the outage, not one per request.
    warnings = [record for record in caplog.records if record.name == "server.cache"]
    assert len(warnings) == 1
    assert "Cache unavailable" in warnings[0].getMessage()


@pytest.mark.django_db
def test_a_redis_that_never_answers_costs_one_timeout_not_one_per_request(
    api, settings, low_anonymous_rate
):
    with socket.socket() as silent:
        # Connections are accepted by the kernel and then never answered.
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        settings.CACHES = _redis_cache(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        started = time.monotonic()
        assert api.get("/api/v1/officials/").status_code == 200
        assert time.monotonic() - started < 5
        assert [api.get("/api/v1/officials/").status_code for _ in range(ALLOWED)] == [200] * 5
        silent.setblocking(False)
        connections = 0
        while True:
            try:
                accepted, _ = silent.accept()
            except BlockingIOError:
                break
            accepted.close()
            connections += 1
    assert connections == 1


def test_the_cache_is_used_again_once_redis_is_back(settings, tmp_path):
    binary = _redis_server()
    port = _free_port()
    settings.CACHES = _redis_cache(f"redis://127.0.0.1:{port}/0")
    caches["default"].retry_after = 0.2
    cache.set("greeting", "hello")
    failed = time.monotonic()
    assert cache.get("greeting", "missed") == "missed"
    process = _start_redis(binary, tmp_path, port)
    try:
        time.sleep(max(0.0, failed + 0.3 - time.monotonic()))
        cache.set("greeting", "hello")
        assert cache.get("greeting") == "hello"
    finally:
        _stop(process)
