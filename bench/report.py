"""The report: medians over rounds per variant, the targets checked, the machine and versions."""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from . import load, scenarios
from .load import Sample
from .servers import datasette_version

SECTION = "## Reads at scale"
TITLES = {scenario.name: scenario.title for scenario in scenarios.SCENARIOS}
STREAMED = {scenario.name for scenario in scenarios.SCENARIOS if scenario.streamed}


@dataclass
class Measurement:
    database: str
    size: int
    workers: int
    scenario: str
    variant: str
    samples: list[Sample] = field(default_factory=list)
    note: str | None = None

    @property
    def rate(self) -> float:
        return statistics.median(sample.rate for sample in self.samples)

    @property
    def p50(self) -> float:
        return statistics.median(sample.p50_ms for sample in self.samples)

    @property
    def p99(self) -> float:
        return statistics.median(sample.p99_ms for sample in self.samples)

    @property
    def failures(self) -> int:
        return sum(sample.failures for sample in self.samples)

    @property
    def measured(self) -> bool:
        return bool(self.samples)

    def cell(self) -> str:
        if not self.measured:
            return self.note or "n/a"
        if self.rate == 0:
            return f"no request finished within {self.p50 / 1000:,.0f} s"
        unit = "rows/s" if self.scenario in STREAMED else "/s"
        text = f"{self.rate:,.0f}{unit} · {self.p50:,.1f} / {self.p99:,.1f} ms"
        return text + (f" · {self.failures} failed" if self.failures else "")

    def summary_line(self) -> str:
        return f"{self.variant:12} {self.cell()}"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "median": self.cell()}


def versions(with_datasette: bool) -> dict[str, str]:
    found = {
        "Python": platform.python_version(),
        "Django": metadata.version("django"),
        "DRF": metadata.version("djangorestframework"),
        "gunicorn": metadata.version("gunicorn"),
        "orjson": metadata.version("orjson"),
        "SQLite": sqlite3.sqlite_version,
        "wrk": load.wrk_version(),
    }
    if with_datasette:
        found["Datasette"] = datasette_version()
    return found


def machine() -> str:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    memory_kib = 0
    with open("/proc/meminfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    gib = memory_kib / 1024 / 1024
    system = f"{platform.system()} {platform.machine()}"
    return f"{cpu}, {os.cpu_count()} cores, {gib:.0f} GiB RAM, {system}"


Key = tuple[str, int, int, str, str]


def index(measurements: Iterable[Measurement]) -> dict[Key, Measurement]:
    return {(m.database, m.size, m.workers, m.scenario, m.variant): m for m in measurements}


def size_label(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000}k"


def table(measurements: list[Measurement]) -> list[str]:
    variants = list(dict.fromkeys(m.variant for m in measurements))
    lines = [
        "| database | statements | workers | scenario | " + " | ".join(variants) + " |",
        "|---|---|---|---|" + "---|" * len(variants),
    ]
    found = index(measurements)
    groups = dict.fromkeys((m.database, m.size, m.workers, m.scenario) for m in measurements)
    for database, size, workers, scenario in groups:
        cells = []
        for variant in variants:
            measurement = found.get((database, size, workers, scenario, variant))
            cells.append(measurement.cell() if measurement else "—")
        lines.append(
            f"| {database} | {size_label(size)} | {workers} | {TITLES[scenario]} | "
            + " | ".join(cells)
            + " |"
        )
    return lines


def verdict(value: float, bound: float, at_least: bool) -> str:
    return "PASS" if (value >= bound if at_least else value <= bound) else "MISS"


def targets(measurements: list[Measurement]) -> list[str]:
    found = index(measurements)
    lines: list[str] = []
    combos = dict.fromkeys((m.database, m.size, m.workers) for m in measurements)

    def get(key: Key) -> Measurement | None:
        measurement = found.get(key)
        finished = measurement and measurement.measured and measurement.rate > 0
        return measurement if finished else None

    def throughput(scenario: str, other: str, bound: float) -> None:
        for database, size, workers in combos:
            api = get((database, size, workers, scenario, "api"))
            base = get((database, size, workers, scenario, other))
            where = f"{TITLES[scenario]}, {database} {size_label(size)}, {workers} worker(s)"
            if (database, size, workers, scenario, other) not in found:
                continue
            stalled = found.get((database, size, workers, scenario, "api"))
            if api is None and base is not None and stalled and stalled.measured:
                lines.append(f"- MISS {where}: api {stalled.cell()} (target ≥{bound}x {other})")
                continue
            if api is None or base is None:
                lines.append(f"- n/a {where}: api vs {other} ≥{bound}x (not measured)")
                continue
            ratio = api.rate / base.rate
            lines.append(
                f"- {verdict(ratio, bound, True)} {where}: api {api.rate:,.0f}/s = {ratio:.2f}x "
                f"{other} {base.rate:,.0f}/s (target ≥{bound}x)"
            )

    throughput("first", "handwritten", 0.7)
    throughput("first", "datasette", 4)
    throughput("filtered", "handwritten", 0.7)
    throughput("filtered", "datasette", 3)
    lines += _deep_page(combos, get)
    lines += _growth(measurements, get)
    lines += _workers(measurements, get)
    return lines


Getter = Callable[[Key], Measurement | None]


def _deep_page(combos: Iterable[tuple[str, int, int]], get: Getter) -> list[str]:
    lines = []
    for database, size, workers in combos:
        first = get((database, size, workers, "first", "api"))
        deep = get((database, size, workers, "deep_keyset", "api"))
        where = f"deep page (keyset), {database} {size_label(size)}, {workers} worker(s)"
        if first is None or deep is None:
            lines.append(f"- n/a {where}: p50 ≤1.3x first page p50 (not measured)")
            continue
        ratio = deep.p50 / first.p50
        lines.append(
            f"- {verdict(ratio, 1.3, False)} {where}: p50 {deep.p50:.1f} ms = {ratio:.2f}x "
            f"first page {first.p50:.1f} ms (target ≤1.3x)"
        )
    return lines


def _growth(measurements: list[Measurement], get: Getter) -> list[str]:
    sizes = sorted({m.size for m in measurements})
    if len(sizes) < 2:
        return ["- n/a growth of p50 with size: one size measured"]
    small, large = sizes[0], sizes[-1]
    lines = []
    groups = dict.fromkeys((m.database, m.workers, m.scenario) for m in measurements)
    for database, workers, scenario in groups:
        before = get((database, small, workers, scenario, "api"))
        after = get((database, large, workers, scenario, "api"))
        where = (
            f"growth {size_label(small)}→{size_label(large)}, {TITLES[scenario]}, "
            f"{database}, {workers} worker(s)"
        )
        if before is None or after is None:
            lines.append(f"- n/a {where}: api p50 ≤1.5x (not measured)")
            continue
        if scenario in STREAMED:
            # An export holds the whole filtered set, a hundred times the rows at 1M: its
            # request is compared by the time it takes per row.
            ratio = before.rate / after.rate
            lines.append(
                f"- {verdict(ratio, 1.5, False)} {where}: api time per row "
                f"{1e6 / before.rate:,.1f} → {1e6 / after.rate:,.1f} µs = {ratio:.2f}x "
                "(target ≤1.5x)"
            )
            continue
        ratio = after.p50 / before.p50
        lines.append(
            f"- {verdict(ratio, 1.5, False)} {where}: api p50 {before.p50:,.1f} → "
            f"{after.p50:,.1f} ms = {ratio:.2f}x (target ≤1.5x)"
        )
    return lines


def _workers(measurements: list[Measurement], get: Getter) -> list[str]:
    counts = sorted({m.workers for m in measurements})
    if 1 not in counts or 2 not in counts:
        return ["- n/a 2 workers vs 1 on the first page: not both measured"]
    lines = []
    for database, size in dict.fromkeys((m.database, m.size) for m in measurements):
        one = get((database, size, 1, "first", "api"))
        two = get((database, size, 2, "first", "api"))
        where = f"2 workers vs 1, first page, {database} {size_label(size)}"
        if one is None or two is None:
            lines.append(f"- n/a {where}: ≥1.7x (not measured)")
            continue
        ratio = two.rate / one.rate
        lines.append(
            f"- {verdict(ratio, 1.7, True)} {where}: api {two.rate:,.0f}/s = {ratio:.2f}x "
            f"{one.rate:,.0f}/s (target ≥1.7x)"
        )
    return lines


def render(
    measurements: list[Measurement],
    command: str,
    found_versions: dict[str, str],
    options: argparse.Namespace,
) -> str:
    lines = [
        SECTION,
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {machine()}; load driver and servers on loopback; load average "
        f"{getattr(options, 'load_at_start', 0.0):.1f} at the start, {os.getloadavg()[0]:.1f} "
        "at the end.",
        "Versions: " + ", ".join(f"{name} {version}" for name, version in found_versions.items()),
        "",
        f"Each cell: median over {options.rounds} rounds of {options.seconds:g} s (rounds "
        f"alternate between the variants), wrk with {options.connections} keep-alive "
        f"connections and {options.threads} thread(s): requests/s · p50 / p99 latency; each "
        "round starts once the machine is idle (servers finish abandoned requests between "
        "rounds). "
        "CSV export: one client downloading the whole filtered export again and again: "
        "rows/s · p50 / slowest download. Datasette is one process whatever the workers "
        f"column says. Deep pages start at row {scenarios.DEEP_POSITION:,}, or at the last "
        "full page of a smaller table.",
        "",
        *table(measurements),
        "",
        "Targets (api figures):",
        "",
        *targets(measurements),
        "",
    ]
    return "\n".join(lines)


def replace_section(path: Path, section: str) -> None:
    """Put this report in place of the file's previous section of the same title."""
    replace_section_titled(path, SECTION, section)


def replace_section_titled(path: Path, title: str, section: str) -> None:
    """Put ``section`` in place of the file's section headed ``title`` (or at its end)."""
    existing = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    head, marker, tail = existing.partition(title)
    if not marker:
        path.write_text(existing.rstrip("\n") + "\n\n" + section, encoding="utf-8")
        return
    rest = tail.partition("\n## ")[2]
    path.write_text(head + section + ("\n## " + rest if rest else ""), encoding="utf-8")
