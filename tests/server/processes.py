"""Running one Python snippet in several processes at once (not a test module itself)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence

from django.conf import settings


def numbers_printed_by(
    code: str, arguments: Sequence[str], processes: int, environment: Mapping[str, str]
) -> list[int]:
    """Start ``processes`` copies of ``code`` at once; every number they print, all together."""
    running = [
        subprocess.Popen(
            [sys.executable, "-c", code, *arguments],
            cwd=settings.BASE_DIR,
            env=dict(environment),
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    seen: list[int] = []
    for process in running:
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        seen += [int(value) for value in out.split()]
    return seen
