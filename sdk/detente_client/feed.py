"""The change feed and the dataset's releases: what a mirror needs to stay in sync."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, Literal

from .errors import UnexpectedResponse
from .models import Model
from .transport import Transport

FeedResource = Literal["topics", "sources", "officials", "contacts", "statements"]
__all__ = [
    "DeltaCounts",
    "Feed",
    "FeedEntry",
    "FeedPage",
    "FeedResource",
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
    # With ``include_record``: the record's line of the dataset export as it is now, or None
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

    def page(
        self,
        *,
        after: int = 0,
        resource: FeedResource | Sequence[FeedResource] | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        include_record: bool = False,
        limit: int | None = None,
    ) -> FeedPage:
        """One page of the changes after ``after``."""
        params: dict[str, Any] = {"after": after}
        if resource is not None:
            params["resource"] = [resource] if isinstance(resource, str) else list(resource)
        for name, moment in (("since", since), ("until", until)):
            if moment is not None:
                params[name] = moment.isoformat()
        if include_record:
            params["include"] = "record"
        if limit is not None:
            params["limit"] = limit
        return self._parse(self._transport.json("GET", "changes/", params=params))

    def pages(self, **options: Any) -> Iterator[FeedPage]:
        """Pages from ``after`` on, until the feed has no more for now (the last page is not
        full); resume later with ``after=`` the last page's ``last_seq``."""
        page = self.page(**options)
        yield page
        while page.next is not None:
            page = self._parse(self._transport.json("GET", page.next))
            yield page

    def changes(self, **options: Any) -> Iterator[FeedEntry]:
        """Every change from ``after`` on, oldest first, until the feed has no more for now."""
        for page in self.pages(**options):
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
