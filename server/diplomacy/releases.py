"""Numbered, dated, immutable releases of the public dataset, each with its delta.

Release n is a folder ``n/`` of the releases directory (``DETENTE_RELEASES_DIR``) holding:
- ``dataset.ndjson``: the public dataset as ``/api/v1/export/`` writes it;
- ``delta.ndjson``: what changed since release n-1, line by line: a header
  ``{"format": "detente-delta", "version": 1, "from": n-1, "to": n, "added": …, "modified": …,
  "deleted": …}``, then ``{"op": "added" | "modified", "record": {…}}`` in the new file's order and
  ``{"op": "deleted", "type": …, "id": …}`` in the old one's; ``apply_delta`` turns the previous
  dataset into this one byte for byte;
- ``manifest.json``: the number, the time, the change feed's ``seq`` the dataset includes (read in
  the same snapshot), the counts, and each file's size and SHA-256.

A release is written into a hidden folder and renamed into place whole, so a reader never sees
half of one, and an existing release is never written again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from . import changes, dataset
from .visibility import PUBLIC

DATASET, DELTA, MANIFEST = "dataset.ndjson", "delta.ndjson", "manifest.json"
FILES = (DATASET, DELTA)
DELTA_FORMAT = "detente-delta"
SECTION_ORDER = {section: index for index, (section, _model) in enumerate(dataset.SECTIONS)}


class ReleaseError(Exception):
    pass


def directory() -> Path:
    return Path(settings.RELEASES_DIR)


def numbers(root: Path | None = None) -> list[int]:
    """The releases written, oldest first."""
    root = root or directory()
    if not root.is_dir():
        return []
    found = [int(p.name) for p in root.iterdir() if p.name.isdigit() and (p / MANIFEST).is_file()]
    return sorted(found)


def manifest(number: int, root: Path | None = None) -> dict[str, Any] | None:
    path = (root or directory()) / str(number) / MANIFEST
    if not path.is_file():
        return None
    found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return found


def file_path(number: int, name: str, root: Path | None = None) -> Path | None:
    if name not in FILES:
        return None
    path = (root or directory()) / str(number) / name
    return path if path.is_file() and manifest(number, root) is not None else None


def _key(document: dict[str, Any]) -> tuple[int, int]:
    return SECTION_ORDER[dataset.SECTION_OF_TYPE[document["type"]]], int(document["id"])


def _records(lines: Iterable[bytes]) -> Iterator[tuple[tuple[int, int], bytes, dict[str, Any]]]:
    """The records of a dataset file (its header left out): key, line, document."""
    iterator = iter(lines)
    next(iterator, None)
    for line in iterator:
        document = json.loads(line)
        yield _key(document), line, document


def _digests(path: Path) -> dict[tuple[int, int], bytes]:
    with path.open("rb") as lines:
        return {key: hashlib.sha256(line).digest() for key, line, _ in _records(lines)}


def write_delta(
    previous: Path | None, current: Path, target: Path, span: tuple[int | None, int]
) -> dict[str, int]:
    """The delta between two dataset files, written to ``target``; the counts of each op."""
    old = _digests(previous) if previous is not None else {}
    counts = {"added": 0, "modified": 0, "deleted": 0}
    with tempfile.TemporaryFile() as ops:
        with current.open("rb") as lines:
            for key, line, document in _records(lines):
                before = old.pop(key, None)
                if before == hashlib.sha256(line).digest():
                    continue
                op = "added" if before is None else "modified"
                ops.write(dataset.encode({"op": op, "record": document}))
                counts[op] += 1
        for section_index, pk in old:
            section = dataset.SECTIONS[section_index][0]
            ops.write(dataset.encode({"op": "deleted", "type": _type_of(section), "id": pk}))
            counts["deleted"] += 1
        header = {"format": DELTA_FORMAT, "version": 1, "from": span[0], "to": span[1], **counts}
        with target.open("wb") as out:
            out.write(dataset.encode(header))
            ops.seek(0)
            while chunk := ops.read(1 << 16):
                out.write(chunk)
    return counts


def _type_of(section: str) -> str:
    return next(kind for kind, name in dataset.SECTION_OF_TYPE.items() if name == section)


def apply_delta(previous: Iterable[bytes], delta: Iterable[bytes]) -> Iterator[bytes]:
    """The dataset a delta makes of the previous one (its lines, header first)."""
    records = {key: line for key, line, _ in _records(previous)}
    iterator = iter(delta)
    head = json.loads(next(iterator))
    if head.get("format") != DELTA_FORMAT:
        raise ReleaseError("Not a delta file.")
    for line in iterator:
        op = json.loads(line)
        if op["op"] == "deleted":
            records.pop(_key(op), None)
        else:
            records[_key(op["record"])] = dataset.encode(op["record"])
    counts = {section: 0 for section, _model in dataset.SECTIONS}
    for section_index, _pk in records:
        counts[dataset.SECTIONS[section_index][0]] += 1
    yield dataset.encode(dataset.header(counts, public=True))
    for key in sorted(records):
        yield records[key]


def _file_facts(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as content:
        while chunk := content.read(1 << 16):
            digest.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def release(root: Path | None = None) -> dict[str, Any]:
    """Write the next release of the public dataset; its manifest."""
    root = root or directory()
    root.mkdir(parents=True, exist_ok=True)
    written = numbers(root)
    number = (written[-1] if written else 0) + 1
    previous = root / str(number - 1) / DATASET if written else None
    staging = Path(tempfile.mkdtemp(prefix=f".{number}-", dir=root))
    counts: dict[str, int] = {}
    with dataset.consistent_reads():
        seq = changes.last_seq(PUBLIC)
        with (staging / DATASET).open("wb") as out:
            for index, line in enumerate(dataset.lines(public=True)):
                if index == 0:
                    head = json.loads(line)
                    counts = {section: head[section] for section, _model in dataset.SECTIONS}
                out.write(line)
    span = (written[-1] if written else None, number)
    delta = write_delta(previous, staging / DATASET, staging / DELTA, span)
    found = {
        "number": number,
        "released_at": timezone.now().isoformat(),
        "seq": seq,
        "previous": written[-1] if written else None,
        "counts": counts,
        "delta": delta,
        "files": {name: _file_facts(staging / name) for name in FILES},
    }
    (staging / MANIFEST).write_text(json.dumps(found, indent=2, sort_keys=True) + "\n", "utf-8")
    try:
        os.rename(staging, root / str(number))
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise ReleaseError(f"Release {number} was written meanwhile; run again.") from error
    return found
