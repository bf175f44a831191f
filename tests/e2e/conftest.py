"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium) against the live server.

Playwright's sync API runs an event loop in the test's thread, where Django would refuse database
access as "async-unsafe"; the tests are synchronous code that only waits on that loop, so the
check is lifted for them. No browser is ever downloaded: `.ci/run` installs Debian's chromium.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from tests.sdk.conftest import hang_up

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # For these tests only: a process that leaves it set fails Django's deployment checks.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI needs /usr/bin/chromium: .ci/run installs Debian's chromium")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            # While Playwright's loop runs, Django keeps the test's own database connection in
            # a context-local slot that pytest-django does not close: close it here.
            connections.close_all()
            launched.close()
            # The browser's keep-alive connections kept server threads (and their database
            # connections) open; PostgreSQL drops the test database only once they are gone.
            hang_up()
