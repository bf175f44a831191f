"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the API returns, whether raised by DRF, by Django (404, 500) or by the database
going away, has the same shape: ``type``, ``title``, ``status``, ``detail`` and, for validation,
``errors`` keyed by field.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from server import replicas
from server.diplomacy import services

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://detente.example/problems/"
RETRY_AFTER_SECONDS = 5

logger = logging.getLogger(__name__)

_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    411: "Length required",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem_type(slug: str) -> str:
    return PROBLEM_TYPE_BASE + slug


def problem_body(
    status_code: int,
    title: str | None = None,
    detail: str = "",
    *,
    slug: str | None = None,
    errors: dict[str, Any] | None = None,
) -> dict[str, Any]:
    title = title or _TITLES.get(status_code, "Error")
    body: dict[str, Any] = {
        "type": problem_type(slug or title.lower().replace(" ", "-")),
        "title": title,
        "status": status_code,
        "detail": detail or title,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem_response(
    status_code: int,
    title: str | None = None,
    detail: str = "",
    *,
    slug: str | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    """A problem response outside DRF (plain Django views, middleware, 404 and 500 handlers)."""
    response = JsonResponse(
        problem_body(status_code, title, detail, slug=slug),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _flatten_detail(detail: Any) -> str:
    if isinstance(detail, list):
        return " ".join(_flatten_detail(item) for item in detail)
    if isinstance(detail, dict):
        return " ".join(f"{key}: {_flatten_detail(value)}" for key, value in detail.items())
    return str(detail)


def _field_errors(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {str(key): value for key, value in detail.items()}
    return {"non_field_errors": detail if isinstance(detail, list) else [detail]}


def database_unavailable(exc: BaseException | None) -> bool:
    """A database that cannot answer now (gone, unreachable, or a statement past its time
    limit), rather than a request it refuses."""
    return isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DatabaseError) and "connection" in str(exc).lower()
    )


_TIMED_OUT = ("statement timeout", "interrupted")


def _unavailable_body(exc: BaseException) -> dict[str, Any]:
    message = str(exc).lower()
    if any(sign in message for sign in _TIMED_OUT):
        logger.warning("Statement past its time limit: %s", exc)
        return problem_body(
            503,
            "Query timed out",
            "Answering took the database longer than it may; try again shortly, or ask for less.",
            slug="statement-timeout",
        )
    logger.warning("Database unavailable: %s", exc)
    return problem_body(
        503,
        "Database unavailable",
        "The database cannot be reached; try again shortly.",
        slug="database-unavailable",
    )


def unavailable_response(exc: BaseException) -> JsonResponse:
    """503 with Retry-After, outside DRF (middleware, streams, Django's 500 handler)."""
    response = JsonResponse(
        _unavailable_body(exc),
        status=503,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every API error becomes problem+json."""
    if database_unavailable(exc):
        replicas.database_failed()
        body = _unavailable_body(exc)
        return _problem(context, body, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    domain = _domain_problem(exc)
    if domain is not None:
        return _problem(context, domain)
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = problem_body(
            413,
            "Content too large",
            f"A request body may hold {limit} bytes at most.",
            slug="content-too-large",
        )
        return _problem(context, body)
    if isinstance(exc, SuspiciousOperation):
        return _problem(context, problem_body(400, "Bad request", str(exc), slug="bad-request"))

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_errors(exc))
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response

    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        body = problem_body(
            status.HTTP_400_BAD_REQUEST,
            "Invalid request",
            _flatten_detail(exc.detail),
            slug="validation-error",
            errors=errors,
        )
    else:
        body = problem_body(
            response.status_code,
            None,
            _flatten_detail(exc.detail),
            slug=exc.default_code.replace("_", "-"),
        )
    headers = {key: value for key, value in response.items() if key in _KEPT_HEADERS}
    return _problem(context, body, status_code=response.status_code, headers=headers)


_KEPT_HEADERS = {"Allow", "Retry-After", "WWW-Authenticate"}


def _django_errors(error: DjangoValidationError) -> dict[str, Any]:
    if isinstance(error, services.InvalidRecord):
        errors = error.errors
    elif hasattr(error, "error_dict"):
        errors = error.message_dict
    else:
        return {"non_field_errors": error.messages}
    return {
        ("non_field_errors" if name == "__all__" else name): value for name, value in errors.items()
    }


def _domain_problem(exc: Exception) -> dict[str, Any] | None:
    """The domain's refusals, as the HTTP statuses a client expects."""
    if isinstance(exc, services.VersionConflict):
        body = problem_body(
            412,
            "Precondition failed",
            f"{exc} Read the record again and apply your change to that version.",
            slug="version-conflict",
        )
        body["current_version"] = exc.current
        return body
    if isinstance(exc, services.RecordInUse):
        body = problem_body(409, "Conflict", str(exc), slug="record-in-use")
        body["referenced_by"] = [
            {"type": type(record).__name__.lower(), "id": record.pk} for record in exc.dependents
        ]
        return body
    if isinstance(exc, services.NotRestorable):
        return problem_body(409, "Conflict", str(exc), slug="not-restorable")
    if isinstance(exc, IntegrityError):
        logger.warning("Integrity error answered as 409: %s", exc)
        return problem_body(
            409, "Conflict", "The change conflicts with the stored data.", slug="integrity"
        )
    return None


def _problem(
    context: dict[str, Any],
    body: dict[str, Any],
    *,
    status_code: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    # The browsable API renders HTML; only a JSON rendering is labelled problem+json.
    renderer = getattr(context.get("request"), "accepted_renderer", None)
    is_json = renderer is None or getattr(renderer, "format", "json") == "json"
    return Response(
        body,
        status=status_code or body["status"],
        headers=headers,
        content_type=PROBLEM_CONTENT_TYPE if is_json else None,
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    if isinstance(exception, RequestDataTooBig):
        return problem_response(413, "Content too large", "The request body is too large.")
    return problem_response(400, "Bad request", "The request could not be understood.")


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(404, "Not found", f"Nothing is served at {request.path}.")


def server_error(request: HttpRequest) -> JsonResponse:
    # Called while the exception is handled: a database gone away outside the API's views (in
    # a middleware, the admin, a session lookup) is a 503 like everywhere else.
    exception = sys.exc_info()[1]
    if database_unavailable(exception):
        assert exception is not None
        return unavailable_response(exception)
    return problem_response(500, "Internal server error", "The server failed; it has been logged.")
