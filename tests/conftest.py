"""Shared fixtures: the article's dataset loaded into the test database, and a DRF client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from server.api.rates import counts


@pytest.fixture(autouse=True)
def _static_files_without_collectstatic(settings: Any, tmp_path_factory: Any) -> None:
    # Serve static files from the apps themselves, as `collectstatic` + whitenoise would.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path_factory.getbasetemp() / "static"
    settings.STATIC_ROOT.mkdir(exist_ok=True)
    settings.WHITENOISE_USE_FINDERS = True


@pytest.fixture(scope="session", autouse=True)
def _request_counts_of_the_test_run(tmp_path_factory: Any) -> Iterator[None]:
    # The servers and commands tests start count in a file of the run's own, not in the one a
    # `make run`, a fuzzing or a benchmark in the same tree counts in.
    saved = os.environ.get("DETENTE_REQUEST_COUNTS")
    counted = tmp_path_factory.mktemp("subprocess-counts") / "request-counts.sqlite3"
    os.environ["DETENTE_REQUEST_COUNTS"] = str(counted)
    yield
    if saved is None:
        os.environ.pop("DETENTE_REQUEST_COUNTS", None)
    else:
        os.environ["DETENTE_REQUEST_COUNTS"] = saved


@pytest.fixture(autouse=True)
def _fresh_request_counts(settings: Any, tmp_path_factory: Any) -> None:
    # Each test starts with no request counted, in a file of the test run's own (not the one a
    # `make run` in the same tree counts in), and with the cache empty.
    settings.REQUEST_COUNTS_FILE = tmp_path_factory.getbasetemp() / "request-counts.sqlite3"
    counts().clear()
    cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """Load the article once per session; each test runs in a transaction rolled back after it."""
    with django_db_blocker.unblock():
        call_command("seed", verbosity=0)


@pytest.fixture
def api() -> APIClient:
    return APIClient()
