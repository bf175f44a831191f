"""The cookbook (docs/sdk.md) works: its Python and its commands run against a live server."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import shlex
from pathlib import Path

from detente_client.cli import main
from django.conf import settings

from .conftest import LIVE, create_token

GUIDE = Path(settings.BASE_DIR) / "docs" / "sdk.md"
README = Path(settings.BASE_DIR) / "sdk" / "README.md"
DOCUMENTED_BASE = "http://127.0.0.1:8000"
BLOCK = re.compile(r"```(?P<language>python|sh)\n(?P<code>.*?)```", re.DOTALL)


def blocks(path: Path, language: str) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [m["code"] for m in BLOCK.finditer(text) if m["language"] == language]


def test_the_cookbook_covers_what_scripts_need():
    text = GUIDE.read_text(encoding="utf-8")
    for heading in (
        "## Install",
        "### Every statement of one official in 2024",
        "### A timeline of contacts",
        "## Export to CSV",
        "### Adding a statement",
        "### Handling a 412",
        "## Errors",
        "## Retries and timeouts",
    ):
        assert heading in text, heading


@LIVE
def test_the_cookbooks_python_runs(server, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DETENTE_TOKEN", create_token("alice", curator=True))
    namespace: dict[str, object] = {"__name__": "cookbook"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for code in blocks(GUIDE, "python") + blocks(README, "python"):
            exec(compile(code.replace(DOCUMENTED_BASE, server), str(GUIDE), "exec"), namespace)
    output = printed.getvalue()
    assert "2024-10-09" in output  # Yoon Suk-yeol's statement of 9 October 2024
    assert "month 2024-10-01 2024-10-31" in output
    assert "2024-07-26  talks" in output  # the timeline
    assert "said_after" in output
    assert "Li Qiang" in output
    rows = (tmp_path / "statements.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "id,said,speaker,kind,text,sources"
    assert len(rows) > 5
    assert "north-korea" in output  # the 412 recipe added the topic


@LIVE
def test_the_cookbooks_commands_run(server, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DETENTE_URL", server)
    commands = [
        line.strip()
        for code in blocks(GUIDE, "sh") + blocks(README, "sh")
        for line in code.splitlines()
        if line.strip().startswith("detente ")
    ]
    assert len(commands) >= 8
    for command in commands:
        words = shlex.split(command, comments=True)[1:]
        if "--as-of" in words:  # the guide's moment predates this test's records: use now
            now = dt.datetime.now(dt.UTC).isoformat()
            words[words.index("--as-of") + 1] = now
        target = None
        if ">" in words:
            words, target = words[: words.index(">")], words[words.index(">") + 1]
        out = io.StringIO()
        status = main(words, stdout=out, stderr=io.StringIO())
        assert status == 0, command
        assert out.getvalue(), command
        if target:
            (tmp_path / target).write_text(out.getvalue(), encoding="utf-8")
    assert (tmp_path / "statements.csv").read_text(encoding="utf-8").startswith("id,url,")
