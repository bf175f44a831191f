"""HTTP: timeouts on every request, retries with backoff for idempotent methods, error mapping.

A request is retried only when sending it again cannot do anything twice: for the idempotent
methods (GET, HEAD, PUT, DELETE, OPTIONS; never POST or PATCH), when the connection failed or
timed out, or the server answered 429, 502, 503 or 504. The wait before retry *n* (0-based) is
``backoff_factor * 2**n`` seconds, at most ``backoff_max``; a ``Retry-After`` header takes
precedence when present (up to ``retry_after_max`` seconds: a server asking for longer gets its
error raised at once instead of a stalled script).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests

from ._version import __version__
from .errors import (
    ConnectionFailed,
    RequestTimeout,
    TransportError,
    UnexpectedResponse,
    error_for_response,
    parse_retry_after,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "IDEMPOTENT_METHODS",
    "RETRY_STATUSES",
    "RetryPolicy",
    "Timeout",
    "Transport",
    "default_user_agent",
]

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT = 10.0
API_PREFIX = "api/v1/"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})

# Seconds for the whole request, or (connect, read) as requests takes them; None waits forever.
Timeout = float | tuple[float, float] | None
Params = Mapping[str, Any]


def default_user_agent() -> str:
    return f"detente-client/{__version__} python-requests/{requests.__version__}"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently idempotent requests are retried."""

    retries: int = 3
    backoff_factor: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 60.0

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError("retries must be 0 or more")
        if self.backoff_factor < 0 or self.backoff_max < 0 or self.retry_after_max < 0:
            raise ValueError("backoff_factor, backoff_max and retry_after_max must be 0 or more")

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (0 for the first) without Retry-After."""
        return float(min(self.backoff_max, self.backoff_factor * (2**retry)))


def _api_root(base_url: str) -> str:
    """``http://host[:port][/prefix]`` → ``http://host[:port][/prefix]/api/v1/``."""
    if "://" not in base_url:
        raise ValueError(f"base_url must be an absolute http(s) URL, not {base_url!r}")
    root = base_url.rstrip("/") + "/"
    if root.endswith("/" + API_PREFIX):
        return root
    return root + API_PREFIX


class Transport:
    """Sends requests to one Détente server and turns error statuses into exceptions."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        token: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        user_agent: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_root = _api_root(base_url)
        self.server_root = self.api_root[: -len(API_PREFIX)]
        self.token = token
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._owns_session = session is None
        self.session = session if session is not None else requests.Session()
        self.user_agent = (
            f"{user_agent} {default_user_agent()}" if user_agent else default_user_agent()
        )
        self._sleep = sleep

    # -- addresses -------------------------------------------------------------------------

    def url(self, path: str) -> str:
        """An absolute URL: ``path`` relative to the API root (``statements/4/``), or absolute.

        An absolute URL of another origin (a ``next`` link built by a server that does not know
        its public address) is moved to this client's origin, so a token never leaves it.
        """
        if "://" not in path:
            return urljoin(self.api_root, path.lstrip("/"))
        theirs = urlsplit(path)
        ours = urlsplit(self.api_root)
        if (theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc):
            return path
        return urlunsplit((ours.scheme, ours.netloc, theirs.path, theirs.query, theirs.fragment))

    def headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": self.user_agent}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        headers.update(extra or {})
        return headers

    # -- requests --------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        ok: frozenset[int] = frozenset(),
        stream: bool = False,
    ) -> requests.Response:
        """Send a request, retrying as the policy allows; raise for an error status.

        Statuses in ``ok`` (such as 304) are returned instead of raised. With ``stream``, the
        body of a successful answer is left to be read (``iter_content``), and the caller must
        close the response.
        """
        method = method.upper()
        url = self.url(path)
        retriable = method in IDEMPOTENT_METHODS
        attempts = self.retry.retries + 1 if retriable else 1
        all_headers = self.headers(headers)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self.session.request(
                    method,
                    url,
                    params=_query(params),
                    json=json,
                    headers=all_headers,
                    timeout=self.timeout,
                    allow_redirects=method in {"GET", "HEAD"},
                    stream=stream,
                )
            except requests.Timeout as error:
                if last:
                    raise RequestTimeout(
                        f"No answer to {method} {url} within {self.timeout} s "
                        f"({attempt + 1} attempt(s))",
                        method=method,
                        url=url,
                        attempts=attempt + 1,
                    ) from error
                self._sleep(self.retry.backoff(attempt))
                continue
            except requests.RequestException as error:
                if last:
                    cls = (
                        ConnectionFailed
                        if isinstance(error, requests.ConnectionError)
                        else TransportError
                    )
                    raise cls(
                        f"{method} {url} failed after {attempt + 1} attempt(s): {_reason(error)}",
                        method=method,
                        url=url,
                        attempts=attempt + 1,
                    ) from error
                self._sleep(self.retry.backoff(attempt))
                continue

            if response.status_code < 400 or response.status_code in ok:
                return response
            if last or response.status_code not in RETRY_STATUSES:
                raise error_for_response(response)
            wait = parse_retry_after(response.headers.get("Retry-After"))
            if wait is None:
                wait = self.retry.backoff(attempt)
            elif wait > self.retry.retry_after_max:
                raise error_for_response(response)
            response.close()
            self._sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover

    def json(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send a request and return its JSON body."""
        response = self.request(method, path, params=params, json=json, headers=headers)
        return decode(response)

    def close(self) -> None:
        if self._owns_session:
            self.session.close()


def decode(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError as error:
        kind = response.headers.get("Content-Type", "no content type")
        raise UnexpectedResponse(
            f"Expected JSON from {response.request.method} {response.url}, got {kind} "
            f"({response.status_code}): {response.text[:200]!r}",
            response=response,
        ) from error


def _reason(error: requests.RequestException) -> str:
    """The root cause of a failed request, without urllib3's pool wording."""
    cause: Any = error.args[0] if error.args else error
    cause = getattr(cause, "reason", cause)
    text = str(cause)
    errno = text.rfind("[Errno")
    return text[errno:].rstrip(")\"'") if errno >= 0 else text


def _query(params: Params | None) -> list[tuple[str, str]] | None:
    """Query parameters in order, a list value repeated (``country=KR&country=CN``: OR)."""
    if not params:
        return None
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        if value is None:
            continue
        values = value if isinstance(value, list | tuple | set | frozenset) else [value]
        pairs.extend((name, _text(item)) for item in values)
    return pairs


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return str(isoformat())
    return str(value)
