"""The curl examples of docs/api.md run against a live server and answer what the guide shows."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

GUIDE = Path(settings.BASE_DIR) / "docs" / "api.md"
DOCUMENTED_BASE = "http://127.0.0.1:8000"
EXAMPLE = re.compile(r"```sh\n(?P<command>.*?)```\n```http\n(?P<response>.*?)```", re.DOTALL)
STATEMENT_PATH = re.compile(r"/statements/\d+/")
MARKER = "@@example"

Example = tuple[str, list[str]]


def examples() -> list[Example]:
    """Each shell example with the status line and headers the guide shows after it."""
    found = []
    for match in EXAMPLE.finditer(GUIDE.read_text(encoding="utf-8")):
        head = match["response"].split("\n\n")[0]
        found.append((match["command"], [line for line in head.splitlines() if line.strip()]))
    return found


def run_examples(commands: list[str], environment: dict[str, str]) -> list[str]:
    """Run the commands in one shell, in order, and return what each printed."""
    script = "set -u\n" + "".join(f"echo {MARKER}\n{command}\necho\n" for command in commands)
    # Downloads (curl -o) land in a scratch folder, not in the checkout.
    with tempfile.TemporaryDirectory() as workdir:
        completed = subprocess.run(
            ["bash", "-c", script],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            cwd=workdir,
        )
    outputs = completed.stdout.split(MARKER + "\n")[1:]
    assert len(outputs) == len(commands)
    return outputs


def test_the_guide_has_examples_for_every_write_feature():
    commands = " ".join(command for command, _ in examples())
    for feature in ("-X POST", "-X PATCH", "If-Match", "If-None-Match", "history/", "as_of"):
        assert feature in commands, feature
    for feature in ("restore/", "-X DELETE"):
        assert feature in commands, feature


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_guides_curl_examples_answer_as_documented(live_server):
    call_command("seed", "--if-empty", verbosity=0)
    token_output = io.StringIO()
    call_command("createtoken", "alice", "--curator", stdout=token_output, stderr=io.StringIO())
    environment = {
        "BASE": live_server.url,
        "TOKEN": token_output.getvalue().strip(),
        "PATH": "/usr/bin:/bin",
    }
    # The guide's statement is the next one of a fresh database; here ids may have moved on.
    # The reads documented before it (timeline, network) run first, as the guide orders them.
    found = examples()
    first_write = next(i for i, (command, _) in enumerate(found) if "-X POST" in command)
    reads, (create, create_expected), rest = (
        found[:first_write],
        found[first_write],
        found[first_write + 1 :],
    )
    read_outputs = run_examples([command for command, _ in reads], environment)
    [create_output] = run_examples([create], environment)
    created = STATEMENT_PATH.search(create_output)
    assert created, create_output
    rest = [
        (
            STATEMENT_PATH.sub(created[0], command),
            [STATEMENT_PATH.sub(created[0], h) for h in expected],
        )
        for command, expected in rest
    ]
    create_expected = [STATEMENT_PATH.sub(created[0], header) for header in create_expected]
    outputs = [
        *read_outputs,
        create_output,
        *run_examples([command for command, _ in rest], environment),
    ]

    for (command, expected), output in zip(
        [*reads, (create, create_expected), *rest], outputs, strict=True
    ):
        lines = [line.rstrip("\r") for line in output.splitlines()]
        assert lines[0] == expected[0], f"{command}\n→ {lines[0]}"
        headers = {line.lower() for line in lines[1:] if ":" in line}
        for header in expected[1:]:
            wanted = header.replace(DOCUMENTED_BASE, live_server.url).lower()
            assert wanted in headers, f"{command}\nmissing {header}"
