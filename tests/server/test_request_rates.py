"""Request rates: counted atomically in a store every worker shares, the same limit with one
worker or many, refused requests counted too (server/api/rates.py, server/api/throttling.py).

The servers are real: gunicorn with two workers started as `make run` starts it.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ImproperlyConfigured

from server.api.rates import Rate, SQLiteCounts, hit, judge
from tests.server.processes import numbers_printed_by
from tests.serving import call, gunicorn, manage, seeded_database

ALLOWED = 5
RATE = f"{ALLOWED}/minute"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("600/minute", Rate(600, 60)),
        ("5/m", Rate(5, 60)),
        ("10/second", Rate(10, 1)),
        ("100/hour", Rate(100, 3600)),
        (" 7 / day ", Rate(7, 86400)),
    ],
)
def test_rates_read_as_requests_per_period(text, expected):
    assert Rate.parse(text) == expected


@pytest.mark.parametrize("text", ["", "600", "0/minute", "-1/minute", "ten/minute", "5/week"])
def test_a_malformed_rate_is_refused(text):
    with pytest.raises(ImproperlyConfigured):
        Rate.parse(text)


def test_a_request_within_the_limit_is_allowed_and_one_over_it_refused():
    rate = Rate(5, 60)
    assert judge(rate, now=600.0, current=5, previous=0).allowed
    refused = judge(rate, now=600.0, current=6, previous=0)
    assert not refused.allowed
    # The five allowed weigh in the next window as its previous one: one more fits once they
    # weigh 4, 60 s + 60 * (1 - 4/5) = 72 s from now.
    assert refused.retry_after == 72


def test_the_previous_window_weighs_as_much_as_it_overlaps_the_last_period():
    rate = Rate(10, 60)
    # 15 s into a window after one of 8 requests: 8 * 0.75 + 4 = 10, the limit.
    assert judge(rate, now=615.0, current=4, previous=8).allowed
    refused = judge(rate, now=615.0, current=5, previous=8)
    assert not refused.allowed
    # 8 * (1 - t/60) + 4 + 1 <= 10 from t = 22.5 s, 7.5 s from now.
    assert refused.retry_after == 8


def test_waiting_as_retry_after_says_is_enough(settings, tmp_path):
    settings.REQUEST_COUNTS_FILE = tmp_path / "counts.sqlite3"
    rate = Rate(3, 60)
    start = (time.time() // 60) * 60 + 10  # 10 s into the current minute
    assert [hit("address:192.0.2.9", rate, now=start + n).allowed for n in range(3)] == [True] * 3
    refused = hit("address:192.0.2.9", rate, now=start + 3)
    assert not refused.allowed
    # Asking again meanwhile is refused, and refused requests are not counted against it.
    for moment in range(4, 3 + refused.retry_after - 1, 5):
        assert not hit("address:192.0.2.9", rate, now=start + moment).allowed
    assert hit("address:192.0.2.9", rate, now=start + 3 + refused.retry_after).allowed
    assert refused.retry_after <= rate.period + rate.period / rate.limit + 1


COUNTER = """
import sys
from pathlib import Path
from server.api.rates import SQLiteCounts
counts, window = SQLiteCounts(Path(sys.argv[1])), int(sys.argv[3])
hits = (counts.hit("address:192.0.2.1", window, 60)[0] for _ in range(int(sys.argv[2])))
print(" ".join(str(count) for count in hits))
"""


def test_processes_counting_at_once_never_read_the_same_count(tmp_path):
    """A read followed by a write would give two requests the same count (and let both
    through at the limit); one increment per request gives each its own."""
    path = tmp_path / "counts.sqlite3"
    processes, hits = 4, 300
    window = int(time.time() // 60)
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "server.settings"}
    seen = numbers_printed_by(COUNTER, [str(path), str(hits), str(window)], processes, environment)
    assert sorted(seen) == list(range(1, processes * hits + 1))
    next_window = SQLiteCounts(path).hit("address:192.0.2.1", window + 1, 60)
    assert next_window == (1, processes * hits)


def test_an_unusable_counts_file_lets_requests_through(tmp_path, caplog):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    counts = SQLiteCounts(blocked / "counts.sqlite3")
    assert counts.hit("address:192.0.2.1", 1, 60) is None
    assert any("Request counts unavailable" in record.getMessage() for record in caplog.records)


# -- a real gunicorn with two workers ----------------------------------------------------------


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return seeded_database(tmp_path_factory.mktemp("rates-db"))


@pytest.fixture
def two_workers(database):
    with gunicorn(database, workers=2, environment={"DETENTE_THROTTLE_ANON": RATE}) as base:
        yield base


def test_two_workers_allow_the_rate_once(two_workers):
    statuses = [call(two_workers, "/api/v1/officials/").status for _ in range(ALLOWED + 3)]
    assert statuses == [200] * ALLOWED + [429] * 3


def test_a_burst_at_once_gets_no_more_than_the_rate_through(two_workers):
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: call(two_workers, "/api/v1/officials/"), range(24)))
    statuses = sorted(answer.status for answer in answers)
    assert statuses == [200] * ALLOWED + [429] * (24 - ALLOWED)
    refused = next(answer for answer in answers if answer.status == 429)
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) > 0
    assert json.loads(refused.body)["status"] == 429


def test_guessing_tokens_costs_the_anonymous_rate(database, two_workers):
    manage(database, "createtoken", "rate-curator", "--curator")
    guess = {"Authorization": "Token " + "f" * 64, "Content-Type": "application/json"}
    statuses = [
        call(two_workers, "/api/v1/sources/", method="POST", headers=guess, body=b"{}").status
        for _ in range(ALLOWED + 2)
    ]
    assert statuses == [401] * ALLOWED + [429] * 2
    # The address is spent for anonymous reads too.
    assert call(two_workers, "/api/v1/officials/").status == 429


def test_servers_of_one_machine_share_their_counts_without_redis(database, tmp_path):
    shared = {"DETENTE_THROTTLE_ANON": RATE, "DETENTE_REQUEST_COUNTS": str(tmp_path / "n.db")}
    with (
        gunicorn(database, workers=2, environment=shared) as first,
        gunicorn(database, workers=1, environment=shared) as second,
    ):
        alternating = [
            call((first, second)[index % 2], "/api/v1/officials/").status
            for index in range(ALLOWED + 1)
        ]
    assert alternating == [200] * ALLOWED + [429]


def test_a_valid_token_gets_its_users_rate_on_a_spent_address(database, two_workers):
    token = manage(database, "createtoken", "rate-reader").strip()
    for _ in range(ALLOWED + 1):
        call(two_workers, "/api/v1/officials/")
    assert call(two_workers, "/api/v1/officials/").status == 429
    signed = {"Authorization": f"Token {token}"}
    assert call(two_workers, "/api/v1/officials/", headers=signed).status == 200
