"""``/api/v1/contacts/``: contact records."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal, Unpack, overload

from ..facets import Facet
from ..models import Contact
from ..pagination import ListIterator, Page
from ..params import (
    ContactChanges,
    ContactCreate,
    ContactExportFilters,
    ContactFacet,
    ContactFilters,
    ExportFormat,
)
from ..streams import Export
from ..transport import Transport
from .base import Resource

__all__ = ["Contacts"]


class Contacts(Resource[Contact]):
    """Contacts: ``list``, ``page``, ``facets``, ``export``, ``get``, ``create``, ``update``,
    ``replace``, ``delete``, ``history``, ``as_of`` and ``restore``.

    >>> for record in api.contacts.list(official="xi-jinping", date_after="2024-07"): ...
    """

    def __init__(self, transport: Transport) -> None:
        super().__init__(transport, Contact)

    def list(self, **filters: Unpack[ContactFilters]) -> ListIterator[Contact]:
        """Every matching record, fetched a page at a time as the loop goes on.

        ``limit`` sets the page size (at most 200), not the number of records returned; stop
        early with ``itertools.islice`` or ``break``. With ``facet``, ``.facets`` holds the counts.
        """
        return self._list(filters)

    def page(self, **filters: Unpack[ContactFilters]) -> Page[Contact]:
        """One page: ``count``, ``next``, ``previous``, ``results`` (``limit``, ``offset``) and,
        with ``facet``, ``facets``."""
        return self._page(filters)

    def pages(self, **filters: Unpack[ContactFilters]) -> Iterator[Page[Contact]]:
        """Every page of the list, each fetched when the loop reaches it."""
        return self._pages(filters)

    def facets(
        self, names: ContactFacet | Sequence[ContactFacet], /, **filters: Unpack[ContactFilters]
    ) -> dict[str, Facet]:
        """How many of the matching records have each value of these fields, by field name."""
        return self._facets(names, filters)

    @overload
    def export(
        self, format: Literal["csv"], *, bom: bool = ..., **filters: Unpack[ContactExportFilters]
    ) -> Export[dict[str, str]]: ...

    @overload
    def export(
        self, format: Literal["ndjson"] = ..., **filters: Unpack[ContactExportFilters]
    ) -> Export[Contact]: ...

    def export(
        self,
        format: ExportFormat = "ndjson",
        *,
        bom: bool = False,
        **filters: Unpack[ContactExportFilters],
    ) -> Export[dict[str, str]] | Export[Contact]:
        """Every matching record in one streamed download, read as the loop goes on: rows of flat
        columns as dicts (``"csv"``) or records (``"ndjson"``); ``.save(path)`` keeps the file.
        ``bom=True`` (CSV only) starts the file with a UTF-8 byte order mark, for Excel."""
        return self._export(format, filters, bom=bom)

    def create(self, **fields: Unpack[ContactCreate]) -> Contact:
        """Create a contact (needs a token); related records as ids, topics as slugs."""
        return self._create(fields)

    def update(self, target: int | Contact, /, **changes: Unpack[ContactChanges]) -> Contact:
        """Change the fields given (PATCH); a nested list given replaces the old one whole.

        Given the record (not its id), the write happens only if it is still at that version,
        else :class:`~detente_client.PreconditionFailed`.
        """
        return self._write("PATCH", target, changes)

    def replace(self, target: int | Contact, /, **fields: Unpack[ContactCreate]) -> Contact:
        """Replace the whole record (PUT): a field left out goes back to its empty value.

        Given the record (not its id), the write happens only if it is still at that version.
        ``record.as_input()`` gives its current fields to start from.
        """
        return self._write("PUT", target, fields)
