"""Probes, problem+json errors, and a 503 with Retry-After when the database is unreachable."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
from django.conf import settings

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
