"""``/api/v1/timeline/``: contacts and statements in one list, in date order."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Unpack

from ..models import TimelineEntry, parse_page
from ..pagination import ListIterator, Page, iterate_pages
from ..params import TimelineFilters
from ..transport import Transport
from .base import encode_query

__all__ = ["Timeline"]


class Timeline:
    """The timeline: reviewed contacts and statements merged in date order.

    A partial date sorts by its earliest day, the coarser date first ("2024" before "2024-01"),
    contacts before statements on the same date; undated entries come last.

    >>> for entry in api.timeline.list(official="xi-jinping"):
    ...     print(entry.date, entry.type, entry.headline)
    """

    path = "timeline/"

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<Timeline {self._transport.url(self.path)}>"

    def list(self, **filters: Unpack[TimelineFilters]) -> ListIterator[TimelineEntry]:
        """Every matching entry, fetched a page at a time as the loop goes on (``limit`` is the
        page size)."""
        return ListIterator(self._pages(filters))

    def page(self, **filters: Unpack[TimelineFilters]) -> Page[TimelineEntry]:
        """One page: ``count``, ``next``, ``previous`` and ``results`` (``limit``, ``offset``)."""
        return self._page(filters)

    def pages(self, **filters: Unpack[TimelineFilters]) -> Iterator[Page[TimelineEntry]]:
        """Every page, each fetched when the loop reaches it."""
        return self._pages(filters)

    def next_page(self, page: Page[TimelineEntry], /) -> Page[TimelineEntry] | None:
        """The page after ``page``, or None on the last one."""
        return None if page.next is None else self._follow(page.next)

    def previous_page(self, page: Page[TimelineEntry], /) -> Page[TimelineEntry] | None:
        """The page before ``page``, or None on the first one."""
        return None if page.previous is None else self._follow(page.previous)

    def _pages(self, filters: Mapping[str, Any]) -> Iterator[Page[TimelineEntry]]:
        return iterate_pages(lambda: self._page(filters), self._follow)

    def _page(self, filters: Mapping[str, Any]) -> Page[TimelineEntry]:
        data = self._transport.json("GET", self.path, params=encode_query(filters))
        return parse_page(TimelineEntry, data)

    def _follow(self, url: str) -> Page[TimelineEntry]:
        return parse_page(TimelineEntry, self._transport.json("GET", url))
