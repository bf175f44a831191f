"""JSON bodies, read up to a size limit, a nesting depth and the numbers the server can hold.

DRF reads the body from the request stream, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE check, so
the limit is enforced here, on what is actually read (a chunked body declares no length).

No body of the API nests deeper than a few levels, and no number of it is a float: a body nested
deeper than ``MAX_DEPTH`` is refused before it is parsed (Python's parser would exhaust the stack
on thousands of levels), and so is a number no field could hold (``1e400``, which parses as
infinity; an integer beyond 64 bits; ``NaN`` and ``Infinity``, which are not JSON), each with a
400 saying why, rather than failing later in a field, the database driver or the stack.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from typing import Any

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32
LARGEST_INTEGER = 2**63 - 1
SMALLEST_INTEGER = -(2**63)
# A string (skipped whole, escapes included) or a bracket that opens or closes a level.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


class ContentTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "content_too_large"
    default_detail = "The request body is too large."


class UnsafeNumber(ValueError):
    """A number of the body that no field can hold."""


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """``ParseError`` if arrays and objects nest deeper than ``limit`` (brackets in strings do
    not count); stops at the first level too deep."""
    depth = 0
    for found in _STRING_OR_BRACKET.finditer(text):
        bracket = found.group()
        if bracket in "[{":
            depth += 1
            if depth > limit:
                raise ParseError(f"The body nests arrays and objects deeper than {limit} levels.")
        elif bracket in "]}":
            depth -= 1


def _integer(text: str) -> int:
    # Past 19 digits it is beyond 64 bits whatever the digits (and int() of thousands is slow).
    value = int(text) if len(text.lstrip("-")) <= 19 else None
    if value is None or not SMALLEST_INTEGER <= value <= LARGEST_INTEGER:
        shown = text if len(text) <= 30 else f"{text[:20]}… ({len(text)} digits)"
        raise UnsafeNumber(
            f"The number {shown} is beyond 64 bits: integers are from {SMALLEST_INTEGER} "
            f"to {LARGEST_INTEGER}."
        )
    return value


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 30 else f"{text[:20]}…"
        raise UnsafeNumber(f"The number {shown} is too large to hold: numbers are finite.")
    return value


def _not_json(constant: str) -> Any:
    raise UnsafeNumber(f"{constant} is not a JSON value: numbers are finite.")


def loads(text: str) -> Any:
    """The JSON document ``text``, within the bounds above; ``ParseError`` otherwise."""
    check_depth(text)
    try:
        return json.loads(text, parse_int=_integer, parse_float=_finite, parse_constant=_not_json)
    except UnsafeNumber as error:
        raise ParseError(str(error)) from None
    except (ValueError, RecursionError) as error:
        raise ParseError(f"JSON parse error - {error}") from None


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit: int = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise ContentTooLarge(f"A request body may hold {limit} bytes at most.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(body, encoding)
        except (UnicodeDecodeError, LookupError) as error:
            raise ParseError(f"JSON parse error - {error}") from None
        return loads(text)
