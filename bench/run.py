"""Reads at scale: the API against a hand-written view and Datasette, on the same data.

For each database, size and worker count, every variant is started on 127.0.0.1, then each
scenario is measured in rounds that alternate between the variants (A/B/A/B), so that a drift of
the machine hits them alike. The report gives medians over rounds and checks the targets.

    .venv/bin/python -m bench.run --sizes 10000,100000 --databases sqlite,postgres \
        --workers 1,2 --rounds 4 --seconds 5 --results bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import signal
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import data, load, report, scenarios
from .report import Measurement
from .scenarios import PAGE, Context, Scenario
from .servers import ROOT, Server, fetch, start_datasette, start_gunicorn

VARIANTS = ("api", "handwritten", "datasette")


def csv_list(kind: type, text: str) -> list[Any]:
    return [kind(item) for item in text.split(",") if item.strip()]


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="statements, comma-separated")
    parser.add_argument("--databases", default="sqlite", help="sqlite and/or postgres")
    parser.add_argument("--workers", default="1,2", help="gunicorn sync workers, comma-separated")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--scenarios", default=",".join(scenarios.SCENARIO_NAMES))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=3, help="per round, variant, scenario")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of load before rounds")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--results", type=Path, help="replace the report's section in this file")
    parser.add_argument("--json", type=Path, help="also write every round's figures here")
    return parser.parse_args()


def api_cursor(values: list[Any], ordering: str) -> str | None:
    """The API's opaque cursor for a boundary row under ``ordering``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    try:
        import django

        django.setup()
        from server.api.cursors import encode_cursor

        cursor = encode_cursor(values, ordering)
    except Exception as error:  # absent, or not working yet: the scenario is reported n/a
        print(f"  no API cursor: {type(error).__name__}: {error}", flush=True)
        return None
    return urllib.parse.quote(cursor, safe="")


def discover(servers: dict[str, Server], dataset: data.Dataset) -> Context:
    """What the templates need: the deep page's position and boundary, ids for details."""
    hand = servers.get("handwritten") or start_gunicorn("handwritten", dataset.url, 1)
    try:
        count = json.loads(fetch(hand.base + "/statements/boundary/?position=0")[1])["count"]
        position = max(min(scenarios.DEEP_POSITION, count - PAGE), 1)
        boundary = json.loads(fetch(f"{hand.base}/statements/boundary/?position={position - 1}")[1])
        page = json.loads(fetch(f"{hand.base}/statements/?limit=100&offset={count // 2}")[1])
    finally:
        if "handwritten" not in servers:
            hand.stop()
    earliest, latest, identifier = boundary["values"]
    return Context(
        database=dataset.sqlite_file.stem if dataset.sqlite_file else "detente",
        position=position,
        api_cursor=api_cursor(boundary["values"], "-said"),
        handwritten_after=urllib.parse.quote(f"{earliest or ''},{latest or ''},{identifier}"),
        datasette_next=urllib.parse.quote(f"{earliest},{identifier}") if earliest else None,
        ids=[item["id"] for item in page["results"]],
    )


def _settle() -> None:
    waited = load.settle()
    if waited > 2:
        print(f"    (waited {waited:.0f} s for the servers to finish abandoned requests)")


def measure(
    scenario: Scenario,
    servers: dict[str, Server],
    context: Context,
    options: argparse.Namespace,
    where: dict[str, Any],
) -> list[Measurement]:
    """Every variant on one scenario, rounds alternating between the variants."""
    measurements: dict[str, Measurement] = {}
    planned: dict[str, list[str]] = {}
    for variant, server in servers.items():
        found = scenarios.paths(scenario, variant, context)
        measurement = Measurement(**where, scenario=scenario.name, variant=variant)
        measurements[variant] = measurement
        if isinstance(found, str):
            measurement.note = found
            continue
        status = fetch(server.base + found[0], timeout=600)[0]
        if status >= 400:
            measurement.note = f"n/a (status {status})"
            continue
        planned[variant] = found
        if not scenario.streamed and options.warmup > 0:
            load.drive(server.base, found, options.warmup, options.connections, options.threads)
            _settle()
    for _ in range(options.rounds):
        for variant, found in list(planned.items()):
            base = servers[variant].base
            sample = (
                load.stream(base, found[0], options.seconds)
                if scenario.streamed
                else load.drive(base, found, options.seconds, options.connections, options.threads)
            )
            measurements[variant].samples.append(sample)
            _settle()
            if sample.rate == 0:
                # Warm, and still nothing answered within a round: more rounds would only say
                # so again, each after minutes of abandoned requests.
                del planned[variant]
    for measurement in measurements.values():
        print(f"    {measurement.summary_line()}", flush=True)
    return list(measurements.values())


@contextlib.contextmanager
def running(
    dataset: data.Dataset, workers: int, variants: list[str]
) -> Iterator[dict[str, Server]]:
    servers: dict[str, Server] = {}
    try:
        for variant in variants:
            if variant == "datasette":
                if dataset.sqlite_file is not None:
                    servers[variant] = start_datasette(dataset.sqlite_file)
            else:
                servers[variant] = start_gunicorn(variant, dataset.url, workers)
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def bench_dataset(
    dataset: data.Dataset, options: argparse.Namespace, chosen: list[Scenario]
) -> list[Measurement]:
    measurements: list[Measurement] = []
    for workers in csv_list(int, options.workers):
        print(f"{dataset.database}, {dataset.size} statements, {workers} worker(s)", flush=True)
        with running(dataset, workers, csv_list(str, options.variants)) as servers:
            context = discover(servers, dataset)
            where = {"database": dataset.database, "size": dataset.size, "workers": workers}
            for scenario in chosen:
                print(f"  {scenario.title}", flush=True)
                measurements += measure(scenario, servers, context, options, where)
    return measurements


def main() -> int:
    # A TERM (a CI timeout, a kill) unwinds like Ctrl-C, so that every server is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    options = arguments()
    wanted = set(csv_list(str, options.scenarios))
    chosen = [scenario for scenario in scenarios.SCENARIOS if scenario.name in wanted]
    load.ensure_wrk()
    # Other work on the machine lowers every figure; the report says how busy it was.
    options.load_at_start = os.getloadavg()[0]
    measurements: list[Measurement] = []
    versions = report.versions(with_datasette="datasette" in options.variants)
    for database in csv_list(str, options.databases):
        cluster = data.PostgresCluster() if database == "postgres" else contextlib.nullcontext()
        with cluster as postgres:
            if isinstance(postgres, data.PostgresCluster):
                versions["PostgreSQL"] = postgres.version
            for size in csv_list(int, options.sizes):
                dataset = (
                    postgres.dataset(size, options.seed)
                    if isinstance(postgres, data.PostgresCluster)
                    else data.sqlite_dataset(size, options.seed)
                )
                measurements += bench_dataset(dataset, options, chosen)
    python = (
        os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(str(ROOT)) else "python"
    )
    command = f"{python} -m bench.run {shlex.join(sys.argv[1:])}"
    text = report.render(measurements, command, versions, options)
    print(text)
    if options.results:
        report.replace_section(options.results, text)
    if options.json:
        options.json.write_text(json.dumps([m.as_dict() for m in measurements], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
