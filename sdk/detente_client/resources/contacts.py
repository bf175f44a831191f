"""``/api/v1/contacts/``: contact records."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Unpack

from ..models import Contact
from ..pagination import ListIterator, Page
from ..params import ContactChanges, ContactCreate, ContactFilters
from ..transport import Transport
from .base import Resource

__all__ = ["Contacts"]


class Contacts(Resource[Contact]):
    """Contacts: ``list``, ``page``, ``get``, ``create``, ``update``, ``replace``, ``delete``,
    ``history``, ``as_of`` and ``restore``.

    >>> for record in api.contacts.list(official="xi-jinping", date_after="2024-07"): ...
    """

    def __init__(self, transport: Transport) -> None:
        super().__init__(transport, Contact)

    def list(self, **filters: Unpack[ContactFilters]) -> ListIterator[Contact]:
        """Every matching record, fetched a page at a time as the loop goes on.

        ``limit`` sets the page size (at most 200), not the number of records returned; stop
        early with ``itertools.islice`` or ``break``.
        """
        return self._list(filters)

    def page(self, **filters: Unpack[ContactFilters]) -> Page[Contact]:
        """One page: ``count``, ``next``, ``previous`` and ``results`` (``limit``, ``offset``)."""
        return self._page(filters)

    def pages(self, **filters: Unpack[ContactFilters]) -> Iterator[Page[Contact]]:
        """Every page of the list, each fetched when the loop reaches it."""
        return self._pages(filters)

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
