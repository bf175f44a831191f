"""What every resource does; each resource's module only adds its typed signatures."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from ..dates import PartialDate
from ..errors import UnexpectedResponse
from ..facets import Facet
from ..models import Record, Revision, parse_page
from ..pagination import ListIterator, Page, iterate_pages
from ..params import ExportFormat, ReviewFilter
from ..streams import Export, csv_rows, ndjson_objects
from ..transport import Transport, decode

__all__ = ["EXPORT_MEDIA_TYPES", "RecordT", "Resource", "encode", "encode_query"]

# What each export format is sent as (and asked for with Accept).
EXPORT_MEDIA_TYPES: dict[str, str] = {"csv": "text/csv", "ndjson": "application/x-ndjson"}

RecordT = TypeVar("RecordT", bound=Record)
# Which review states a read of a statement, contact or official's posts shows (None: the
# server's default, reviewed only); "all", "draft" and "disputed" need a curator's token.
Review = ReviewFilter | Sequence[ReviewFilter] | None


class Resource(Generic[RecordT]):
    """One resource of the API (``/api/v1/<path>/``): its list, its records and their history.

    Writes to a record given as an object send ``If-Match`` with that object's version, so that
    a write based on a stale copy fails with :class:`~detente_client.PreconditionFailed` instead
    of overwriting someone else's change; given a bare id, they send none.
    """

    path: str
    model: type[RecordT]

    def __init__(self, transport: Transport, model: type[RecordT]) -> None:
        self._transport = transport
        self.model = model
        self.path = model.resource

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._transport.url(self.path + '/')}>"

    # -- reading ---------------------------------------------------------------------------

    def get(self, id: int | RecordT, /, *, review: Review = None) -> RecordT:
        """The record with this id (:class:`~detente_client.NotFound` if there is none, or if
        it is not in the ``review`` states asked for: reviewed only by default)."""
        params = _review_params(review)
        return self._tagged(self._transport.request("GET", self._detail(id), params=params))

    def refresh(self, record: RecordT, /, *, review: Review = None) -> RecordT:
        """The record as it is now: ``record`` itself if its representation is unchanged (a
        conditional request with the ETag it was read with; a record read from a list has none,
        and is read again), including the records it embeds (a speaker's name, a source's
        title)."""
        response = self._transport.request(
            "GET",
            self._detail(record),
            params=_review_params(review),
            headers={"If-None-Match": record.etag} if record.etag else None,
            ok=frozenset({304}),
        )
        if response.status_code == 304:
            return record
        return self._tagged(response)

    def as_of(self, id: int | RecordT, /, when: dt.datetime, *, review: Review = None) -> RecordT:
        """The record as it stood at ``when`` (a naive datetime is taken as UTC, as by the API).

        :class:`~detente_client.NotFound` if it did not exist then.
        """
        if not isinstance(when, dt.datetime):
            raise TypeError("when must be a datetime")
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        params = {"as_of": when.isoformat(), **_review_params(review)}
        data = self._transport.json("GET", self._detail(id), params=params)
        return self._record(data)

    def history(self, id: int | RecordT, /, *, review: Review = None) -> list[Revision]:
        """Every revision of the record, oldest first (also of a deleted record)."""
        return list(self.revisions(id, review=review))

    def revisions(self, id: int | RecordT, /, *, review: Review = None) -> Iterator[Revision]:
        """The record's revisions, oldest first, fetched a page at a time."""
        path = self._detail(id) + "history/"
        params = _review_params(review)
        pages = iterate_pages(
            lambda: parse_page(Revision, self._transport.json("GET", path, params=params)),
            lambda url: parse_page(Revision, self._transport.json("GET", url)),
        )
        return ListIterator(pages)

    def next_page(self, page: Page[RecordT], /) -> Page[RecordT] | None:
        """The page after ``page``, or None on the last one."""
        return None if page.next is None else self._follow(page.next)

    def previous_page(self, page: Page[RecordT], /) -> Page[RecordT] | None:
        """The page before ``page``, or None on the first one."""
        return None if page.previous is None else self._follow(page.previous)

    # -- writing ---------------------------------------------------------------------------

    def delete(self, target: int | RecordT, /) -> None:
        """Delete the record; it stays in its history and can be restored.

        :class:`~detente_client.Conflict` while other records rely on it.
        """
        self._transport.request("DELETE", self._detail(target), headers=_if_match(target))

    def restore(self, id: int | RecordT, /) -> RecordT:
        """Bring a deleted record back, with the same id, as a new version."""
        return self._tagged(self._transport.request("POST", self._detail(id) + "restore/"))

    # -- for the typed methods of each resource --------------------------------------------

    def _list(self, filters: Mapping[str, Any]) -> ListIterator[RecordT]:
        # The facets are those of the whole list: counted once, with the first page.
        pages = iterate_pages(
            lambda: self._page(filters), lambda url: self._follow(_without(url, "facet"))
        )
        return ListIterator(pages)

    def _facets(self, names: str | Sequence[str], filters: Mapping[str, Any]) -> dict[str, Facet]:
        chosen = [names] if isinstance(names, str) else list(names)
        if not chosen:
            raise ValueError("name at least one facet")
        page = self._page({**filters, "facet": chosen, "limit": 1, "offset": None})
        return dict(page.facets)

    def _export(
        self, format: ExportFormat, filters: Mapping[str, Any], *, bom: bool = False
    ) -> Export[Any]:
        if format not in EXPORT_MEDIA_TYPES:
            raise ValueError(
                f"format must be one of {', '.join(EXPORT_MEDIA_TYPES)}, not {format!r}"
            )
        if bom and format != "csv":
            raise ValueError("a byte order mark (bom=True) starts a CSV export only")
        params = {**encode_query(filters), "format": format}
        if bom:
            params["bom"] = "true"
        response = self._transport.request(
            "GET",
            self.path + "/",
            params=params,
            headers={"Accept": EXPORT_MEDIA_TYPES[format]},
            stream=True,
        )
        if format == "csv":
            return Export(response, csv_rows)
        return Export(response, lambda text: _models(self.model, ndjson_objects(text)))

    def _pages(self, filters: Mapping[str, Any]) -> Iterator[Page[RecordT]]:
        return iterate_pages(lambda: self._page(filters), self._follow)

    def _page(self, filters: Mapping[str, Any]) -> Page[RecordT]:
        data = self._transport.json("GET", self.path + "/", params=encode_query(filters))
        return parse_page(self.model, data)

    def _follow(self, url: str) -> Page[RecordT]:
        return parse_page(self.model, self._transport.json("GET", url))

    def _create(self, body: Mapping[str, Any]) -> RecordT:
        return self._tagged(self._transport.request("POST", self.path + "/", json=encode(body)))

    def _write(self, method: str, target: int | RecordT, body: Mapping[str, Any]) -> RecordT:
        response = self._transport.request(
            method, self._detail(target), json=encode(body), headers=_if_match(target)
        )
        return self._tagged(response)

    def _record(self, data: Any) -> RecordT:
        if not isinstance(data, Mapping):
            raise UnexpectedResponse(f"Expected a {self.model.__name__} object")
        return self.model.from_dict(data)

    def _tagged(self, response: requests.Response) -> RecordT:
        """The record a response holds, with the response's ETag."""
        record = self._record(decode(response))
        tag = response.headers.get("ETag")
        return dataclasses.replace(record, etag=tag) if tag else record

    def _detail(self, target: int | RecordT) -> str:
        return f"{self.path}/{_id(target)}/"


def _models(model: type[RecordT], items: Iterator[dict[str, Any]]) -> Iterator[RecordT]:
    for item in items:
        yield model.from_dict(item)


def _without(url: str, name: str) -> str:
    """``url`` without the query parameter ``name``."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(key, value) for key, value in query if key != name]
    if len(kept) == len(query):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept)))


def _id(target: int | Record) -> int:
    if isinstance(target, Record):
        return target.id
    if isinstance(target, bool) or not isinstance(target, int):
        raise TypeError(f"Expected a record or its integer id, not {target!r}")
    return target


def _review_params(review: Review) -> dict[str, Any]:
    if review is None:
        return {}
    return {"review": [review] if isinstance(review, str) else list(review)}


def _if_match(target: int | Record) -> dict[str, str]:
    return {"If-Match": f'"{target.version}"'} if isinstance(target, Record) else {}


def encode(value: Any) -> Any:
    """A body value as JSON: partial dates and dates as their text, sequences as lists."""
    if isinstance(value, PartialDate):
        return value.text
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    return value


def encode_query(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Filters as query parameters: a date bound as its text, a list repeated (OR)."""
    query: dict[str, Any] = {}
    for name, value in filters.items():
        if value is None:
            continue
        if isinstance(value, str | int):
            query[name] = value
        elif isinstance(value, PartialDate | dt.date):
            query[name] = PartialDate.of(value).text
        else:
            query[name] = [encode(item) for item in value]
    return query
