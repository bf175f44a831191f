"""The ``detente`` command line against a live server: formats, filters, environment, errors."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from detente_client import Client
from detente_client.cli import main

from .conftest import LIVE, create_token


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@LIVE
def test_table_output_has_aligned_columns(server, capsys):
    status, out, err = run(
        capsys, "statements", "list", "--speaker", "xi-jinping", "--base-url", server
    )
    assert (status, err) == (0, "")
    header, rule, *rows = out.splitlines()
    assert header.split() == ["id", "said", "speaker", "kind", "text"]
    assert len(rows) == 3
    starts = [header.index(column) for column in ("speaker", "kind", "text")]
    for row in rows:
        assert row[starts[0] :].startswith("Xi Jinping")
        assert row[starts[1] - 1] == " "
        assert row[starts[1] :].split()[0] in {"quote", "paraphrase"}
    assert set(rule.replace(" ", "")) == {"-"}


@LIVE
def test_json_output_is_one_array_of_full_records(server, capsys):
    status, out, _ = run(
        capsys,
        "statements",
        "list",
        "--speaker",
        "xi-jinping",
        "--format",
        "json",
        "--base-url",
        server,
    )
    assert status == 0
    records = json.loads(out)
    assert isinstance(records, list)
    assert len(records) == 3
    assert {r["speaker"]["slug"] for r in records} == {"xi-jinping"}
    assert all(r["citations"] for r in records)

    status, out, _ = run(capsys, "--format", "json", "--base-url", server, "statements", "get", "7")
    assert status == 0
    record = json.loads(out)
    assert record["id"] == 7
    assert record["said"] == "2024-07-26"


@LIVE
def test_csv_output_flattens_nested_values(server, capsys):
    status, out, _ = run(
        capsys, "contacts", "list", "--country", "LA", "--format", "csv", "--base-url", server
    )
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 1
    (row,) = rows
    assert row["id"] == "5"
    assert row["date"] == "2024-07-26"
    assert row["duration_minutes"] == "40"
    assert "participants" in row
    assert " | " in row["participants"]  # one cell for the list, items separated
    assert "paragraph 8" in row["citations"]

    status, out, _ = run(
        capsys,
        "statements",
        "list",
        "--speaker",
        "li-qiang",
        "--format",
        "csv",
        "--base-url",
        server,
    )
    header = next(csv.reader(io.StringIO(out)))
    assert {"speaker.id", "speaker.slug", "speaker.name", "contact.title", "topics"} <= set(header)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {row["speaker.name"] for row in rows} == {"Li Qiang"}


@LIVE
def test_every_filter_is_an_option(server, capsys):
    status, out, _ = run(
        capsys,
        "contacts",
        "list",
        "--date-after",
        "2024-07",
        "--limit",
        "5",
        "--format",
        "json",
        "--base-url",
        server,
    )
    assert status == 0
    contacts = json.loads(out)
    assert 0 < len(contacts) <= 5
    assert 5 in {c["id"] for c in contacts}

    status, out, _ = run(
        capsys,
        "officials",
        "list",
        "--country",
        "KR",
        "--country",
        "cn",
        "--format",
        "json",
        "--base-url",
        server,
    )
    assert {o["country"] for o in json.loads(out)} == {"KR", "CN"}

    status, out, _ = run(
        capsys,
        "statements",
        "list",
        "--said-after",
        "2024-06",
        "--said-before",
        "2024-06",
        "--kind",
        "quote",
        "--ordering",
        "-id",
        "--format",
        "json",
        "--base-url",
        server,
    )
    assert [s["id"] for s in json.loads(out)] == [8]

    status, out, _ = run(
        capsys,
        "statements",
        "list",
        "--limit",
        "3",
        "--offset",
        "2",
        "--format",
        "json",
        "--base-url",
        server,
    )
    assert len(json.loads(out)) == 3
    status, out, _ = run(
        capsys,
        "statements",
        "list",
        "--q",
        "close communications",
        "--format",
        "json",
        "--base-url",
        server,
    )
    assert [s["id"] for s in json.loads(out)] == [7]
    status, out, _ = run(
        capsys,
        "sources",
        "list",
        "--kind",
        "column",
        "--kind",
        "interview",
        "--format",
        "csv",
        "--base-url",
        server,
    )
    assert len(out.splitlines()) == 3


@LIVE
def test_history_and_as_of(server, capsys):
    status, out, _ = run(capsys, "statements", "history", "7", "--base-url", server)
    assert status == 0
    assert out.splitlines()[0].split() == ["version", "time", "user", "type", "changes"]
    assert "created" in out.splitlines()[2]
    status, _, err = run(
        capsys, "statements", "get", "7", "--as-of", "2000-01-01T00:00:00Z", "--base-url", server
    )
    assert status == 1
    assert "404" in err


@LIVE
def test_the_server_and_token_come_from_the_environment(server, capsys, monkeypatch):
    monkeypatch.setenv("DETENTE_URL", server)
    status, out, _ = run(capsys, "officials", "get", "3")
    assert status == 0
    assert "Li Qiang" in out
    assert "name " in out  # one line per field

    monkeypatch.setenv("DETENTE_TOKEN", "not-a-valid-token")
    status, _, err = run(capsys, "officials", "get", "3")
    assert status == 1
    assert "401" in err  # the token was sent, and refused

    monkeypatch.setenv("DETENTE_TOKEN", create_token("alice", curator=True))
    assert run(capsys, "officials", "get", "3")[0] == 0
    # An option wins over the environment.
    monkeypatch.setenv("DETENTE_URL", "http://127.0.0.1:9")
    assert run(capsys, "officials", "get", "3", "--base-url", server)[0] == 0


@LIVE
def test_api_errors_exit_1_with_the_problem_on_stderr(server, capsys):
    status, out, err = run(capsys, "statements", "get", "99999", "--base-url", server)
    assert (status, out) == (1, "")
    assert err.startswith("detente: error: 404")
    status, _, err = run(capsys, "statements", "list", "--ordering", "colour", "--base-url", server)
    assert status == 1
    assert "400" in err
    assert "  ordering: Cannot order by colour" in err


def test_connection_failures_exit_1(capsys):
    status, _, err = run(
        capsys, "statements", "list", "--base-url", "http://127.0.0.1:9", "--retries", "0"
    )
    assert status == 1
    assert "Connection refused" in err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["statements"],
        ["statements", "list", "--spekaer", "x"],
        ["statements", "list", "--said-after", "2024-13"],
        ["statements", "list", "--kind", "rumour"],
        ["statements", "get", "seven"],
        ["statements", "list", "--format", "xml"],
        ["statements", "list", "--limit", "0"],
        ["treaties", "list"],
    ],
)
def test_usage_errors_exit_2(capsys, argv):
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert "usage:" in err
    assert "error:" in err


def test_help_and_version(capsys):
    status, out, _ = run(capsys, "statements", "list", "--help")
    assert status == 0
    for option in (
        "--speaker",
        "--said-after",
        "--country",
        "--topic",
        "--q",
        "--ordering",
        "--format",
        "--base-url",
        "--token",
    ):
        assert option in out
    status, out, _ = run(capsys, "--version")
    assert status == 0
    assert out.startswith("detente ")


@LIVE
def test_the_installed_command_runs_as_a_subprocess(server):
    script = Path(sys.executable).with_name("detente")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "detente_client"]
    completed = subprocess.run(
        [*command, "statements", "get", "4", "--format", "json"],
        env={**os.environ, "DETENTE_URL": server, "DETENTE_TOKEN": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["text"] == "go beyond the bilateral agenda"
    assert shutil.which(command[0]) or command[0] == sys.executable


@LIVE
def test_a_curator_reads_a_draft_with_review(server, capsys):
    token = create_token("reviewing-curator", curator=True)
    with Client(server, token) as api:
        draft = api.statements.create(
            text="A draft for the command line.",
            kind="paraphrase",
            speaker_label="An office",
            citations=[{"source": 1, "excerpt": "Contacts between top officials"}],
        )
    status, _, err = run(capsys, "statements", "get", str(draft.id), "--base-url", server)
    assert status == 1
    assert "404" in err
    status, out, _ = run(
        capsys,
        "statements",
        "get",
        str(draft.id),
        "--review",
        "all",
        "--base-url",
        server,
        "--token",
        token,
    )
    assert status == 0
    assert "A draft for the command line." in out
    status, out, _ = run(
        capsys,
        "statements",
        "history",
        str(draft.id),
        "--review",
        "draft",
        "--base-url",
        server,
        "--token",
        token,
    )
    assert status == 0
    assert "created" in out
    status, _, err = run(capsys, "sources", "get", "1", "--review", "all", "--base-url", server)
    assert status == 2
