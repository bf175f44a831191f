"""Pages of a list, and lazy iteration over all of them.

A list is served in pages of at most 200 records, each with the address of the ``next`` one.
:func:`iterate_pages` fetches one page at a time, only when the previous one has been consumed,
so walking a list of any length holds one page in memory.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from typing import Generic, TypeVar

from .errors import UnexpectedResponse
from .facets import Facet

__all__ = ["ListIterator", "Page", "iterate_pages"]

T = TypeVar("T")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Page(Generic[T]):
    """One page of a list: ``count`` records in all, the addresses of the pages around this one,
    and this page's ``results``. Iterating a page iterates its results.

    ``facets``: for a list asked for ``facet``, the counts of each field over the whole filtered
    list (not only this page), by name; empty otherwise.
    """

    count: int
    next: str | None
    previous: str | None
    results: tuple[T, ...]
    facets: Mapping[str, Facet] = dataclasses.field(default_factory=dict)

    def __iter__(self) -> Iterator[T]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, index: int) -> T:
        return self.results[index]


def iterate_pages(
    first: Callable[[], Page[T]], follow: Callable[[str], Page[T]]
) -> Iterator[Page[T]]:
    """Every page, the first from ``first()``, each next one from ``follow(next_url)``."""
    page = first()
    yield page
    fetched: str | None = None
    while page.next is not None:
        if page.next == fetched:  # a server bug must not make a script loop forever
            raise UnexpectedResponse(f"The page at {fetched} names itself as the next one")
        fetched = page.next
        page = follow(fetched)
        yield page


class ListIterator(Iterator[T]):
    """Every record of a list, one page in memory at a time.

    The first page is fetched when the iterator is made (so a bad filter raises at once), each
    next one when the previous one is used up. ``count`` is the number of records in the list;
    ``facets`` the counts asked for with ``facet`` (from the first page).
    """

    def __init__(self, pages: Iterator[Page[T]]) -> None:
        self._pages = pages
        self._page = next(pages)
        self._index = 0
        self.count = self._page.count
        self.facets: Mapping[str, Facet] = self._page.facets

    def __iter__(self) -> ListIterator[T]:
        return self

    def __next__(self) -> T:
        while self._index >= len(self._page.results):
            if self._page.next is None:
                raise StopIteration
            self._page = next(self._pages)
            self._index = 0
        item = self._page.results[self._index]
        self._index += 1
        return item
