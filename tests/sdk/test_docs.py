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
        "### Searching",
        "### Counting: facets",
        "### Who held a post when",
        "### The server's export, streamed",
        "### Contacts and statements in one timeline",
        "### The network of officials",
        "### The whole dataset",
        "### Staying in sync: the change feed",
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
    assert "7 maintain [close communications]." in output  # the search, its words marked
    assert "A quote mark" in output  # the malformed search
    assert "{None: 7, '2024': 5}" in output  # the facets
    assert "['Chung Jae-ho', 'Xing Haiming']" in output  # officials at a date
    assert "Lee Jung-il — Director of the North Korea Department" in output
    assert "Yoon Suk-yeol — Li Qiang 1" in output  # the network
    saved = (tmp_path / "north-korea.csv").read_bytes()
    assert saved.startswith(b"\xef\xbb\xbf")  # bom=True: the byte order mark Excel reads
    north_korea = saved.decode("utf-8-sig").splitlines()
    assert north_korea[0].startswith("id,url,version,")
    assert len(north_korea) > 2
    assert (tmp_path / "network.graphml").read_text(encoding="utf-8").startswith("<?xml")
    dataset = (tmp_path / "detente-export.ndjson").read_text(encoding="utf-8").splitlines()
    assert '"format":"detente-export"' in dataset[0]
    assert "synced True True" in output
    assert (tmp_path / "detente.sqlite3").stat().st_size > 0


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
        if "-o" in words:  # written to the file named, nothing on standard output
            assert out.getvalue() == "", command
            assert (tmp_path / words[words.index("-o") + 1]).stat().st_size > 0, command
        else:
            assert out.getvalue(), command
        if target:
            (tmp_path / target).write_text(out.getvalue(), encoding="utf-8")
    assert (tmp_path / "statements.csv").read_text(encoding="utf-8").startswith("id,url,")
    exported = (tmp_path / "statements-kr.csv").read_text(encoding="utf-8")
    assert exported.startswith("id,url,version,created_at,updated_at,text,kind,language,speaker_id")
    assert (tmp_path / "contacts-kr.ndjson").read_text(encoding="utf-8").startswith('{"id":')
    assert "<graphml" in (tmp_path / "network.graphml").read_text(encoding="utf-8")
    copied = (tmp_path / "detente-copy.ndjson").read_text(encoding="utf-8")
    assert copied.startswith('{"contacts":')
