"""Request bodies sent in chunks (``Transfer-Encoding: chunked``) are read like any other.

Django reads a body as long as its ``Content-Length`` says, and a chunked request has none: it
would read nothing, and a PATCH would answer 200 having changed nothing. gunicorn takes the
chunks apart itself and says so (``wsgi.input_terminated``), so ``ChunkedBodies`` reads the body
then (at most one byte past ``DJANGO_MAX_BODY_BYTES``, so that a larger one is still a 413) and
hands it on with its length. Under a server that leaves the chunks to the application, such a
request is refused with 411 rather than misread.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .errors import problem_response

WSGIApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _chunked(environ: dict[str, Any]) -> bool:
    return "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()


class ChunkedBodies:
    """WSGI middleware around the application (``server/wsgi.py``)."""

    def __init__(self, application: WSGIApplication) -> None:
        self.application = application

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if _chunked(environ) and environ.get("wsgi.input_terminated"):
            body = environ["wsgi.input"].read(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            del environ["HTTP_TRANSFER_ENCODING"]
        return self.application(environ, start_response)


class LengthRequiredMiddleware:
    """A chunked body the server did not take apart cannot be read: 411, not a misreading."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _chunked(request.META):
            return problem_response(
                411,
                "Length required",
                "Send the request body with a Content-Length header, not in chunks.",
                slug="length-required",
            )
        return self.get_response(request)
