"""Load with writes: many clients reading and writing at once lose no write and see no 5xx.

Starts gunicorn (several workers) on the database in DATABASE_URL (migrated and loaded with the
article here), then drives it from this process with N client threads for D seconds, all on
loopback. A write is a PATCH of a statement with the If-Match of the version the client just read
and a unique marker in ``language``; a written statement is a draft again, so the public reads of
it that follow are 404s, while the writers read it as curators. Afterwards:

- no response was a 5xx;
- every write answered 2xx is in its record's history (its marker is in a revision, by the
  writer's user);
- every write answered 412 left no trace (its marker is in no revision).

    DATABASE_URL=postgres://… python bench/load_writes.py --duration 60 --clients 50 --workers 2
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")


@dataclass
class Tally:
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    written: list[tuple[int, str]] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, seconds: float) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.latencies.append(seconds)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def call(
    url: str, method: str = "GET", body: dict[str, object] | None = None, **headers: str
) -> tuple[int, dict[str, object] | None, dict[str, str]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    for name, value in headers.items():
        request.add_header(name.replace("_", "-"), value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None, dict(response.headers)
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return error.code, parsed, dict(error.headers)


def client(
    base: str, token: str, statement_ids: list[int], stop: float, seed: int, tally: Tally
) -> None:
    chooser = random.Random(seed)
    serial = 0
    while time.monotonic() < stop:
        started = time.monotonic()
        statement = chooser.choice(statement_ids)
        if chooser.random() < 0.6:
            path = chooser.choice(
                [
                    f"/api/v1/statements/{statement}/",
                    "/api/v1/statements/?limit=20",
                    "/api/v1/contacts/",
                ]
            )
            status, _, _ = call(base + path)
            tally.add(status, time.monotonic() - started)
            continue
        # As the curator who writes: a written statement is a draft again, hidden from the public.
        status, body, _ = call(
            f"{base}/api/v1/statements/{statement}/?review=all", Authorization=f"Token {token}"
        )
        tally.add(status, time.monotonic() - started)
        if status != 200 or body is None:
            continue
        serial += 1
        marker = f"en-c{seed}-w{serial}"
        started = time.monotonic()
        status, _, _ = call(
            f"{base}/api/v1/statements/{statement}/",
            "PATCH",
            {"language": marker},
            Authorization=f"Token {token}",
            If_Match=f'"{body["version"]}"',
        )
        tally.add(status, time.monotonic() - started)
        with tally.lock:
            if 200 <= status < 300:
                tally.written.append((statement, marker))
            elif status == 412:
                tally.refused.append((statement, marker))


def prepare(workers: int) -> tuple[subprocess.Popen[bytes], str, str]:
    python = sys.executable
    manage = [python, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], check=True, cwd=ROOT)
    subprocess.run([*manage, "seed", "--if-empty", "-v0"], check=True, cwd=ROOT)
    token = subprocess.run(
        [*manage, "createtoken", "load-writer", "--curator", "--expires", "1"],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = free_port()
    environment = {
        **os.environ,
        # The point is every write, not the rate limits; 412s are expected, not worth a log line.
        "DETENTE_THROTTLE_ANON": "10000000/minute",
        "DETENTE_THROTTLE_USER": "10000000/minute",
        "DJANGO_LOG_LEVEL": "ERROR",
        "DJANGO_STATIC_ROOT": tempfile.mkdtemp(prefix="detente-load-"),
        # Its own request counts: not those of a server in this tree (`make run`).
        "DETENTE_REQUEST_COUNTS": tempfile.mkdtemp(prefix="detente-load-counts-")
        + "/request-counts.sqlite3",
    }
    server = subprocess.Popen(
        [
            str(Path(python).parent / "gunicorn"),
            "server.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if call(base + "/readyz")[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.1)
    return server, base, token


def verify(tally: Tally) -> list[str]:
    import django

    django.setup()
    from server.diplomacy.models import Statement

    problems = []
    server_errors = sum(count for status, count in tally.statuses.items() if status >= 500)
    if server_errors:
        problems.append(f"{server_errors} responses were 5xx")
    revisions: dict[str, tuple[int, str | None]] = {}
    for row in Statement.history.select_related("history_user"):
        language = (row.snapshot or {}).get("language")
        if language:
            revisions[language] = (row.id, row.history_user.username if row.history_user else None)
    for statement, marker in tally.written:
        if revisions.get(marker) != (statement, "load-writer"):
            problems.append(f"the write {marker} to statement {statement} is not in its history")
    for statement, marker in tally.refused:
        if marker in revisions:
            problems.append(f"the refused write {marker} to statement {statement} left a revision")
    return problems


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def report(tally: Tally, arguments: argparse.Namespace, seconds: float, problems: list[str]) -> str:
    import django
    from django.db import connection

    total = sum(tally.statuses.values())
    engine = connection.vendor
    lines = [
        "## Load with writes",
        "",
        f"Command: `DATABASE_URL=<{engine}> python bench/load_writes.py --duration "
        f"{arguments.duration} --clients {arguments.clients} --workers {arguments.workers}`",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, Django {django.get_version()}, database {engine}; "
        "clients and server on loopback.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| duration | {seconds:.1f} s |",
        f"| requests | {total} ({total / seconds:.0f}/s) |",
        f"| statuses | {', '.join(f'{s}: {c}' for s, c in sorted(tally.statuses.items()))} |",
        f"| writes answered 2xx | {len(tally.written)}, each found in its record's history |",
        f"| writes answered 412 | {len(tally.refused)}, none left a revision |",
        f"| latency p50 / p99 | {percentile(tally.latencies, 0.5) * 1000:.0f} ms / "
        f"{percentile(tally.latencies, 0.99) * 1000:.0f} ms |",
        f"| problems | {'; '.join(problems) if problems else 'none'} |",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--results", type=Path, help="write the report into this Markdown file")
    arguments = parser.parse_args()

    server, base, token = prepare(arguments.workers)
    try:
        statements = call(base + "/api/v1/statements/?limit=200")[1]
        assert statements is not None
        ids = [int(item["id"]) for item in statements["results"]]
        tally = Tally()
        started = time.monotonic()
        stop = started + arguments.duration
        threads = [
            threading.Thread(target=client, args=(base, token, ids, stop, index, tally))
            for index in range(arguments.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    problems = verify(tally)
    text = report(tally, arguments, seconds, problems)
    print(text)
    if arguments.results:
        replace_section(arguments.results, text)
    return 1 if problems else 0


def replace_section(path: Path, section: str) -> None:
    """Put this report in place of the file's previous "Load with writes" section."""
    existing = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    head, marker, tail = existing.partition("## Load with writes")
    rest = tail.partition("\n## ")[2] if marker else ""
    path.write_text(head + section + ("\n## " + rest if rest else ""), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
