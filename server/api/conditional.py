"""Conditional requests on versioned records (RFC 9110): the ETag is the record's version."""

from __future__ import annotations

import re

from rest_framework.request import Request

_ETAG = re.compile(r'\s*(W/)?"([^"]*)"\s*')


def etag_for(version: int) -> str:
    return f'"{version}"'


def _tags(header: str, *, strong: bool = False) -> list[str] | None:
    """The entity tags of a header; None for the wildcard ``*``.

    With ``strong`` (If-Match), a weak tag stands for no version at all: RFC 9110 compares
    If-Match strongly, and a weak tag never matches.
    """
    if header.strip() == "*":
        return None
    return ["" if strong and match.group(1) else match.group(2) for match in _ETAG.finditer(header)]


def not_modified(request: Request, version: int) -> bool:
    header = request.headers.get("If-None-Match")
    if header is None:
        return False
    tags = _tags(header)
    return tags is None or str(version) in tags


def expected_versions(request: Request) -> list[int] | None:
    """The versions an ``If-Match`` accepts: None without one (or for ``*``).

    A weak, unreadable or foreign tag names no version, so it can never match: the write fails
    with 412 rather than going ahead.
    """
    header = request.headers.get("If-Match")
    if header is None:
        return None
    tags = _tags(header, strong=True)
    if tags is None:
        return None
    return [int(tag) for tag in tags if tag.isdigit() and len(tag) <= 12]
