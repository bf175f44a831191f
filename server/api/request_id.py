"""Every response carries an ``X-Request-ID``: a client reporting an error names the log line."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# An id set by a proxy in front is kept if it looks like one; anything else is replaced.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._-]{8,128}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        request_id = given if _ACCEPTABLE.match(given) else uuid.uuid4().hex
        request.META["REQUEST_ID"] = request_id
        response = self.get_response(request)
        response[HEADER] = request_id
        return response
