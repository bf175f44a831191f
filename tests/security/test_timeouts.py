"""A query past PostgreSQL's statement timeout is cancelled and answered 503, not a hung worker.

A row lock held by another connection makes the write wait; the server's statement timeout
(DATABASE_STATEMENT_TIMEOUT_MS) cancels the wait.
"""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting"),
]


@pytest.fixture
def short_statement_timeout():
    """New connections (the live server's) get a 500 ms statement timeout, for this test only."""
    options = connection.settings_dict["OPTIONS"]
    saved = options.get("options")
    options["options"] = "-c statement_timeout=500"
    connection.close()
    yield
    options["options"] = saved
    connection.close()


def test_a_write_waiting_past_the_statement_timeout_is_a_503(live_server, short_statement_timeout):
    call_command("seed", "--if-empty", verbosity=0)
    out = io.StringIO()
    call_command("createtoken", "patient", "--curator", stdout=out, stderr=io.StringIO())
    token = out.getvalue().strip()
    parameters = connection.get_connection_params()
    parameters.pop("options", None)
    with psycopg.connect(**parameters, autocommit=False) as blocker:
        blocker.execute("SELECT 1 FROM diplomacy_statement WHERE id = 4 FOR UPDATE")
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/statements/4/",
            data=json.dumps({"language": "ko"}).encode(),
            method="PATCH",
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )
        started = time.monotonic()
        with pytest.raises(urllib.error.HTTPError) as answered:
            urllib.request.urlopen(request, timeout=30)
        waited = time.monotonic() - started
        blocker.rollback()
    assert answered.value.code == 503
    assert answered.value.headers["Retry-After"] == "5"
    assert waited < 10
