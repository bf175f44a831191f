"""Reads through a streaming replica beside reads on the primary, in alternating rounds.

Run under `.ci/replica.sh`, which starts a PostgreSQL primary and a replica of it:

    .ci/replica.sh -- .venv/bin/python -m bench.replica_reads --size 100000 \
        --results bench/RESULTS.md

Two servers of two workers each serve the same synthetic dataset: one reads the primary, the
other (``DATABASE_REPLICA_URLS``) reads the replica. Each round measures both, one after the
other, for each scenario; the report gives each round's rates and the replica/primary ratio, and
how many transactions the replica ran during its rounds (that the reads really went there). On one
machine a replica adds no capacity: the figures show what routing costs, not what a second
database server would give.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import psycopg

from . import data, load
from .report import replace_section_titled
from .scenarios import FILTER_FROM, FILTER_TO
from .servers import VENV_BIN, Server, free_port, launch, server_environment

SECTION = "## Reads through a streaming replica"
SCENARIOS = {
    "first page": "/api/v1/statements/?limit=50",
    # As the reads-at-scale benchmark filters (bench/scenarios.py).
    "filtered page": (
        f"/api/v1/statements/?country=CN&said_after={FILTER_FROM}&said_before={FILTER_TO}&limit=50"
    ),
    "detail": "/api/v1/statements/{id}/",
}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="statements")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--results", type=Path)
    return parser.parse_args()


def transactions(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as connection:
        query = "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        (count,) = connection.execute(query).fetchone() or (0,)
        return int(count)


def wait_for_replay(primary: str, replica: str) -> None:
    with psycopg.connect(primary, autocommit=True) as connection:
        (target,) = connection.execute("SELECT pg_current_wal_lsn()").fetchone() or ("0/0",)
    with psycopg.connect(replica, autocommit=True) as connection:
        for _ in range(6000):
            query = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
            (done,) = connection.execute(query, (target,)).fetchone() or (False,)
            if done:
                return
            time.sleep(0.05)
    raise RuntimeError("the replica did not catch up")


def start(name: str, primary: str, replica: str | None) -> Server:
    port = free_port()
    environment = {**server_environment(primary), "DJANGO_SETTINGS_MODULE": "server.settings"}
    if replica:
        environment["DATABASE_REPLICA_URLS"] = replica
    command = [str(VENV_BIN / "gunicorn"), "server.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "2", "--log-level", "warning", "--timeout", "120"]
    server = launch("api", command, environment, port)
    print(f"  {name}: {server.base}", flush=True)
    return server


def main() -> int:
    options = arguments()
    primary = os.environ["DETENTE_TEST_PRIMARY_URL"]
    replica = os.environ["DETENTE_TEST_REPLICA_URL"]
    data.synthesize(primary, options.size, options.seed)
    wait_for_replay(primary, replica)
    with psycopg.connect(primary) as connection:
        row = connection.execute("SELECT max(id) FROM diplomacy_statement").fetchone()
    detail_id = (row or (1,))[0] // 2
    servers = {
        "primary": start("primary", primary, None),
        "replica": start("replica", primary, replica),
    }
    rounds: dict[str, list[dict[str, load.Sample]]] = {name: [] for name in SCENARIOS}
    replica_work = 0
    try:
        for name, path in SCENARIOS.items():
            paths = [path.format(id=detail_id)]
            for server in servers.values():
                load.drive(server.base, paths, 1, options.connections, 1)  # warm up
            for _ in range(options.rounds):
                measured: dict[str, load.Sample] = {}
                for variant, server in servers.items():
                    load.settle()
                    before = transactions(replica)
                    measured[variant] = load.drive(
                        server.base, paths, options.seconds, options.connections, 1
                    )
                    if variant == "replica":
                        replica_work += transactions(replica) - before
                rounds[name].append(measured)
    finally:
        for server in servers.values():
            server.stop()
    report = render(options, rounds, replica_work)
    print(report)
    if options.results:
        replace_section_titled(options.results, SECTION, report)
    return 0


def render(
    options: argparse.Namespace, rounds: dict[str, list[dict[str, load.Sample]]], replica_work: int
) -> str:
    command = (
        ".ci/replica.sh -- .venv/bin/python -m bench.replica_reads "
        f"--size {options.size} --rounds {options.rounds} --seconds {options.seconds}"
    )
    lines = [
        SECTION,
        "",
        f"`{command}` on {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"wrk {load.wrk_version()} with {options.connections} connections; "
        f"{options.size:,} statements; two servers of 2 gunicorn workers, one reading the primary, "
        "one reading the replica; rounds alternate between them.",
        "",
        "| scenario | round | primary req/s (p50 ms) | replica req/s (p50 ms) | replica/primary |",
        "|---|---|---|---|---|",
    ]
    for name, measured in rounds.items():
        ratios = []
        for number, sample in enumerate(measured, start=1):
            on_primary, on_replica = sample["primary"], sample["replica"]
            ratio = on_replica.rate / on_primary.rate if on_primary.rate else 0.0
            ratios.append(ratio)
            lines.append(
                f"| {name} | {number} | {on_primary.rate:.0f} ({on_primary.p50_ms:.1f}) | "
                f"{on_replica.rate:.0f} ({on_replica.p50_ms:.1f}) | {ratio:.2f} |"
            )
        lines.append(f"| {name} | median | | | {statistics.median(ratios):.2f} |")
    lines += [
        "",
        f"The replica committed {replica_work:,} transactions during the replica rounds "
        "(the reads went there).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
