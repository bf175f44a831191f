"""List pagination: ``limit``/``offset`` with a capped page size and a stable order, or, with
``cursor``, keyset pages whose cost does not grow with depth (``cursors``).

DRF falls back to the default page when ``limit`` or ``offset`` is not a number; here a malformed
value is a 400, like every other malformed parameter. A ``limit`` above the cap gets the cap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.utils.urls import replace_query_param

from .counts import cached_count
from .cursors import CURSOR_PARAM, MAX_CURSOR_LENGTH, cursor_of, decode_cursor, runs_after
from .facets import FACETS_SCHEMA

if TYPE_CHECKING:
    from rest_framework.request import Request

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Beyond any real offset, and below every database's integer limit.
LARGEST_NUMBER = 10**12


def _non_negative_int(request: Request, name: str, *, minimum: int) -> int | None:
    raw = request.query_params.getlist(name)
    if not raw:
        return None
    if len(raw) > 1:
        raise ValidationError({name: [f"Give {name} once."]})
    try:
        value = int(raw[0])
    except ValueError:
        raise ValidationError({name: [f"{name} must be a whole number."]}) from None
    if not minimum <= value <= LARGEST_NUMBER:
        raise ValidationError({name: [f"{name} must be from {minimum} to {LARGEST_NUMBER}."]})
    return value


class CappedLimitOffsetPagination(LimitOffsetPagination):
    default_limit = DEFAULT_PAGE_SIZE
    max_limit = MAX_PAGE_SIZE

    # Set by ``paginate_queryset`` in cursor mode: the next page's cursor, if there is one.
    next_cursor: str | None = None
    cursor_mode = False
    counted: QuerySet[Any] | None = None
    count_question: Any = None

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        # A list read as rows (``rows.page_rows``) is counted as the records it reads: a count
        # over ``.values()`` with a search's rank selected is not one.
        self.counted = getattr(view, "counted_queryset", None)
        self.count_question = getattr(view, "count_question", None)
        self.cursor_mode = CURSOR_PARAM in request.query_params
        if not self.cursor_mode:
            return super().paginate_queryset(queryset, request, view)
        return self._cursor_page(queryset, request, view)

    def _cursor_page(self, queryset: QuerySet[Any], request: Request, view: Any) -> list[Any]:
        tokens = request.query_params.getlist(CURSOR_PARAM)
        if len(tokens) > 1:
            raise ValidationError({CURSOR_PARAM: ["Give one cursor."]})
        if self.offset_query_param in request.query_params:
            raise ValidationError(
                {self.offset_query_param: ["A cursor walk has no offset: leave it out."]}
            )
        columns = getattr(view, "ordering_columns", None)
        if columns is None:
            raise ValidationError(
                {CURSOR_PARAM: ["Results ranked by relevance have no cursor: give `ordering`."]}
            )
        ordering = getattr(view, "ordering_key", "")
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = 0
        self.count = self.get_count(queryset)
        # One row more than the page says whether there is a next one.
        wanted = self.limit + 1
        if tokens[0]:
            position = decode_cursor(tokens[0], queryset.model, columns, ordering)
            rows: list[Any] = []
            for run in runs_after(queryset.model, columns, position):
                rows += queryset.filter(run)[: wanted - len(rows)]
                if len(rows) == wanted:
                    break
        else:
            rows = list(queryset[:wanted])
        page, more = rows[: self.limit], len(rows) > self.limit
        self.next_cursor = cursor_of(page[-1], columns, ordering) if more else None
        return page

    def get_next_link(self) -> str | None:
        if not self.cursor_mode:
            return super().get_next_link()
        if self.next_cursor is None:
            return None
        assert self.request is not None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, CURSOR_PARAM, self.next_cursor)

    def get_previous_link(self) -> str | None:
        # A cursor walk goes forward only; start again with an empty cursor.
        return None if self.cursor_mode else super().get_previous_link()

    def get_count(self, queryset: Any) -> int:
        if self.counted is not None:
            return cached_count(self.counted, self.count_question)
        if isinstance(queryset, QuerySet):
            return cached_count(queryset, self.count_question)
        return len(queryset)

    def get_limit(self, request: Request) -> int:
        limit = _non_negative_int(request, self.limit_query_param, minimum=1)
        return self.default_limit if limit is None else min(limit, self.max_limit)

    def get_offset(self, request: Request) -> int:
        return _non_negative_int(request, self.offset_query_param, minimum=0) or 0

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated: dict[str, Any] = super().get_paginated_response_schema(schema)
        paginated["properties"]["facets"] = FACETS_SCHEMA
        return paginated

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {
                "minimum": 1,
                "maximum": LARGEST_NUMBER,
                "default": self.default_limit,
            },
            self.offset_query_param: {"minimum": 0, "maximum": LARGEST_NUMBER},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        if getattr(view, "action", None) == "list":
            parameters.append(CURSOR_PARAMETER)
        return parameters


CURSOR_PARAMETER = {
    "name": CURSOR_PARAM,
    "required": False,
    "in": "query",
    "description": (
        "Keyset pages, as deep as wanted at the cost of the first: an empty `cursor` starts the "
        "walk, then follow `next` (which carries the cursor). Not with `offset`, nor with `q` "
        "unless `ordering` is given; a cursor is valid under the ordering it came with."
    ),
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]*$", "maxLength": MAX_CURSOR_LENGTH},
}
