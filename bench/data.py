"""The data under test: synthetic statements of a given size and seed, loaded once per database.

SQLite files are kept in ``bench/data/`` (keyed by size and seed) and reused by later runs;
PostgreSQL gets one database per size in a throwaway cluster started by ``.ci/postgres.sh``
(or in the server DATABASE_URL names, if it already names PostgreSQL).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

from .servers import ROOT

DATA = ROOT / "bench" / "data"


@dataclass(frozen=True)
class Dataset:
    database: str
    size: int
    url: str
    sqlite_file: Path | None = None


MANAGE = [sys.executable, str(ROOT / "manage.py")]


def migrate(database_url: str) -> None:
    environment = {**os.environ, "DATABASE_URL": database_url, "DJANGO_LOG_LEVEL": "ERROR"}
    subprocess.run([*MANAGE, "migrate", "--noinput", "-v0"], check=True, cwd=ROOT, env=environment)


def synthesize(database_url: str, size: int, seed: int) -> None:
    migrate(database_url)
    environment = {**os.environ, "DATABASE_URL": database_url, "DJANGO_LOG_LEVEL": "ERROR"}
    counts = ["--statements", size, "--officials", max(size // 100, 1)]
    counts += ["--sources", max(size // 50, 1), "--contacts", max(size // 10, 1)]
    command = [*MANAGE, "synthesize", *map(str, counts), "--seed", str(seed)]
    started = time.monotonic()
    subprocess.run(command, check=True, cwd=ROOT, env=environment)
    print(f"  synthesized {size} statements in {time.monotonic() - started:.0f} s", flush=True)


def sqlite_dataset(size: int, seed: int) -> Dataset:
    path = DATA / f"statements-{size}-seed{seed}.sqlite3"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        building = path.with_suffix(".building")
        for leftover in DATA.glob(building.name + "*"):
            leftover.unlink()
        print(f"Building {path.relative_to(ROOT)} ...", flush=True)
        synthesize(f"sqlite:///{building}", size, seed)
        with contextlib.closing(sqlite3.connect(building)) as connection:
            # Statistics for the planner, as any production database has; the WAL is folded in so
            # that the file alone holds the data (Datasette opens it immutable).
            connection.execute("ANALYZE")
            connection.commit()
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        building.rename(path)
        for leftover in DATA.glob(building.name + "-*"):
            leftover.unlink()
    else:
        # A file built before the latest migrations gets them (the data stays).
        migrate(f"sqlite:///{path}")
    return Dataset("sqlite", size, f"sqlite:///{path}", path)


class PostgresCluster:
    """A PostgreSQL server for the run: the one DATABASE_URL names, or a throwaway cluster."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self.version = ""

    def __enter__(self) -> PostgresCluster:
        given = os.environ.get("DATABASE_URL", "")
        if given.startswith(("postgres://", "postgresql://")):
            self.url = given
        else:
            self._start()
        self.version = str(self._query(self.url, "SHOW server_version")[0][0])
        return self

    def _start(self) -> None:
        # The cluster lives as long as this pipe stays open: closing it (or dying) stops it.
        hold = 'echo "DATABASE_URL=$DATABASE_URL"; exec cat >/dev/null'
        self.process = subprocess.Popen(
            [str(ROOT / ".ci" / "postgres.sh"), "--", "sh", "-c", hold],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("DATABASE_URL="):
                self.url = line.strip().partition("=")[2]
                return
        raise RuntimeError(".ci/postgres.sh ended without starting PostgreSQL")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.process is None:
            return
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    @staticmethod
    def _query(url: str, sql: str, autocommit: bool = False) -> list[tuple[object, ...]]:
        import psycopg

        with psycopg.connect(url, autocommit=autocommit) as connection:
            cursor = connection.execute(sql.encode())
            return list(cursor.fetchall()) if cursor.description else []

    def dataset(self, size: int, seed: int) -> Dataset:
        name = f"detente_bench_{size}_seed{seed}"
        address = urlsplit(self.url)
        url = urlunsplit(address._replace(path=f"/{name}"))
        exists = self._query(self.url, f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        if exists and self._loaded(url, size):
            return Dataset("postgres", size, url)
        if exists:
            self._query(self.url, f'DROP DATABASE "{name}"', autocommit=True)
        self._query(self.url, f'CREATE DATABASE "{name}"', autocommit=True)
        print(f"Loading {size} statements into PostgreSQL database {name} ...", flush=True)
        synthesize(url, size, seed)
        self._query(url, "VACUUM ANALYZE", autocommit=True)
        return Dataset("postgres", size, url)

    def _loaded(self, url: str, size: int) -> bool:
        try:
            count = self._query(url, "SELECT count(*) FROM diplomacy_statement")[0][0]
        except Exception:
            return False
        return count == size
