"""OWASP API8 (2023): security misconfiguration.

Production settings pass Django's deployment checks, and every response carries the security
headers, with a content security policy on the admin and the documentation pages.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_HTTPS": "true",
    "DJANGO_REQUIRE_SECRET_KEY": "true",
    "DJANGO_SECRET_KEY": "k7Qm2vX9pL4tR8wZ1cF6hJ3nB5sD0gY-uE_aI!oP@eT#rW$qS%",
    "DJANGO_ALLOWED_HOSTS": "detente.example",
}


def manage(*arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checks():
    completed = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert completed.returncode == 0, completed.stderr + completed.stdout


def test_production_refuses_to_start_without_a_secret_key():
    environment = {**PRODUCTION, "DJANGO_SECRET_KEY": ""}
    completed = manage("check", **environment)
    assert completed.returncode != 0
    assert "DJANGO_SECRET_KEY" in completed.stderr


@pytest.mark.parametrize(
    ("proxies", "forwarded_https"),
    [
        # The test client's requests come from 127.0.0.1: the TLS proxy, when trusted.
        ("127.0.0.1", "200"),
        # Any other peer's X-Forwarded-Proto is its own claim, not the proxy's: still redirected.
        ("", "301"),
    ],
)
def test_plain_http_is_redirected_in_production_except_for_the_probes(proxies, forwarded_https):
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client(HTTP_HOST='detente.example')\n"
        "https = c.get('/api/v1/', HTTP_X_FORWARDED_PROTO='https')\n"
        "print(c.get('/api/v1/').status_code, c.get('/healthz').status_code,"
        " https.status_code, https.get('Strict-Transport-Security'), sep='|')\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            **PRODUCTION,
            "DETENTE_TRUSTED_PROXIES": proxies,
            "DJANGO_SETTINGS_MODULE": "server.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    redirected, probe, status, hsts = completed.stdout.strip().splitlines()[-1].split("|")
    assert redirected == "301"
    assert probe == "200"
    assert status == forwarded_https
    if forwarded_https == "200":
        assert "max-age=31536000" in hsts


PAGES = [
    "/api/v1/",
    "/api/v1/statements/",
    "/api/v1/statements/1/",
    "/api/v1/no-such-thing/",
    "/api/v1/statements/?bogus=1",
    "/healthz",
    "/admin/login/",
    "/api/v1/docs/",
    "/api/v1/redoc/",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-eval" not in policy


@pytest.mark.parametrize("path", ["/admin/login/", "/api/v1/docs/", "/api/v1/redoc/"])
def test_the_admin_and_docs_pages_run_no_inline_script(client, path):
    html = client.get(path).content.decode()
    for tag in html.split("<script")[1:]:
        opening = tag.split(">", 1)[0]
        assert "src=" in opening or 'type="application/json"' in opening, opening
