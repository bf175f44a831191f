"""Driving load: wrk (keep-alive connections, fixed time) for pages, a streaming client for CSV."""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROTATE = Path(__file__).resolve().parent / "rotate.lua"


@dataclass(frozen=True)
class Sample:
    """One round of one variant: requests (or rows) per second and latency in milliseconds."""

    rate: float
    p50_ms: float
    p99_ms: float
    failures: int = 0


def ensure_wrk() -> str:
    """wrk from Debian's packages, installed on first use (as .ci/postgres.sh does PostgreSQL)."""
    found = shutil.which("wrk")
    if found:
        return found
    print("Installing wrk from Debian's packages...", flush=True)
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=environment)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=environment)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed and could not be")
    return found


def _busy_ticks() -> int:
    """Clock ticks every CPU has spent working since boot: all but idle and I/O wait."""
    with open("/proc/stat") as stat:
        ticks = [int(value) for value in stat.readline().split()[1:9]]
    return sum(ticks) - ticks[3] - ticks[4]


def settle(window: float = 0.2, busy_cores: float = 0.15, limit: float = 300) -> float:
    """Waits until the machine is idle; returns the seconds waited.

    wrk stops at its deadline, but a server goes on with the requests it has taken, answering
    nobody (and a database with their queries): left alone, a slow round's work would run into
    the next round's, whichever variant that measures.
    """
    per_second = os.sysconf("SC_CLK_TCK")
    started = time.monotonic()
    while time.monotonic() - started < limit:
        before = _busy_ticks()
        time.sleep(window)
        if (_busy_ticks() - before) / per_second / window < busy_cores:
            break
    return time.monotonic() - started


def wrk_version() -> str:
    output = subprocess.run([ensure_wrk(), "--version"], capture_output=True, text=True)
    return (output.stdout or output.stderr).split()[1]


def drive(base: str, paths: list[str], seconds: float, connections: int, threads: int) -> Sample:
    """Requests ``paths`` in turn on ``connections`` keep-alive connections for ``seconds``."""
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as listing:
        listing.write("\n".join(paths) + "\n")
    try:
        command = [ensure_wrk(), "--threads", str(min(threads, connections))]
        # wrk counts whole seconds.
        duration = f"{max(round(seconds), 1)}s"
        command += ["--connections", str(connections), "--duration", duration]
        command += ["--timeout", "60s", "--script", str(ROTATE), base + paths[0], "--"]
        command.append(listing.name)
        finished = subprocess.run(command, capture_output=True, text=True)
        if finished.returncode != 0:
            raise RuntimeError(f"wrk failed: {finished.stderr or finished.stdout}")
    finally:
        os.unlink(listing.name)
    figures = json.loads(finished.stdout.strip().splitlines()[-1])
    elapsed = figures["duration_us"] / 1e6
    failures = figures["errors"] + figures["timeouts"] + figures["bad_status"]
    if figures["requests"] == 0:
        # Nothing finished within the round: its latency is at least the round.
        return Sample(rate=0.0, p50_ms=elapsed * 1000, p99_ms=elapsed * 1000, failures=failures)
    return Sample(
        rate=figures["requests"] / elapsed if elapsed else 0.0,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        failures=failures,
    )


def stream_rows(base: str, path: str, timeout: float = 300) -> tuple[int, int]:
    """Downloads one CSV whole; returns its status and its number of data rows."""
    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        if response.status != 200:
            response.read()
            return response.status, 0
        rows = sum(1 for _ in csv.reader(io.TextIOWrapper(response, "utf-8", newline="")))
        return 200, max(rows - 1, 0)
    finally:
        connection.close()


def stream(base: str, path: str, seconds: float) -> Sample:
    """Downloads the CSV again and again for ``seconds`` (at least once): rows per second."""
    durations: list[float] = []
    rows = failures = 0
    deadline = time.monotonic() + seconds
    while not durations or time.monotonic() < deadline:
        started = time.monotonic()
        status, count = stream_rows(base, path)
        durations.append(time.monotonic() - started)
        rows += count
        failures += status != 200
    durations.sort()
    return Sample(
        rate=rows / sum(durations),
        p50_ms=statistics.median(durations) * 1000,
        p99_ms=durations[-1] * 1000,
        failures=failures,
    )
