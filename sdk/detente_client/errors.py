"""One hierarchy for everything that can go wrong, so that ``except DetenteError`` catches it all.

::

    DetenteError
    ├── TransportError            the request did not get an HTTP answer
    │   ├── ConnectionFailed      refused, reset, DNS, TLS
    │   └── RequestTimeout        no answer within the timeout
    ├── UnexpectedResponse        an answer the client cannot read (not JSON, wrong shape)
    └── APIError                  an HTTP error status, with the problem+json body
        ├── BadRequest            400
        │   └── ValidationError   400 with ``errors`` per field or parameter
        ├── Unauthorized          401
        ├── Forbidden             403
        ├── NotFound              404
        ├── Conflict              409 (``referenced_by`` when deleting a record in use)
        ├── PreconditionFailed    412 (``current_version``)
        ├── RateLimited           429 (``retry_after``)
        └── ServerError           5xx
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

__all__ = [
    "APIError",
    "BadRequest",
    "Conflict",
    "ConnectionFailed",
    "DetenteError",
    "Forbidden",
    "NotFound",
    "PreconditionFailed",
    "RateLimited",
    "RequestTimeout",
    "ServerError",
    "TransportError",
    "Unauthorized",
    "UnexpectedResponse",
    "ValidationError",
    "error_for_response",
    "parse_retry_after",
]

# Response headers are case-insensitive; the first of these present is the request id.
REQUEST_ID_HEADERS = ("X-Request-ID", "X-Correlation-ID", "Request-Id")


class DetenteError(Exception):
    """Base class of every error raised by detente-client."""


class TransportError(DetenteError):
    """The request got no HTTP answer: connection refused or lost, DNS or TLS failure, timeout.

    ``attempts`` is how many times the request was sent (retries included).
    """

    def __init__(self, message: str, *, method: str, url: str, attempts: int = 1) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.attempts = attempts


class ConnectionFailed(TransportError):
    """The connection could not be made or was lost."""


class RequestTimeout(TransportError):
    """The server did not answer within the client's timeout."""


class UnexpectedResponse(DetenteError):
    """A successful answer the client cannot read: not JSON, or not the documented shape."""

    def __init__(self, message: str, *, response: requests.Response | None = None) -> None:
        super().__init__(message)
        self.response = response


class APIError(DetenteError):
    """The API answered with an error status.

    ``problem`` is the RFC 9457 body (``type``, ``title``, ``status``, ``detail`` and any extension
    members) as a dict, empty when the body was not problem+json. ``request_id`` comes from the
    ``X-Request-ID`` response header when the server (or a proxy) sets one.
    """

    def __init__(
        self,
        status: int,
        problem: Mapping[str, Any] | None = None,
        *,
        method: str = "",
        url: str = "",
        request_id: str | None = None,
        response: requests.Response | None = None,
    ) -> None:
        self.status = status
        self.problem: dict[str, Any] = dict(problem or {})
        self.method = method
        self.url = url
        self.request_id = request_id
        self.response = response
        super().__init__(self._message())

    @property
    def title(self) -> str:
        return str(self.problem.get("title") or "")

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail") or "")

    @property
    def type(self) -> str:
        return str(self.problem.get("type") or "about:blank")

    def _message(self) -> str:
        head = f"{self.status} {self.title}".rstrip()
        same = self.detail.rstrip(".") == self.title.rstrip(".")
        text = f"{head}: {self.detail}" if self.detail and not same else head
        where = f" ({self.method} {self.url})" if self.method and self.url else ""
        request = f" [request id {self.request_id}]" if self.request_id else ""
        return text + where + request


class BadRequest(APIError):
    """400: the request was malformed."""


class ValidationError(BadRequest):
    """400 naming what is wrong: ``errors`` maps each field or query parameter to its messages."""

    @property
    def errors(self) -> dict[str, list[str]]:
        raw = self.problem.get("errors")
        if not isinstance(raw, Mapping):
            return {}
        return {str(name): _messages(value) for name, value in raw.items()}


class Unauthorized(APIError):
    """401: a write without a valid token (missing, malformed, expired or revoked)."""


class Forbidden(APIError):
    """403: the token's user may not do this."""


class NotFound(APIError):
    """404: no such record (or it did not exist at the ``as_of`` time), or no such path."""


class Conflict(APIError):
    """409: deleting a record others rely on (``referenced_by``), restoring one that exists."""

    @property
    def referenced_by(self) -> list[dict[str, Any]]:
        raw = self.problem.get("referenced_by")
        return [dict(item) for item in raw if isinstance(item, Mapping)] if raw else []


class PreconditionFailed(APIError):
    """412: the record is no longer at the version the write was based on (``If-Match``).

    Nothing was changed. Read the record again, reapply the change, and write again.
    """

    @property
    def current_version(self) -> int | None:
        value = self.problem.get("current_version")
        return value if isinstance(value, int) else None


class RateLimited(APIError):
    """429: too many requests. ``retry_after`` is the number of seconds the server asks to wait."""

    @property
    def retry_after(self) -> float | None:
        if self.response is None:
            return None
        return parse_retry_after(self.response.headers.get("Retry-After"))


class ServerError(APIError):
    """5xx: the server failed or is unavailable (503 while its database is unreachable)."""

    @property
    def retry_after(self) -> float | None:
        if self.response is None:
            return None
        return parse_retry_after(self.response.headers.get("Retry-After"))


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    429: RateLimited,
}


def _messages(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [item if isinstance(item, str) else repr(item) for item in value]
    return [repr(value)]


def parse_retry_after(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP date; else None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(int(text)))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def _request_id(response: requests.Response) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = response.headers.get(name)
        if value:
            return value
    return None


def error_for_response(response: requests.Response) -> APIError:
    """The error that an HTTP error response stands for, with its problem body read."""
    try:
        body = response.json()
    except ValueError:
        body = None
    problem: dict[str, Any] = dict(body) if isinstance(body, Mapping) else {}
    if not problem:
        text = response.text.strip()
        problem = {"title": response.reason or "", "detail": text[:500]}
    status = response.status_code
    cls: type[APIError]
    if status == 400 and isinstance(problem.get("errors"), Mapping):
        cls = ValidationError
    elif status >= 500:
        cls = ServerError
    else:
        cls = _BY_STATUS.get(status, APIError)
    request = response.request
    return cls(
        status,
        problem,
        method=str(request.method or "") if request is not None else "",
        url=str(request.url or "") if request is not None else response.url,
        request_id=_request_id(response),
        response=response,
    )
