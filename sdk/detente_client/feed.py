"""The change feed and the dataset's releases: what a mirror needs to stay in sync."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any, Unpack

from .errors import UnexpectedResponse
from .models import Model
from .params import FeedFilters
from .transport import Transport

__all__ = [
    "DeltaCounts",
    "Feed",
    "FeedEntry",
    "FeedPage",
    "FileFacts",
    "Release",
    "ReleaseList",
]

_frozen = dataclasses.dataclass(frozen=True, slots=True, kw_only=True)


@_frozen
class FeedEntry(Model):
    """One change: a record ``created``, ``updated`` or ``deleted``, numbered ``seq``."""

    seq: int
    at: dt.datetime
    type: str
    resource: str
    id: int
    version: int | None
    url: str | None
    # With ``include="record"``: the record's line of the dataset export as it is now, or None
    # when the caller can no longer read it (a later change says why).
    record: dict[str, Any] | None = None


@_frozen
class FeedPage(Model):
    scope: str  # public, or complete for a curator
    last_seq: int
    next: str | None
    results: tuple[FeedEntry, ...] = ()


@_frozen
class FileFacts(Model):
    bytes: int
    sha256: str
    url: str


@_frozen
class DeltaCounts(Model):
    added: int
    modified: int
    deleted: int


@_frozen
class Release(Model):
    """A numbered, immutable release of the public dataset, with its delta and digests."""

    number: int
    url: str
    released_at: dt.datetime
    seq: int
    previous: int | None
    counts: dict[str, int]
    delta: DeltaCounts
    files: dict[str, FileFacts]


@_frozen
class ReleaseList(Model):
    count: int
    results: tuple[Release, ...] = ()


class Feed:
    """``/api/v1/changes/`` and ``/api/v1/releases/``."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def page(self, **filters: Unpack[FeedFilters]) -> FeedPage:
        """One page of the changes after ``after`` (0: from the start)."""
        params: dict[str, Any] = {"after": 0}
        given: dict[str, Any] = dict(filters)
        for name, value in given.items():
            if isinstance(value, dt.datetime):
                params[name] = value.isoformat()
            elif isinstance(value, str | int):
                params[name] = value
            else:
                params[name] = list(value)
        return self._parse(self._transport.json("GET", "changes/", params=params))

    def pages(self, **filters: Unpack[FeedFilters]) -> Iterator[FeedPage]:
        """Pages from ``after`` on, until the feed has no more for now (the last page is not
        full); resume later with ``after=`` the last page's ``last_seq``."""
        page = self.page(**filters)
        yield page
        while page.next is not None:
            page = self._parse(self._transport.json("GET", page.next))
            yield page

    def changes(self, **filters: Unpack[FeedFilters]) -> Iterator[FeedEntry]:
        """Every change from ``after`` on, oldest first, until the feed has no more for now."""
        for page in self.pages(**filters):
            yield from page.results

    def releases(self) -> tuple[Release, ...]:
        """Every release of the public dataset, oldest first."""
        data = self._transport.json("GET", "releases/")
        if not isinstance(data, dict):
            raise UnexpectedResponse("Expected the list of releases")
        return ReleaseList.from_dict(data).results

    @staticmethod
    def _parse(data: Any) -> FeedPage:
        if not isinstance(data, dict):
            raise UnexpectedResponse("Expected a page of the change feed")
        return FeedPage.from_dict(data)
