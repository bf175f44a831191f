"""Starting and stopping the servers under test, each in its own process group on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = Path(sys.executable).parent
DATASETTE_VENV = BENCH / ".venv-datasette"
DATASETTE_REQUIREMENT = "datasette>=0.65,<0.66"
READY_PATHS = {
    "api": "/readyz",
    "handwritten": "/statements/?limit=1",
    "datasette": "/-/versions.json",
}


@dataclass
class Server:
    variant: str
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str, timeout: float = 60) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def server_environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "",
        # The rate limits would cap every figure at a few requests per second. Every request is
        # still counted (one increment in the counts file), as in production.
        "DETENTE_THROTTLE_ANON": "1000000000/second",
        "DETENTE_THROTTLE_USER": "1000000000/second",
        "DJANGO_LOG_LEVEL": "ERROR",
        "DJANGO_STATIC_ROOT": tempfile.mkdtemp(prefix="detente-bench-static-"),
        "DETENTE_REQUEST_COUNTS": tempfile.mkdtemp(prefix="detente-bench-counts-")
        + "/request-counts.sqlite3",
    }


def launch(
    variant: str,
    command: list[str],
    environment: dict[str, str],
    port: int,
    log: Path | None = None,
) -> Server:
    """Start a server under test, its output in ``log`` (a temporary file by default), and wait
    until it answers."""
    if log is None:
        log = Path(tempfile.mkstemp(prefix=f"detente-bench-{variant}-", suffix=".log")[1])
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = Server(variant, f"http://127.0.0.1:{port}", process, log)
    try:
        wait_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


def wait_ready(server: Server, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            if fetch(server.base + READY_PATHS[server.variant], timeout=5)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    tail = server.log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"{server.variant} did not become ready at {server.base}:\n{tail}")


def start_gunicorn(variant: str, database_url: str, workers: int) -> Server:
    settings = {"api": "server.settings", "handwritten": "bench.handwritten.settings"}[variant]
    port = free_port()
    environment = {**server_environment(database_url), "DJANGO_SETTINGS_MODULE": settings}
    command = [str(VENV_BIN / "gunicorn"), "server.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--log-level", "warning", "--timeout", "120"]
    return launch(variant, command, environment, port)


def ensure_datasette() -> Path:
    """Datasette in its own virtual environment, so that its dependencies stay out of ours."""
    executable = DATASETTE_VENV / "bin" / "datasette"
    if not executable.exists():
        print("Installing Datasette into bench/.venv-datasette ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(DATASETTE_VENV)], check=True)
        pip = [str(DATASETTE_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        installed = subprocess.run(
            [*pip, "--disable-pip-version-check", DATASETTE_REQUIREMENT],
            capture_output=True,
            text=True,
        )
        if installed.returncode != 0:
            raise RuntimeError(f"pip could not install Datasette:\n{installed.stderr[-3000:]}")
    return executable


def datasette_version() -> str:
    executable = ensure_datasette()
    output = subprocess.run([str(executable), "--version"], capture_output=True, text=True)
    return output.stdout.strip().rsplit(" ", 1)[-1]


def start_datasette(sqlite_file: Path) -> Server:
    port = free_port()
    command = [str(ensure_datasette()), "serve", "-i", str(sqlite_file), "--port", str(port)]
    command += ["--host", "127.0.0.1", "--setting", "sql_time_limit_ms", "10000"]
    # Its default (200 ms) drops facets on large tables; the API's facets have no such limit.
    command += ["--setting", "facet_time_limit_ms", "10000"]
    return launch("datasette", command, dict(os.environ), port)
