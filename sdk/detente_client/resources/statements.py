"""``/api/v1/statements/``: statement records."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal, Unpack, overload

from ..facets import Facet
from ..models import Statement
from ..pagination import ListIterator, Page
from ..params import (
    ExportFormat,
    StatementChanges,
    StatementCreate,
    StatementExportFilters,
    StatementFacet,
    StatementFilters,
)
from ..streams import Export
from ..transport import Transport
from .base import Resource

__all__ = ["Statements"]


class Statements(Resource[Statement]):
    """Statements: ``list``, ``page``, ``facets``, ``export``, ``get``, ``create``, ``update``,
    ``replace``, ``delete``, ``history``, ``as_of`` and ``restore``.

    >>> for record in api.statements.list(speaker="xi-jinping", said_after="2024"): ...
    """

    def __init__(self, transport: Transport) -> None:
        super().__init__(transport, Statement)

    def list(self, **filters: Unpack[StatementFilters]) -> ListIterator[Statement]:
        """Every matching record, fetched a page at a time as the loop goes on.

        ``limit`` sets the page size (at most 200), not the number of records returned; stop
        early with ``itertools.islice`` or ``break``. With ``facet``, ``.facets`` holds the counts.
        """
        return self._list(filters)

    def page(self, **filters: Unpack[StatementFilters]) -> Page[Statement]:
        """One page: ``count``, ``next``, ``previous``, ``results`` (``limit``, ``offset``) and,
        with ``facet``, ``facets``."""
        return self._page(filters)

    def pages(self, **filters: Unpack[StatementFilters]) -> Iterator[Page[Statement]]:
        """Every page of the list, each fetched when the loop reaches it."""
        return self._pages(filters)

    def facets(
        self,
        names: StatementFacet | Sequence[StatementFacet],
        /,
        **filters: Unpack[StatementFilters],
    ) -> dict[str, Facet]:
        """How many of the matching records have each value of these fields, by field name."""
        return self._facets(names, filters)

    @overload
    def export(
        self, format: Literal["csv"], *, bom: bool = ..., **filters: Unpack[StatementExportFilters]
    ) -> Export[dict[str, str]]: ...

    @overload
    def export(
        self, format: Literal["ndjson"] = ..., **filters: Unpack[StatementExportFilters]
    ) -> Export[Statement]: ...

    def export(
        self,
        format: ExportFormat = "ndjson",
        *,
        bom: bool = False,
        **filters: Unpack[StatementExportFilters],
    ) -> Export[dict[str, str]] | Export[Statement]:
        """Every matching record in one streamed download, read as the loop goes on: rows of flat
        columns as dicts (``"csv"``) or records (``"ndjson"``); ``.save(path)`` keeps the file.
        ``bom=True`` (CSV only) starts the file with a UTF-8 byte order mark, for Excel."""
        return self._export(format, filters, bom=bom)

    def create(self, **fields: Unpack[StatementCreate]) -> Statement:
        """Create a statement (needs a token); related records as ids, topics as slugs."""
        return self._create(fields)

    def update(self, target: int | Statement, /, **changes: Unpack[StatementChanges]) -> Statement:
        """Change the fields given (PATCH); a nested list given replaces the old one whole.

        Given the record (not its id), the write happens only if it is still at that version,
        else :class:`~detente_client.PreconditionFailed`.
        """
        return self._write("PATCH", target, changes)

    def replace(self, target: int | Statement, /, **fields: Unpack[StatementCreate]) -> Statement:
        """Replace the whole record (PUT): a field left out goes back to its empty value.

        Given the record (not its id), the write happens only if it is still at that version.
        ``record.as_input()`` gives its current fields to start from.
        """
        return self._write("PUT", target, fields)
