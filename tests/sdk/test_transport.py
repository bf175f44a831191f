"""Timeouts, retries, headers and errors, against a real HTTP server that fails on purpose."""

from __future__ import annotations

import re
import socket
import time

import pytest
import requests
from detente_client import (
    APIError,
    Client,
    ConnectionFailed,
    NotFound,
    RateLimited,
    RequestTimeout,
    ServerError,
    TransportError,
    UnexpectedResponse,
    __version__,
)
from detente_client.errors import parse_retry_after
from detente_client.transport import RetryPolicy

from .flaky_server import Answer, flaky

STATEMENT = {
    "id": 4,
    "url": "{base}/api/v1/statements/4/",
    "version": 1,
    "created_at": "2024-11-18T09:00:00Z",
    "updated_at": "2024-11-18T09:00:00Z",
    "text": "go beyond the bilateral agenda",
    "kind": "quote",
}
UNAVAILABLE = Answer(503, {"title": "Database unavailable", "status": 503, "detail": "Try again."})


def fast_client(url: str, **options) -> Client:
    options.setdefault("backoff_factor", 0.01)
    options.setdefault("backoff_max", 0.05)
    options.setdefault("timeout", 2)
    return Client(url, **options)


class Waits(list[float]):
    """Records the waits instead of sleeping them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_a_get_answered_503_with_retry_after_succeeds_after_waiting_as_asked():
    waits = Waits()
    unavailable = Answer(503, UNAVAILABLE.body, {"Retry-After": "2"})
    with flaky(unavailable, unavailable, Answer(200, STATEMENT)) as server:
        statement = fast_client(server.url, retries=3, sleep=waits).statements.get(4)
    assert statement.text == "go beyond the bilateral agenda"
    assert server.attempts == 3
    assert waits == [2.0, 2.0]


def test_a_429_retry_after_is_honoured_in_real_time():
    limited = Answer(
        429, {"title": "Too many requests", "detail": "Slow down."}, {"Retry-After": "1"}
    )
    with flaky(limited, Answer(200, STATEMENT)) as server:
        started = time.monotonic()
        statement = fast_client(server.url, retries=2).statements.get(4)
        elapsed = time.monotonic() - started
        gap = server.requests[1].at - server.requests[0].at
    assert statement.id == 4
    assert server.attempts == 2
    assert gap >= 0.95
    assert elapsed < 5


def test_without_retry_after_the_backoff_grows_exponentially_up_to_its_cap():
    waits = Waits()
    with flaky(
        Answer(502), Answer(504), Answer(503), Answer(503), Answer(200, STATEMENT)
    ) as server:
        client = Client(server.url, retries=4, backoff_factor=0.5, backoff_max=1.5, sleep=waits)
        client.statements.get(4)
    assert server.attempts == 5
    assert waits == [0.5, 1.0, 1.5, 1.5]


def test_retries_give_up_with_the_last_error():
    with (
        flaky(Answer(503, UNAVAILABLE.body, {"Retry-After": "0"})) as server,
        pytest.raises(ServerError) as caught,
    ):
        fast_client(server.url, retries=2).statements.get(4)
    assert server.attempts == 3
    assert caught.value.status == 503
    assert caught.value.retry_after == 0
    assert "Try again." in str(caught.value)


def test_a_retry_after_longer_than_the_client_accepts_is_raised_at_once():
    limited = Answer(
        429, {"title": "Too many requests", "detail": "Later."}, {"Retry-After": "600"}
    )
    with flaky(limited) as server, pytest.raises(RateLimited) as caught:
        fast_client(server.url, retries=3, retry_after_max=30).statements.get(4)
    assert server.attempts == 1
    assert caught.value.retry_after == 600


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_post_and_patch_are_never_retried(method):
    with flaky(UNAVAILABLE, Answer(200, STATEMENT)) as server:
        statements = fast_client(server.url, retries=3, token="secret").statements
        write = {
            "POST": lambda: statements.create(text="x", kind="quote", citations=[]),
            "PATCH": lambda: statements.update(4, text="y"),
        }[method]
        with pytest.raises(ServerError):
            write()
    assert server.attempts == 1
    assert server.requests[0].method == method


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_put_and_delete_are_retried(method):
    answers = (UNAVAILABLE, Answer(204, b"") if method == "DELETE" else Answer(200, STATEMENT))
    with flaky(*answers) as server:
        client = fast_client(server.url, retries=1, token="secret")
        if method == "PUT":
            client.statements.replace(4, text="x", kind="quote", citations=[])
        else:
            client.statements.delete(4)
    assert [seen.method for seen in server.requests] == [method, method]


def test_client_errors_are_not_retried():
    missing = Answer(404, {"title": "Not found", "status": 404, "detail": "No such."})
    with flaky(missing) as server, pytest.raises(NotFound):
        fast_client(server.url, retries=3).statements.get(4)
    assert server.attempts == 1


def test_an_answer_slower_than_the_timeout_is_a_transport_error_after_the_retries():
    with flaky(Answer(200, STATEMENT, delay=0.6)) as server:
        started = time.monotonic()
        with pytest.raises(RequestTimeout) as caught:
            fast_client(server.url, timeout=0.15, retries=1).statements.get(4)
        elapsed = time.monotonic() - started
    assert isinstance(caught.value, TransportError)
    assert caught.value.attempts == 2
    assert server.attempts == 2
    assert elapsed < 1.0


def test_a_timeout_on_post_is_not_retried():
    with flaky(Answer(201, STATEMENT, delay=0.5)) as server, pytest.raises(RequestTimeout):
        fast_client(server.url, timeout=0.1, retries=3).statements.create(
            text="x", kind="quote", citations=[]
        )
    assert server.attempts == 1


def test_a_closed_port_is_a_transport_error_after_the_retries():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits = Waits()
    client = Client(f"http://127.0.0.1:{port}", retries=2, backoff_factor=0.01, sleep=waits)
    with pytest.raises(ConnectionFailed) as caught:
        client.officials.get(1)
    assert isinstance(caught.value, TransportError)
    assert caught.value.attempts == 3
    assert waits == [0.01, 0.02]
    assert "Connection refused" in str(caught.value)


def test_every_request_names_the_client_and_sends_the_token():
    with flaky(Answer(200, STATEMENT)) as server:
        fast_client(server.url).statements.get(4)
        fast_client(server.url, token="k3y", user_agent="my-script/2.0").statements.get(4)
    anonymous, signed = (seen.headers for seen in server.requests)
    agent = f"detente-client/{__version__} python-requests/{requests.__version__}"
    assert anonymous["User-Agent"] == agent
    assert "Authorization" not in anonymous
    assert anonymous["Accept"] == "application/json"
    assert signed["User-Agent"] == f"my-script/2.0 {agent}"
    assert signed["Authorization"] == "Token k3y"
    assert re.fullmatch(r"detente-client/\d+\.\d+\.\d+\S* python-requests/\S+", agent)


def test_an_injected_session_is_used_and_left_open():
    session = requests.Session()
    session.headers["X-Trace"] = "abc"
    with flaky(Answer(200, STATEMENT)) as server:
        with Client(server.url, session=session) as client:
            client.statements.get(4)
        assert server.requests[0].headers["X-Trace"] == "abc"
        assert session.adapters  # not closed: still usable
        assert session.get(server.url + "/again", timeout=2).status_code == 200
    session.close()


def test_a_proxy_error_page_becomes_a_server_error_with_its_text_and_request_id():
    page = Answer(502, b"<html>Bad gateway: upstream down</html>", {"X-Request-ID": "req-42"})
    page.headers["Content-Type"] = "text/html"
    with flaky(page) as server, pytest.raises(ServerError) as caught:
        fast_client(server.url, retries=0).statements.get(4)
    error = caught.value
    assert isinstance(error, APIError)
    assert error.status == 502
    assert error.request_id == "req-42"
    assert "upstream down" in str(error)
    assert "req-42" in str(error)
    assert error.response is not None


def test_an_unreadable_success_is_an_unexpected_response():
    not_json = Answer(200, b"not json", {"Content-Type": "text/plain"})
    with flaky(not_json) as server, pytest.raises(UnexpectedResponse):
        fast_client(server.url).statements.get(4)


def test_a_response_missing_a_required_field_is_an_unexpected_response():
    without_text = Answer(200, {**STATEMENT, "text": None})
    with flaky(without_text) as server, pytest.raises(UnexpectedResponse, match="text"):
        fast_client(server.url).statements.get(4)


def test_a_next_link_to_another_origin_is_followed_on_the_clients_own():
    first = {
        "count": 2,
        "next": "http://public.example/api/v1/statements/?limit=1&offset=1",
        "previous": None,
        "results": [STATEMENT],
    }
    second = {"count": 2, "next": None, "previous": None, "results": [{**STATEMENT, "id": 5}]}
    with flaky(Answer(200, first), Answer(200, second)) as server:
        ids = [s.id for s in fast_client(server.url, token="k3y").statements.list(limit=1)]
    assert ids == [4, 5]
    assert server.requests[1].path == "/api/v1/statements/?limit=1&offset=1"
    assert server.requests[1].headers["Authorization"] == "Token k3y"


def test_retry_after_parsing():
    assert parse_retry_after("3") == 3
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    with pytest.raises(ValueError, match="retries"):
        RetryPolicy(retries=-1)
