"""Attacks on the server `make run` starts, each bounded, while /healthz is timed.

    .venv/bin/python -m bench.attack [--seconds 20] [--slow-sockets 12] [--results bench/RESULTS.md]

Everything runs on this machine: a throwaway SQLite database loaded with the article (an admin
account and a curator's token added), gunicorn with the project's configuration
(`server/gunicorn_conf.py`: two threaded workers) on a free port of 127.0.0.1, production's rate
limits, and these attacks one after the other, each for `--seconds` and at most the requests
named beside it:

- admin password guessing: 4 clients posting the admin's login form with wrong passwords, for
  the real account and for made-up ones (at most 20,000 attempts);
- bad-token flood: 8 clients reading and writing with random tokens (at most 50,000 requests);
- slow clients: `--slow-sockets` connections that send half a request, then one more header byte
  every 2 s (slowloris), held for the whole attack;
- large nested writes: 2 curators' clients posting a statement with 5,000 citations (170 KB),
  a statement with the most citations allowed, and an official with every post and citation
  allowed (at most 2,000 writes).

Before them, a baseline of the same length without attack. During each, a prober opens a new
connection every 50 ms and asks for /healthz; the report gives the probes' p50, p99 and slowest
time (target: p99 under 100 ms), failed probes, and what the attack's requests were answered.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import secrets
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

from bench.servers import ROOT, Server, free_port, launch

HOST = "127.0.0.1"
PROBE_EVERY = 0.05
PROBE_TIMEOUT = 5.0
TARGET_P99_MS = 100.0
ADMIN, ADMIN_PASSWORD = "keeper", secrets.token_urlsafe(16)
MAX_SECONDS = 60


@dataclass
class Tally:
    """What an attack's requests were answered, counted from its threads."""

    statuses: Counter[str] = field(default_factory=Counter)
    sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: str) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.sent += 1

    def full(self, cap: int) -> bool:
        return self.sent >= cap


@dataclass
class Phase:
    name: str
    statuses: Counter[str]
    probes: list[float]
    failures: int

    def quantile(self, share: float) -> float:
        ordered = sorted(self.probes)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0

    def row(self) -> str:
        answered = ", ".join(f"{code}: {count:,}" for code, count in sorted(self.statuses.items()))
        p99 = self.quantile(0.99)
        verdict = "PASS" if p99 < TARGET_P99_MS and not self.failures else "MISS"
        return (
            f"| {self.name} | {answered or '-'} | {len(self.probes)} | "
            f"{statistics.median(self.probes):.1f} | {p99:.1f} | {max(self.probes):.1f} | "
            f"{self.failures} | {verdict} |"
        )


def connection(port: int, timeout: float = 10) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(HOST, port, timeout=timeout)


def send(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def probe(port: int, stop: threading.Event, times: list[float], failed: list[int]) -> None:
    while not stop.is_set():
        started = time.monotonic()
        try:
            conn = connection(port, PROBE_TIMEOUT)
            status = send(conn, "GET", "/healthz")[0]
            conn.close()
            if status != 200:
                failed.append(status)
        except OSError:
            failed.append(0)
        elapsed = time.monotonic() - started
        times.append(elapsed * 1000)
        stop.wait(max(0.0, PROBE_EVERY - elapsed))


def run_phase(
    name: str, port: int, seconds: float, attack: Callable[[float, Tally], None] | None
) -> Phase:
    stop = threading.Event()
    times: list[float] = []
    failed: list[int] = []
    prober = threading.Thread(target=probe, args=(port, stop, times, failed))
    tally = Tally()
    deadline = time.monotonic() + seconds
    prober.start()
    try:
        if attack is None:
            time.sleep(seconds)
        else:
            attack(deadline, tally)
    finally:
        stop.set()
        prober.join()
    return Phase(name, tally.statuses, times, len(failed))


def in_threads(count: int, work: Callable[[int], None]) -> None:
    threads = [threading.Thread(target=work, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _csrf(conn: http.client.HTTPConnection) -> tuple[str, str]:
    _status, headers, page = send(conn, "GET", "/admin/login/")
    cookie = SimpleCookie(headers.get("Set-Cookie", ""))["csrftoken"].value
    marker = b'name="csrfmiddlewaretoken" value="'
    start = page.index(marker) + len(marker)
    return cookie, page[start : page.index(b'"', start)].decode()


def guess_passwords(port: int) -> Callable[[float, Tally], None]:
    def attack(deadline: float, tally: Tally) -> None:
        def client(number: int) -> None:
            conn = connection(port)
            cookie, token = _csrf(conn)
            while time.monotonic() < deadline and not tally.full(20_000):
                username = ADMIN if random.random() < 0.5 else f"user{random.randrange(1000)}"
                form = f"csrfmiddlewaretoken={token}&username={username}"
                form += f"&password={secrets.token_hex(6)}&next=/admin/"
                headers = {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"csrftoken={cookie}",
                }
                try:
                    status = send(conn, "POST", "/admin/login/", form.encode(), headers)[0]
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = connection(port)
                    status = 0
                tally.add(str(status))

        in_threads(4, client)

    return attack


def flood_tokens(port: int) -> Callable[[float, Tally], None]:
    def attack(deadline: float, tally: Tally) -> None:
        def client(number: int) -> None:
            conn = connection(port)
            while time.monotonic() < deadline and not tally.full(50_000):
                headers = {"Authorization": f"Token {secrets.token_hex(32)}"}
                try:
                    if number % 2:
                        headers["Content-Type"] = "application/json"
                        status = send(conn, "POST", "/api/v1/sources/", b"{}", headers)[0]
                    else:
                        status = send(conn, "GET", "/api/v1/statements/", None, headers)[0]
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = connection(port)
                    status = 0
                tally.add(str(status))

        in_threads(8, client)

    return attack


def slow_clients(port: int, sockets: int) -> Callable[[float, Tally], None]:
    def attack(deadline: float, tally: Tally) -> None:
        held = []
        for _ in range(sockets):
            half = socket.create_connection((HOST, port), timeout=5)
            half.sendall(b"GET /api/v1/statements/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            held.append(half)
            tally.add("held")
        try:
            while time.monotonic() < deadline:
                time.sleep(min(2.0, max(0.0, deadline - time.monotonic())))
                for half in held:
                    try:
                        half.sendall(b"X")  # a header that never ends
                    except OSError:
                        tally.add("closed by the server")
        finally:
            for half in held:
                half.close()

    return attack


def _statement(citations: int) -> bytes:
    cited = [{"source": 2, "excerpt": f"Excerpt {n}.", "locator": ""} for n in range(citations)]
    body = {"text": "Said.", "kind": "paraphrase", "speaker_label": "A ministry"}
    return json.dumps({**body, "citations": cited}).encode()


def _official(posts: int, citations: int) -> bytes:
    cited = [{"source": 2, "excerpt": f"Excerpt {n}.", "locator": ""} for n in range(citations)]
    positions = [{"title": f"Post {n}", "citations": cited} for n in range(posts)]
    slug = f"attack-{secrets.token_hex(6)}"
    return json.dumps({"slug": slug, "name": "Attack Test", "positions": positions}).encode()


def _bound(component: str, field: str) -> int:
    """A write's bound as the committed schema publishes it."""
    schema = json.loads((ROOT / "fixtures" / "openapi-v1.json").read_text())
    return int(schema["components"]["schemas"][component]["properties"][field]["maxItems"])


def nested_writes(port: int, token: str) -> Callable[[float, Tally], None]:
    citations = _bound("StatementRequest", "citations")
    posts = _bound("OfficialRequest", "positions")

    def attack(deadline: float, tally: Tally) -> None:
        def client(number: int) -> None:
            conn = connection(port, 60)
            headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
            bodies = [
                ("/api/v1/statements/", lambda: _statement(5000), "5,000 citations"),
                ("/api/v1/statements/", lambda: _statement(citations), "at the bound"),
                ("/api/v1/officials/", lambda: _official(posts, citations), "largest official"),
            ]
            turn = number
            while time.monotonic() < deadline and not tally.full(2000):
                path, make, label = bodies[turn % len(bodies)]
                turn += 1
                try:
                    status = send(conn, "POST", path, make(), headers)[0]
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = connection(port, 60)
                    status = 0
                tally.add(f"{label} {status}")

        in_threads(2, client)

    return attack


def prepare(directory: Path) -> tuple[dict[str, str], str]:
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(directory / "static"),
        "DETENTE_REQUEST_COUNTS": str(directory / "request-counts.sqlite3"),
        "DJANGO_LOG_LEVEL": "ERROR",
        "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
    }
    environment.pop("REDIS_URL", None)
    for name in ("DETENTE_THROTTLE_ANON", "DETENTE_THROTTLE_USER", "DATABASE_URL_TEST"):
        environment.pop(name, None)
    manage = [sys.executable, "manage.py"]

    def run(*arguments: str) -> str:
        done = subprocess.run(
            [*manage, *arguments], cwd=ROOT, env=environment, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        return done.stdout

    run("migrate", "-v0")
    run("seed", "--if-empty")
    run("collectstatic", "--noinput", "-v0")
    run("createsuperuser", "--noinput", "--username", ADMIN, "--email", "keeper@example.org")
    token = run("createtoken", "attacker", "--curator").strip()
    return environment, token


def start(environment: dict[str, str], directory: Path, workers: int) -> Server:
    port = free_port()
    log = directory / "gunicorn.log"
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "--config", "python:server.gunicorn_conf"]
    command += ["--bind", f"{HOST}:{port}", "--workers", str(workers), "--log-level", "warning"]
    return launch("api", command, environment, port, log)


def machine() -> str:
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"nproc {nproc}, Python {platform.python_version()}, {platform.platform()}"


def report(phases: list[Phase], command: str, arguments: argparse.Namespace) -> str:
    lines = [
        "## Attacks",
        "",
        f"Command: `{command}`",
        f"Machine: {machine()}; gunicorn with `server/gunicorn_conf.py` ({arguments.workers} "
        f"workers, {os.environ.get('WEB_THREADS', '16')} threads each), SQLite, production's "
        "rate limits; each attack "
        f"{arguments.seconds:g} s, /healthz probed every {PROBE_EVERY * 1000:.0f} ms on a new "
        "connection.",
        "",
        "| attack | its requests answered | probes | p50 ms | p99 ms | slowest ms | failed "
        "probes | p99 < 100 ms |",
        "|---|---|---|---|---|---|---|---|",
        *(phase.row() for phase in phases),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--slow-sockets", type=int, default=12)
    parser.add_argument(
        "--only", help="run these attacks only (comma-separated: baseline,guess,flood,slow,writes)"
    )
    parser.add_argument("--results", type=Path, help="append the report to this file")
    arguments = parser.parse_args(argv)
    if not 0 < arguments.seconds <= MAX_SECONDS:
        parser.error(f"--seconds is at most {MAX_SECONDS}")
    if not 0 < arguments.slow_sockets <= 200:
        parser.error("--slow-sockets is between 1 and 200")
    command = "python -m bench.attack " + shlex.join(argv if argv is not None else sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="detente-attack-") as scratch:
        directory = Path(scratch)
        environment, token = prepare(directory)
        server = start(environment, directory, arguments.workers)
        port = int(server.base.rsplit(":", 1)[1])
        warm = connection(port)
        for path in ("/healthz", "/api/v1/statements/", "/admin/login/") * 3:
            send(warm, "GET", path)
        warm.close()
        attacks: list[tuple[str, str, Callable[[float, Tally], None] | None]] = [
            ("baseline", "none (baseline)", None),
            ("guess", "admin password guessing", guess_passwords(port)),
            ("flood", "bad-token flood", flood_tokens(port)),
            (
                "slow",
                f"slow clients ({arguments.slow_sockets} sockets)",
                slow_clients(port, arguments.slow_sockets),
            ),
            ("writes", "large nested writes", nested_writes(port, token)),
        ]
        chosen = set((arguments.only or "baseline,guess,flood,slow,writes").split(","))
        phases = []
        try:
            for key, name, attack in attacks:
                if key not in chosen:
                    continue
                print(f"{name} ...", flush=True)
                phases.append(run_phase(name, port, arguments.seconds, attack))
                print(phases[-1].row(), flush=True)
        finally:
            server.stop()
    text = report(phases, command, arguments)
    print(text)
    if arguments.results is not None:
        with arguments.results.open("a") as results:
            results.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
