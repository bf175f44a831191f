"""Conditional requests (RFC 9110): an ETag is a digest of the representation's bytes.

A record's representation embeds others (a speaker's name, a contact's title, the sources of its
citations, the posts its participants held): its own version would not change when they do, so a
cache revalidating with it would keep a stale body. The tag is therefore taken from the bytes
themselves, for every successful answer (lists, details, history, ``as_of``, write answers), and
a ``304`` is given only when the body would be identical. Errors carry no tag.

``If-Match`` on a write takes either a tag the server gave (compared with the record's current
representation, read as the writer would read it) or a bare version, ``"7"`` (compared with the
record's version): either way the version is then claimed atomically by the write.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.http import ConditionalGetMiddleware
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe
from rest_framework.request import Request

# One entity tag of a header list: opaque text between quotes, W/ for a weak one.
_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e]*)"\s*(?:,|$)')
_VERSION = re.compile(r"[0-9]{1,12}")


def representation_tag(content: bytes) -> str:
    """The strong ETag of these bytes."""
    return f'"{hashlib.sha256(content).hexdigest()[:32]}"'


class RepresentationETagMiddleware(ConditionalGetMiddleware):
    """Every successful answer with a body gets the digest of its bytes as its ETag (a streamed
    one keeps the tag its view gave, if any); a ``GET`` or ``HEAD`` whose ``If-None-Match`` (or
    ``If-Modified-Since``) holds is answered 304."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not 200 <= response.status_code < 300:
            return response
        if (
            isinstance(response, HttpResponse)
            and not response.has_header("ETag")
            and response.content
            and self.needs_etag(response)
        ):
            response.headers["ETag"] = representation_tag(response.content)
        if request.method not in ("GET", "HEAD"):
            return response
        etag = response.get("ETag")
        last_modified = response.get("Last-Modified")
        if etag or last_modified:
            modified = parse_http_date_safe(last_modified) if last_modified else None
            given: Any = response
            conditional: Any = get_conditional_response(
                request, etag=etag, last_modified=modified, response=given
            )
            return conditional
        return response


@dataclass(frozen=True)
class Precondition:
    """What an ``If-Match`` accepts: tags of representations, and bare versions."""

    tags: frozenset[str]
    versions: frozenset[int]

    def expected_versions(self, current_version: int, current_tag: Callable[[], str]) -> list[int]:
        """The versions the write may start from: the current one if a tag names its
        representation (read only when a tag is given), and the bare versions given."""
        accepted = set(self.versions)
        if self.tags and current_tag() in self.tags:
            accepted.add(current_version)
        return sorted(accepted)


def if_match(request: Request) -> Precondition | None:
    """The ``If-Match`` of a write; None without one, or for ``*``.

    RFC 9110 compares If-Match strongly, so a weak tag matches nothing; so does a malformed
    header, which is refused by the caller rather than read loosely (``"17"x`` is not ``"17"``).
    """
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    tags = parse_tags(header)
    if tags is None:
        raise MalformedTag("If-Match")
    strong = [tag for weak, tag in tags if not weak]
    versions = frozenset(int(tag) for tag in strong if _VERSION.fullmatch(tag))
    return Precondition(frozenset(f'"{tag}"' for tag in strong), versions)


class MalformedTag(ValueError):
    def __init__(self, header: str) -> None:
        super().__init__(
            f'{header} must be * or a list of entity tags, such as "5" or the ETag of a read.'
        )
        self.header = header


def parse_tags(header: str) -> list[tuple[bool, str]] | None:
    """The (weak, opaque tag) pairs of an entity-tag list; None when the header is not one."""
    found: list[tuple[bool, str]] = []
    position = 0
    while position < len(header):
        match = _TAG.match(header, position)
        if match is None:
            return None
        found.append((match.group(1) is not None, match.group(2)))
        position = match.end()
    return found or None
