"""The ``detente`` command line against a live server: formats, filters, environment, errors."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

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
def test_csv_output_is_safe_in_a_spreadsheet(server, token, capsys):
    with Client(server, token=token) as curator:
        created = curator.sources.create(title="=HYPERLINK(1)", kind="other", notes="@SUM(1)")
    status, out, _ = run(capsys, "sources", "list", "--format", "csv", "--base-url", server)
    assert status == 0
    (row,) = [row for row in csv.DictReader(io.StringIO(out)) if row["id"] == str(created.id)]
    assert (row["title"], row["notes"]) == ("'=HYPERLINK(1)", "'@SUM(1)")
    status, out, _ = run(
        capsys, "sources", "list", "--facet", "kind", "--format", "csv", "--base-url", server
    )
    assert status == 0
    assert all(not cell.startswith("=") for line in csv.reader(io.StringIO(out)) for cell in line)


@LIVE
def test_export_with_a_byte_order_mark(server, capsys, tmp_path):
    target = tmp_path / "statements.csv"
    argv = ["statements", "export", "--bom", "-o", str(target), "--base-url", server]
    status, out, _ = run(capsys, *argv)
    assert (status, out) == (0, "")
    assert target.read_bytes().startswith(b"\xef\xbb\xbfid,url,")
    status, _, err = run(
        capsys, "statements", "export", "--bom", "--format", "ndjson", "--base-url", server
    )
    assert status == 2
    assert "--bom needs --format csv" in err


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
        ["statements", "list", "--facet", "colour"],
        ["officials", "list", "--facet", "kind"],
        ["sources", "list", "--at", "2024"],
        ["statements", "export", "--format", "json"],
        ["statements", "export", "--limit", "3"],
        ["timeline", "--type", "speech"],
        ["network", "--graphml", "--format", "csv"],
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


@LIVE
def test_a_search_shows_what_matched(server, capsys):
    status, out, err = run(
        capsys, "statements", "list", "--q", "communication*", "--base-url", server
    )
    assert (status, err) == (0, "")
    header, _rule, *rows = out.splitlines()
    assert header.split() == ["id", "said", "speaker", "kind", "text", "match"]
    assert len(rows) == 2
    assert "[communications]" in rows[0]  # the most relevant first, the words found marked
    status, out, _ = run(
        capsys,
        "statements",
        "list",
        "--search",
        "communication*",
        "--format",
        "csv",
        "--base-url",
        server,
    )
    searched = list(csv.DictReader(io.StringIO(out)))
    assert [row["id"] for row in searched] == ["7", "2"]
    assert all("<mark>" in row["snippet"] for row in searched)
    status, out, _ = run(capsys, "statements", "list", "--format", "csv", "--base-url", server)
    assert "snippet" not in next(csv.reader(io.StringIO(out)))
    status, _, err = run(capsys, "statements", "list", "--q", '"open', "--base-url", server)
    assert status == 1
    assert "  q: " in err


@LIVE
def test_facets_count_instead_of_listing(server, capsys):
    with Client(server) as api:
        statements = list(api.statements.list(country="KR"))
    status, out, _ = run(
        capsys,
        "statements",
        "list",
        "--country",
        "KR",
        "--facet",
        "kind,year",
        "--facet",
        "speaker",
        "--base-url",
        server,
    )
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["facet", "value", "count"]
    assert f"{len(statements)} records in all" in lines
    quotes = sum(1 for s in statements if s.kind == "quote")
    assert ["kind", "quote", str(quotes)] in [line.split() for line in lines]
    status, out, _ = run(
        capsys,
        "statements",
        "list",
        "--country",
        "KR",
        "--facet",
        "kind",
        "--format",
        "json",
        "--base-url",
        server,
    )
    data = json.loads(out)
    assert data["count"] == len(statements)
    counts = {item["value"]: item["count"] for item in data["facets"]["kind"]["values"]}
    assert counts == dict(Counter(s.kind for s in statements))
    status, out, _ = run(
        capsys, "contacts", "list", "--facet", "status", "--format", "csv", "--base-url", server
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {row["facet"] for row in rows} == {"status"}
    assert sum(int(row["count"]) for row in rows) == 10


@LIVE
def test_officials_at_a_date_and_posts_held_by_participants(server, capsys):
    status, out, _ = run(
        capsys, "officials", "list", "--at", "2024-07", "--format", "json", "--base-url", server
    )
    assert status == 0
    assert {o["slug"] for o in json.loads(out)} == {"chung-jae-ho", "xing-haiming"}
    status, out, _ = run(capsys, "contacts", "get", "9", "--base-url", server)
    assert "Lee Jung-il, Director of the North Korea Department [KR]" in out


@LIVE
def test_export_streams_the_servers_file(server, capsys, tmp_path):
    with Client(server) as api:
        count = api.statements.page(country="KR").count
    status, out, _ = run(capsys, "statements", "export", "--country", "KR", "--base-url", server)
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == count
    assert "speaker_slug" in rows[0]  # the server's flat columns
    target = tmp_path / "contacts.ndjson"
    status, out, _ = run(
        capsys,
        "contacts",
        "export",
        "--format",
        "ndjson",
        "--country",
        "LA",
        "-o",
        str(target),
        "--base-url",
        server,
    )
    assert (status, out) == (0, "")
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [5]
    status, _, err = run(
        capsys, "statements", "export", "--said-after", "2024-13", "--base-url", server
    )
    assert status == 2  # the option's own check
    status, _, err = run(capsys, "officials", "export", "--review", "all", "--base-url", server)
    assert status == 1
    assert "403" in err


@LIVE
def test_the_timeline_command(server, capsys):
    status, out, _ = run(capsys, "timeline", "--official", "xi-jinping", "--base-url", server)
    assert status == 0
    header, _rule, *rows = out.splitlines()
    assert header.split() == ["date", "type", "id", "what"]
    with Client(server) as api:
        entries = list(api.timeline.list(official="xi-jinping"))
    assert len(rows) == len(entries) > 1
    assert [row.split()[1] for row in rows if row[0] != " "] == [
        e.type for e in entries if e.date is not None
    ]
    status, out, _ = run(
        capsys,
        "timeline",
        "--type",
        "contact",
        "--limit",
        "3",
        "--format",
        "json",
        "--base-url",
        server,
    )
    items = json.loads(out)
    assert len(items) == 3
    assert all(item["type"] == "contact" and item["contact"]["id"] for item in items)


@LIVE
def test_the_network_command(server, capsys, tmp_path):
    status, out, _ = run(capsys, "network", "--format", "csv", "--base-url", server)
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {(row["source_name"], row["target_name"]) for row in rows} >= {
        ("Yoon Suk-yeol", "Li Qiang")
    }
    status, out, _ = run(capsys, "network", "--base-url", server)
    assert "Yoon Suk-yeol" in out
    assert "links (contacts shared)" in out
    target = tmp_path / "network.graphml"
    status, out, _ = run(
        capsys,
        "network",
        "--graphml",
        "--country",
        "KR",
        "-o",
        str(target),
        "--base-url",
        server,
    )
    assert (status, out) == (0, "")
    root = ElementTree.parse(target).getroot()
    names = [
        data.text
        for data in root.iter("{http://graphml.graphdrawing.org/xmlns}data")
        if data.get("key") == "name"
    ]
    assert "Yoon Suk-yeol" in names
    assert "Li Qiang" not in names  # officials of KR only


@LIVE
def test_export_dataset_writes_the_whole_file(server, capsys, tmp_path):
    target = tmp_path / "dataset.ndjson"
    status, out, _ = run(capsys, "export-dataset", "-o", str(target), "--base-url", server)
    assert (status, out) == (0, "")
    with Client(server) as api:
        expected = io.BytesIO()
        api.export_dataset(expected)
    assert target.read_bytes() == expected.getvalue()
    status, out, _ = run(capsys, "export-dataset", "--base-url", server)
    assert out.encode("utf-8") == expected.getvalue()
