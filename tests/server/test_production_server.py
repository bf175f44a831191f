"""The server `make run` starts (gunicorn with server/gunicorn_conf.py) against clients that send
their requests slowly or in chunks."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from tests.serving import call, gunicorn, manage, seeded_database

SOURCE = "/api/v1/sources/2/"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return seeded_database(tmp_path_factory.mktemp("production-db"))


@pytest.fixture(scope="module")
def server(database: str) -> Iterator[str]:
    with gunicorn(database, workers=2) as base:
        yield base


@pytest.fixture(scope="module")
def token(database: str) -> str:
    return manage(database, "createtoken", "chunky", "--curator").strip()


def _half_requests(base: str, count: int) -> list[socket.socket]:
    """Connections that have sent the start of a request, and then nothing."""
    port = int(base.rsplit(":", 1)[1])
    sockets = []
    for _ in range(count):
        half = socket.create_connection(("127.0.0.1", port), timeout=5)
        half.sendall(b"GET /api/v1/sources/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: applic")
        sockets.append(half)
    return sockets


def test_slow_clients_do_not_stall_the_server(server):
    # Twelve half-sent requests: many more than the two processes sync workers would have (each
    # held until its client finishes), fewer than the threads of one worker (16), however the
    # connections fall between the workers.
    held = _half_requests(server, 12)
    try:
        time.sleep(0.5)  # every connection accepted and its first bytes read
        for _ in range(5):
            started = time.monotonic()
            assert call(server, "/healthz", timeout=5).status == 200
            assert time.monotonic() - started < 1
        assert call(server, "/api/v1/officials/", timeout=5).status == 200
    finally:
        for half in held:
            half.close()


def _patch(server: str, token: str, body: bytes, *, chunked: bool):
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    return call(server, SOURCE, method="PATCH", headers=headers, body=body, chunked=chunked)


def _notes(server: str) -> str:
    return str(json.loads(call(server, SOURCE).body)["notes"])


def test_a_chunked_body_is_read_like_any_other(server, token):
    notes = ("Sent in chunks. " * 200).strip()  # 3,199 characters: four chunks
    answer = _patch(server, token, json.dumps({"notes": notes}).encode(), chunked=True)
    assert answer.status == 200, answer.body[:300]
    assert json.loads(answer.body)["notes"] == notes
    assert _notes(server) == notes


def test_a_chunked_body_over_the_limit_is_a_413_and_changes_nothing(database, token):
    with gunicorn(database, environment={"DJANGO_MAX_BODY_BYTES": "2000"}) as small:
        before = _notes(small)
        body = json.dumps({"notes": "x" * 5000}).encode()
        answer = _patch(small, token, body, chunked=True)
        assert answer.status == 413
        assert answer.headers["content-type"] == "application/problem+json"
        assert _notes(small) == before


@pytest.mark.django_db
def test_a_chunked_body_the_server_did_not_take_apart_is_a_411(api):
    # Django's test client, like a server that leaves the chunks to the application.
    response = api.patch(
        SOURCE, b"{}", content_type="application/json", HTTP_TRANSFER_ENCODING="chunked"
    )
    assert response.status_code == 411
    assert response["Content-Type"] == "application/problem+json"
