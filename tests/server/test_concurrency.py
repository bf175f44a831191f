"""Writers racing each other over real HTTP (pytest-django's live server, one thread per request).

Racing requests are started together from as many threads (a barrier releases them at once). On
PostgreSQL (`.ci/postgres.sh -- .venv/bin/pytest tests/server/test_concurrency.py`) they run in
separate connections and transactions, and the row lock taken by the version claim and the unique
indexes are what keep the answers right. The test database on SQLite is a shared-cache in-memory
database, whose table locks fail a concurrent writer at once ("database table is locked", a 503):
there the racing requests are sent one at a time, in whichever order the threads reach the lock,
which checks the same outcomes without the overlap.

These tests commit their data (the live server reads it from another thread): each loads what it
needs, and ``serialized_rollback`` brings back the migrations' rows (the curators group) after the
flush that ends them.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from server.api.views import RecordViewSet
from server.diplomacy import services
from server.diplomacy.models import Official, Position, Statement
from tests import factories
from tests.server.writing import (
    API,
    cite,
    client_with_token,
    create_token,
    detail,
    official_body,
)

transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _ids_as_they_were() -> Any:
    """Leave SQLite's id counters as the test found them.

    The flush after a transactional test deletes its rows but not SQLite's AUTOINCREMENT counters
    (``sqlite_sequence``), so the records these tests commit would move the ids later tests get
    (a guide's example expects the next statement to be number 26). PostgreSQL's counters are put
    back when the next test loads the fixtures.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, seq FROM sqlite_sequence")
        before = cursor.fetchall()
    yield
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sqlite_sequence")
        cursor.executemany("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", before)


Answer = tuple[int, dict[str, Any]]


def call(method: str, url: str, token: str, body: Any = None, **headers: str) -> Answer:
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={
            "Authorization": "Token " + token,
            "Content-Type": "application/json",
            "Accept": "application/json",
            **headers,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, content = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, content = error.code, error.read()
    return status, (json.loads(content) if content else {})


def race(*requests: Callable[[], Answer]) -> list[Answer]:
    """Run the requests from as many threads, released together; their answers in order."""
    barrier = threading.Barrier(len(requests))
    answers: list[Answer | BaseException | None] = [None] * len(requests)
    one_at_a_time = threading.Lock() if connection.vendor == "sqlite" else None

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            if one_at_a_time is None:
                answers[index] = requests[index]()
            else:
                with one_at_a_time:
                    answers[index] = requests[index]()
        except BaseException as error:
            answers[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for answer in answers:
        if not isinstance(answer, tuple):
            raise AssertionError(f"a racing request did not answer: {answer!r}")
    return answers  # type: ignore[return-value]


@transactional
def test_two_patches_with_the_same_if_match_one_wins(live_server):
    token = create_token("alice", "--curator")
    statement = factories.statement(said="2024-07-26")
    url = live_server.url + detail("statements", statement.pk)

    def patch(said: str) -> Callable[[], Answer]:
        return lambda: call("PATCH", url, token, {"said": said}, **{"If-Match": '"1"'})

    answers = race(patch("2024"), patch("2025"))

    assert sorted(status for status, _ in answers) == [200, 412], answers
    (won,) = [body for status, body in answers if status == 200]
    (lost,) = [body for status, body in answers if status == 412]
    assert won["version"] == 2
    assert lost["current_version"] == 2
    stored = Statement.objects.get(pk=statement.pk)
    assert stored.version == 2
    assert stored.said.isoformat() == won["said"]
    versions = Statement.history.filter(id=statement.pk).values_list("version", flat=True)
    assert sorted(versions) == [1, 2]


@transactional
def test_two_deletes_with_the_same_if_match_one_wins(live_server):
    token = create_token("alice", "--curator")
    for _ in range(3):  # the losing read must come before the winning delete commits: try thrice
        statement = factories.statement()
        url = live_server.url + detail("statements", statement.pk)

        def delete(url: str = url) -> Answer:
            return call("DELETE", url, token, **{"If-Match": '"1"'})

        answers = race(delete, delete)

        statuses = sorted(status for status, _ in answers)
        assert statuses[0] == 204, answers
        assert statuses[1] in (404, 412), answers
        assert not Statement.objects.filter(pk=statement.pk).exists()
        assert Statement.history.filter(id=statement.pk, history_type="-").count() == 1


@transactional
def test_writers_without_if_match_each_get_a_version_and_lists_never_mix(live_server):
    token = create_token("alice", "--curator")
    official = factories.official(positions=2)
    cited = factories.source()
    url = live_server.url + detail("officials", official.pk)

    def patch(number: int) -> Callable[[], Answer]:
        positions = [
            {
                "title": f"Post {number}",
                "start": "2020",
                "citations": [cite(cited.pk, f"#{number}")],
            }
        ]
        return lambda: call("PATCH", url, token, {"positions": positions})

    answers = race(*(patch(number) for number in range(4)))

    assert [status for status, _ in answers] == [200] * 4, answers
    assert sorted(body["version"] for _, body in answers) == [2, 3, 4, 5]
    assert Official.objects.get(pk=official.pk).version == 5
    versions = list(Official.history.filter(id=official.pk).values_list("version", flat=True))
    assert sorted(versions) == [1, 2, 3, 4, 5]
    (kept,) = Position.objects.filter(official=official)
    assert kept.citations.get().excerpt == "#" + kept.title.removeprefix("Post ")


@transactional
def test_two_creates_of_the_same_slug_are_one_201_and_one_400(live_server):
    call_command("seed", "--if-empty", verbosity=0)  # the body cites the article
    token = create_token("alice", "--curator")
    body = official_body(slug="t-race")
    url = live_server.url + f"{API}/officials/"

    answers = race(*(lambda: call("POST", url, token, body) for _ in range(2)))

    assert sorted(status for status, _ in answers) == [201, 400], answers
    (refused,) = [answer for status, answer in answers if status == 400]
    assert "slug" in refused["errors"]
    assert Official.objects.filter(slug="t-race").count() == 1
    assert Official.history.filter(slug="t-race").count() == 1


@transactional
def test_two_renames_to_the_same_slug_are_one_200_and_one_400(live_server):
    token = create_token("alice", "--curator")
    first, second = factories.official(), factories.official()

    def rename(official: Official) -> Callable[[], Answer]:
        url = live_server.url + detail("officials", official.pk)
        return lambda: call("PATCH", url, token, {"slug": "t-taken"})

    answers = race(rename(first), rename(second))

    assert sorted(status for status, _ in answers) == [200, 400], answers
    (refused,) = [body for status, body in answers if status == 400]
    assert "slug" in refused["errors"]
    assert Official.objects.filter(slug="t-taken").count() == 1
    assert sorted(
        Official.objects.filter(pk__in=[first.pk, second.pk]).values_list("version", flat=True)
    ) == [1, 2]


@transactional
def test_a_patch_racing_a_delete_is_never_a_500(live_server):
    token = create_token("alice", "--curator")
    for _ in range(3):
        statement = factories.statement()
        url = live_server.url + detail("statements", statement.pk)

        def patch(url: str = url) -> Answer:
            return call("PATCH", url, token, {"said": "2024"})

        def delete(url: str = url) -> Answer:
            return call("DELETE", url, token)

        (patched, _), (deleted, _) = race(patch, delete)

        assert deleted == 204
        assert patched in (200, 404)
        assert not Statement.objects.filter(pk=statement.pk).exists()
        kinds = Statement.history.filter(id=statement.pk).order_by("history_date", "history_id")
        assert list(kinds.values_list("history_type", flat=True)) == (
            ["+", "~", "-"] if patched == 200 else ["+", "-"]
        )


@transactional
def test_two_restores_at_once_bring_the_record_back_once(live_server):
    token = create_token("alice", "--curator")
    statement = factories.statement()
    pk = statement.pk
    services.record_delete(statement)
    url = live_server.url + detail("statements", pk) + "restore/"

    answers = race(*(lambda: call("POST", url, token) for _ in range(2)))

    assert sorted(status for status, _ in answers) == [201, 409], answers
    assert Statement.objects.get(pk=pk).version == 3
    types = list(Statement.history.filter(id=pk).values_list("history_type", flat=True))
    assert sorted(types) == ["+", "+", "-"]


# -- a write whose record is deleted between its read and its write -----------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_a_write_to_a_record_deleted_meanwhile_is_not_a_500(monkeypatch, method):
    statement = factories.statement()
    client: APIClient = client_with_token(
        create_token("alice", "--curator"), raise_request_exception=False
    )
    url = detail("statements", statement.pk)
    body = {
        "text": "Changed",
        "kind": "paraphrase",
        "speaker_label": "X",
        "citations": [cite(factories.source().pk, "Changed")],
    }
    read = RecordViewSet.get_object

    def read_then_lose_the_race(self: RecordViewSet) -> Any:
        record = read(self)
        services.record_delete(Statement.objects.get(pk=record.pk))  # another writer, committed
        return record

    monkeypatch.setattr(RecordViewSet, "get_object", read_then_lose_the_race)
    response = getattr(client, method)(url, None if method == "delete" else body, format="json")
    assert response.status_code in (404, 412), response.content
