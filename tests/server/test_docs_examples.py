"""The curl examples of docs/api.md run against a live server and answer what the guide shows."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

GUIDE = Path(settings.BASE_DIR) / "docs" / "api.md"
DOCUMENTED_BASE = "http://127.0.0.1:8000"
EXAMPLE = re.compile(r"```sh\n(?P<command>.*?)```\n```http\n(?P<response>.*?)```", re.DOTALL)
MARKER = "@@example"


def examples() -> list[tuple[str, list[str]]]:
    found = []
    for match in EXAMPLE.finditer(GUIDE.read_text(encoding="utf-8")):
        head = match["response"].split("\n\n")[0]
        found.append((match["command"], [line for line in head.splitlines() if line.strip()]))
    return found


def test_the_guide_has_examples_for_every_write_feature():
    commands = " ".join(command for command, _ in examples())
    for feature in (
        "-X POST",
        "-X PATCH",
        "If-Match",
        "If-None-Match",
        "history/",
        "as_of",
        "restore/",
        "-X DELETE",
    ):
        assert feature in commands, feature


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_guides_curl_examples_answer_as_documented(live_server):
    call_command("seed", "--if-empty", verbosity=0)
    token_output = io.StringIO()
    call_command("createtoken", "alice", "--curator", stdout=token_output, stderr=io.StringIO())
    script = "set -u\n" + "".join(f"echo {MARKER}\n{command}\necho\n" for command, _ in examples())
    completed = subprocess.run(
        ["bash", "-c", script],
        env={
            "BASE": live_server.url,
            "TOKEN": token_output.getvalue().strip(),
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    outputs = completed.stdout.split(MARKER + "\n")[1:]
    assert len(outputs) == len(examples())
    for (command, expected), output in zip(examples(), outputs, strict=True):
        lines = [line.rstrip("\r") for line in output.splitlines()]
        assert lines[0] == expected[0], f"{command}\n→ {lines[0]}"
        headers = {line.lower() for line in lines[1:] if ":" in line}
        for header in expected[1:]:
            wanted = header.replace(DOCUMENTED_BASE, live_server.url).lower()
            assert wanted in headers, f"{command}\nmissing {header}"
