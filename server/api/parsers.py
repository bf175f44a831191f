"""JSON bodies, read up to a size limit.

DRF reads the body from the request stream, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE check, so
the limit is enforced here, on what is actually read (a chunked body declares no length).
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.parsers import JSONParser


class ContentTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "content_too_large"
    default_detail = "The request body is too large."


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit: int = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise ContentTooLarge(f"A request body may hold {limit} bytes at most.")
        return super().parse(io.BytesIO(body), media_type, parser_context)
