"""`seed` loads the article once, and the production stack (gunicorn + whitenoise) serves it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from server.diplomacy.models import Citation, Contact, Official, Participant, Source, Statement

pytestmark = pytest.mark.django_db


def test_seed_if_empty_leaves_an_existing_database_alone():
    before = Statement.objects.count()
    out = StringIO()
    call_command("seed", "--if-empty", stdout=out)
    assert "nothing loaded" in out.getvalue()
    assert Statement.objects.count() == before


def test_seed_if_empty_loads_an_empty_database():
    expected = {model: model.objects.count() for model in (Official, Contact, Statement, Source)}
    Citation.objects.all().delete()
    Statement.objects.all().delete()
    Participant.objects.all().delete()
    Contact.objects.all().delete()
    Official.objects.all().delete()
    Source.objects.all().delete()
    call_command("seed", "--if-empty", stdout=StringIO())
    assert {model: model.objects.count() for model in expected} == expected


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


@pytest.fixture
def production_server(tmp_path: Path):
    """The stack `make run` starts: migrate, seed, collectstatic, gunicorn; DEBUG off."""
    port = _free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_DEBUG": "false",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    manage = [sys.executable, "manage.py"]
    for command in (
        ["migrate", "-v0"],
        ["seed", "--if-empty"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run(
            manage + command,
            cwd=settings.BASE_DIR,
            env=environment,
            check=True,
            capture_output=True,
            timeout=120,
        )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "server.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(base + "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_production_stack_serves_the_article_and_static_files(production_server):
    status, body = _get(production_server + "/api/v1/officials/?country=CN")
    assert status == 200
    assert b"Xi Jinping" in body
    status, page = _get(production_server + "/admin/login/")
    assert status == 200
    stylesheet = next(
        line.split('href="')[1].split('"')[0]
        for line in page.decode().splitlines()
        if 'rel="stylesheet"' in line
    )
    assert stylesheet.startswith("/static/admin/css/")
    status, css = _get(production_server + stylesheet)
    assert status == 200
    assert len(css) > 100
    status, _ = _get(production_server + "/readyz")
    assert status == 200
