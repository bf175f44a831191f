"""Streamed answers (list exports, the dataset export) start only once their first part is read.

A ``StreamingHttpResponse`` is iterated by the server after the view has returned, its status
already chosen: a database gone away at its first query would be the server's own error page,
an HTML 500. Reading the first part here, while the answer can still change, turns that into
the API's 503 problem with ``Retry-After``. A failure later, mid-stream, can only cut the stream
short (the client sees an unfinished chunked body, never a complete-looking file).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any

from django.db import DatabaseError
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

from .errors import database_unavailable, unavailable_response


class PrimedStreamsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        response = self.get_response(request)
        if not isinstance(response, StreamingHttpResponse) or isinstance(response, FileResponse):
            return response
        parts: Iterator[bytes] = iter(response.streaming_content)
        try:
            first = next(parts, None)
        except DatabaseError as error:
            response.close()
            if not database_unavailable(error):
                raise
            return unavailable_response(error)
        response.streaming_content = parts if first is None else chain([first], parts)
        return response
