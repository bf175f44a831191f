"""A local copy of the dataset kept equal to the server's by following its change feed.

The copy is a SQLite file holding each record's line of the dataset export and the number of
the last change applied. Each page of the feed is applied in one transaction with that number,
so a sync stopped anywhere (an error, a lost connection, a limit) resumes where it stopped and
never applies a change twice or skips one. Its export (``Store.export_lines``) is, once the
sync has caught up, the same bytes as the server's ``/api/v1/export/`` (or, with a curator's
token, ``manage.py export``).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .feed import Feed, FeedPage

# The export format's sections in file order (the feed's resources).
SECTIONS = ("topics", "sources", "officials", "contacts", "statements")
EXPORT_FORMAT, EXPORT_VERSION = "detente-export", 1
DEFAULT_STORE = "detente.sqlite3"

__all__ = ["DEFAULT_STORE", "Store", "SyncResult", "SyncScopeError", "sync"]


class SyncScopeError(Exception):
    """The store was filled with another scope (public or complete) than the feed now gives."""


def encode(document: dict[str, Any]) -> bytes:
    """A line as the server writes it: keys sorted, no spaces, UTF-8."""
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


class Store:
    """The local copy, in a SQLite file (created when missing)."""

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_STORE) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(self.path)
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS lines (
                section INTEGER NOT NULL, id INTEGER NOT NULL, line BLOB NOT NULL,
                PRIMARY KEY (section, id)
            );
            """
        )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @property
    def seq(self) -> int:
        """The number of the last change applied (0 for an empty store)."""
        return int(self._meta("seq") or 0)

    @property
    def scope(self) -> str | None:
        return self._meta("scope")

    def apply(self, page: FeedPage) -> None:
        """Apply one page of the feed (read with ``include="record"``), with its number, at once."""
        if self.scope not in (None, page.scope):
            raise SyncScopeError(
                f"{self.path} holds the {self.scope} dataset; the feed now gives the "
                f"{page.scope} one: sync into another file."
            )
        with self._db:
            for entry in page.results:
                section = SECTIONS.index(entry.resource)
                if entry.record is None:
                    self._db.execute(
                        "DELETE FROM lines WHERE section = ? AND id = ?", (section, entry.id)
                    )
                else:
                    self._db.execute(
                        "INSERT OR REPLACE INTO lines (section, id, line) VALUES (?, ?, ?)",
                        (section, entry.id, encode(entry.record)),
                    )
            self._db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [("seq", str(page.last_seq)), ("scope", page.scope)],
            )

    def counts(self) -> dict[str, int]:
        found = dict(self._db.execute("SELECT section, COUNT(*) FROM lines GROUP BY section"))
        return {section: found.get(index, 0) for index, section in enumerate(SECTIONS)}

    def export_lines(self) -> Iterator[bytes]:
        """The copy in the export format: its header, then every line by section and id."""
        header: dict[str, Any] = {"format": EXPORT_FORMAT, "version": EXPORT_VERSION}
        header["scope"] = self.scope or "public"
        header.update(self.counts())
        yield encode(header)
        rows = self._db.execute("SELECT line FROM lines ORDER BY section, id")
        for (line,) in rows:
            yield bytes(line)


@dataclass(frozen=True)
class SyncResult:
    seq: int  # where the store is now
    changes: int  # how many changes were applied
    complete: bool  # whether the feed had no more (False: stopped at max_pages)


def sync(
    feed: Feed, store: Store, *, max_pages: int | None = None, page_size: int = 500
) -> SyncResult:
    """Bring ``store`` up to the feed, page by page from where it stopped."""
    applied = 0
    pages = feed.pages(after=store.seq, include="record", limit=page_size)
    for number, page in enumerate(pages, start=1):
        store.apply(page)
        applied += len(page.results)
        if max_pages is not None and number >= max_pages and page.next is not None:
            return SyncResult(store.seq, applied, complete=False)
    return SyncResult(store.seq, applied, complete=True)
