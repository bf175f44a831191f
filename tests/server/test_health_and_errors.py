"""Probes, problem+json errors, and a 503 with Retry-After when the database is unreachable."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings
from django.db.migrations.recorder import MigrationRecorder

from tests.serving import call, gunicorn, seeded_database

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_readyz_is_not_ready_while_a_migration_is_not_applied(client):
    MigrationRecorder.Migration.objects.filter(app="diplomacy").order_by("-id")[:1].get().delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "migrate" in response.json()["detail"]


PROBE = """
import json, django
django.setup()
from django.test import Client
response = Client().get("/readyz")
print(json.dumps([response.status_code, response.get("Retry-After"), response.json()["detail"]]))
"""


def _probe(database_url: str) -> list[Any]:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "server.settings",
    }
    completed = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_readyz_is_not_ready_without_the_sqlite_file_and_does_not_create_it(tmp_path):
    missing = tmp_path / "gone.sqlite3"
    status, retry_after, detail = _probe(f"sqlite:///{missing}")
    assert (status, retry_after) == (503, "5")
    assert "missing" in detail
    assert not missing.exists()


def test_readyz_is_not_ready_on_an_empty_database(tmp_path):
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    status, retry_after, _detail = _probe(f"sqlite:///{empty}")
    assert (status, retry_after) == (503, "5")


def test_probes_refuse_writes(client):
    assert client.post("/healthz").status_code == 405


def test_unknown_path_is_a_404_problem(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail"}
    assert body["status"] == 404
    assert "/api/v1/no-such-thing/" in body["detail"]


def test_validation_problem_has_every_member(api):
    body = api.get("/api/v1/statements/", {"bogus": "1"}).json()
    assert set(body) == {"type", "title", "status", "detail", "errors"}
    assert body["type"].startswith("https://")
    assert body["title"] == "Invalid request"


def test_method_not_allowed_is_a_problem_with_allow(client, admin_user):
    client.force_login(admin_user)
    response = client.delete("/api/v1/officials/")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert "GET" in response["Allow"]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


UNREACHABLE = """
import json, django
django.setup()
from django.test import Client
client = Client()
results = {}
for path in ("/readyz", "/api/v1/statements/", "/healthz"):
    response = client.get(path)
    results[path] = [response.status_code, response.get("Retry-After"), response["Content-Type"]]
print(json.dumps(results))
"""


def test_an_unreachable_database_gives_503_with_retry_after():
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://nobody:secret@127.0.0.1:{_closed_port()}/nothing",
        "DJANGO_SETTINGS_MODULE": "server.settings",
    }
    completed = subprocess.run(
        [sys.executable, "-c", UNREACHABLE],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    results = json.loads(completed.stdout.strip().splitlines()[-1])
    assert results["/readyz"][:2] == [503, "5"]
    assert results["/readyz"][2] == "application/problem+json"
    assert results["/api/v1/statements/"][:2] == [503, "5"]
    assert results["/api/v1/statements/"][2] == "application/problem+json"
    assert results["/healthz"][0] == 200


# Every endpoint, streamed ones included, against a real gunicorn whose database is unreachable:
# a streamed answer's first query runs before its status is sent.
UNREACHABLE_PATHS = [
    "/readyz",
    "/api/v1/statements/",
    "/api/v1/statements/7/",
    "/api/v1/statements/?format=csv",
    "/api/v1/contacts/?format=ndjson",
    "/api/v1/export/",
    "/api/v1/network/?format=graphml",
    "/api/v1/network/",
    "/api/v1/timeline/",
]


@pytest.fixture(scope="module")
def server_without_its_database():
    url = f"postgres://nobody:secret@127.0.0.1:{_closed_port()}/nothing"
    with gunicorn(url) as base:
        yield base


@pytest.mark.parametrize("path", UNREACHABLE_PATHS)
def test_the_server_answers_503_problems_while_its_database_is_unreachable(
    server_without_its_database, path
):
    answer = call(server_without_its_database, path)
    assert answer.status == 503, answer.body[:300]
    assert answer.headers["retry-after"] == "5"
    assert answer.headers["content-type"] == "application/problem+json"
    assert json.loads(answer.body)["status"] == 503


def test_a_signed_in_admin_page_while_the_database_is_unreachable_is_a_503(
    server_without_its_database,
):
    # The session is read by a middleware, before any view: Django's error handler answers.
    answer = call(
        server_without_its_database, "/admin/", headers={"Cookie": "sessionid=" + "x" * 32}
    )
    assert answer.status == 503
    assert answer.headers["retry-after"] == "5"
    assert answer.headers["content-type"] == "application/problem+json"


def test_a_write_while_the_database_is_unreachable_is_a_503(server_without_its_database):
    answer = call(
        server_without_its_database,
        "/api/v1/sources/",
        method="POST",
        headers={"Authorization": "Token " + "a" * 64, "Content-Type": "application/json"},
        body=b"{}",
    )
    assert answer.status == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert call(server_without_its_database, "/healthz").status == 200


def test_readyz_says_so_when_the_sqlite_file_goes_away_under_a_running_server(tmp_path):
    url = seeded_database(tmp_path)
    with gunicorn(url) as base:
        assert call(base, "/readyz").status == 200
        assert call(base, "/api/v1/statements/").status == 200
        (tmp_path / "db.sqlite3").unlink()
        answer = call(base, "/readyz")
    assert answer.status == 503
    assert "missing" in json.loads(answer.body)["detail"]
    assert not (tmp_path / "db.sqlite3").exists()


def test_every_response_carries_a_request_id(client):
    first = client.get("/api/v1/officials/")
    second = client.get("/api/v1/no-such-thing/")
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_request_id_from_a_proxy_is_kept_and_a_bad_one_replaced(client):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-1234abcd")
    assert kept["X-Request-ID"] == "proxy-1234abcd"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")
    assert replaced["X-Request-ID"] != "<script>"
