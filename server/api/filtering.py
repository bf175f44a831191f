"""Filter backends that refuse what they do not understand.

An ignored filter returns the whole table, and people act on that; so an unknown query parameter, a
malformed value or an unknown ordering field is a 400 naming the parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import F, OrderBy, QuerySet
from django_filters import FilterSet, utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.settings import api_settings

from server.diplomacy import search
from server.diplomacy.search import Query

from .exports import BOM_PARAM, byte_order_mark

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

# Parameters every list understands besides its filterset's own.
COMMON_PARAMETERS = frozenset(
    {
        "limit",
        "offset",
        api_settings.URL_FORMAT_OVERRIDE or "format",
        api_settings.ORDERING_PARAM,
        api_settings.SEARCH_PARAM,
        "facet",
        "cursor",
        BOM_PARAM,
    }
)


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, plus a 400 for any query parameter the list does not know."""

    def filter_queryset(
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> QuerySet[Any]:
        known = set(COMMON_PARAMETERS)
        filterset_class = self.get_filterset_class(view, queryset)
        filters = set(filterset_class.base_filters) if filterset_class is not None else set()
        known |= filters
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise ValidationError(
                {
                    name: [f"Unknown query parameter. Known: {', '.join(sorted(known))}."]
                    for name in unknown
                }
            )
        byte_order_mark(request)  # a malformed value is a 400 on every list, exported or not
        given = filters & set(request.query_params)
        if filterset_class is None or not given:
            # Without a value every filter leaves the list as it is; building the filter set and
            # its form would cost more than the page's query.
            return queryset
        limited = limited_to(filterset_class, frozenset(given))
        filterset = limited(**self.get_filterset_kwargs(request, queryset, view))
        if not filterset.is_valid():
            raise utils.translate_validation(filterset.errors)
        return filterset.qs


@lru_cache(maxsize=512)
def limited_to(filterset_class: type[FilterSet], names: frozenset[str]) -> type[FilterSet]:
    """The filter set with only the filters a request gives values to, and its form class made
    once. The others would leave the list as it is, yet each would be copied, given a form field
    and cleaned on every request; no filter here reads another's value."""
    limited: Any = type(filterset_class.__name__, (filterset_class,), {"__module__": __name__})
    limited.base_filters = {
        name: filter_ for name, filter_ in filterset_class.base_filters.items() if name in names
    }
    limited.form_class = None

    def get_form_class(self: Any) -> type[forms.Form]:
        # A form copies its fields on creation, so one class serves every request.
        if limited.form_class is None:
            limited.form_class = super(limited, self).get_form_class()
        return limited.form_class

    limited.get_form_class = get_form_class
    return limited


MAX_SEARCH_LENGTH = 200


def search_query(request: Request, param: str = api_settings.SEARCH_PARAM) -> Query | None:
    """The parsed ``q`` of a request (None without one); a 400 saying what to fix if malformed."""
    values = request.query_params.getlist(param)
    if len(values) > 1:
        raise ValidationError({param: ["Give one search query."]})
    text = values[0] if values else ""
    if len(text) > MAX_SEARCH_LENGTH:
        raise ValidationError({param: [f"A search is at most {MAX_SEARCH_LENGTH} characters."]})
    if "\x00" in text:
        raise ValidationError({param: ["A search cannot hold a null character."]})
    if not text.strip():
        return None
    try:
        return search.parse(text)
    except search.SearchSyntaxError as error:
        raise ValidationError({param: [str(error)]}) from None


class TextSearchFilter(SearchFilter):
    """``q``: full-text search through the resource's index, most relevant first (see
    ``server.diplomacy.search`` for the query language)."""

    def filter_queryset(
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> QuerySet[Any]:
        query = search_query(request, self.search_param)
        view.search_query = query  # type: ignore[attr-defined]
        return queryset if query is None else search.matching(queryset, query)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            # At most the length, and quote marks in pairs (each phrase closed).
            parameter["schema"]["maxLength"] = MAX_SEARCH_LENGTH
            parameter["schema"]["pattern"] = '^[^"\\u0000]*("[^"\\u0000]*"[^"\\u0000]*)*$'
            parameter["description"] = (
                "Full-text search, most relevant first, each result with a highlighted snippet: "
                'words (all must match), "a phrase", a prefix*, OR between alternatives, -word '
                "to exclude. A query that reads two ways (a dangling OR or -, a lone *) is a 400. "
                "Relevance ranks a window of the newest matches (500 unless the deployment sets "
                "another size); older matches follow, newest first."
            )
        return parameters


def _field_of(term: str) -> str:
    """The field an ordering term names: one ``-`` descends (``--id`` names no field)."""
    return term.removeprefix("-")


class StrictOrderingFilter(OrderingFilter):
    """``ordering``: comma-separated names from the view's ``ordering_fields``; ``-`` descends.

    A view may map a public name to several columns (``ordering_aliases``), so that a partial date
    sorts by its earliest day, then coarser before finer. Empty values come last either way, on
    every database. The primary key always breaks ties, so pages never overlap or skip rows.

    The columns of one alias are empty together (a partial date's three columns are, by a
    database check), so only the first needs its empty values placed. On SQLite, whose indexes
    hold empty values first and which cannot read one in an order that places them otherwise,
    the others are ordered plainly, as are columns that are never empty: a page then reads the
    order's index without sorting. PostgreSQL's indexes declare where empty values go, and the
    order says the same everywhere to match them.
    """

    # The list's database engine and model, set by ``filter_queryset`` for the ordering.
    vendor = ""
    model: Any = None

    def get_ordering(  # type: ignore[override]
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> list[OrderBy]:
        values = request.query_params.getlist(self.ordering_param)
        if not values and getattr(view, "search_query", None) is not None:
            return [F("search_rank").asc(), F("id").asc()]
        if not values:
            return self._expand(self.get_default_ordering(view) or (), view)
        if len(values) > 1:
            raise ValidationError({self.ordering_param: ["Give one ordering parameter."]})
        allowed = list(getattr(view, "ordering_fields", ()))
        requested = [term.strip() for term in values[0].split(",") if term.strip()]
        invalid = [term for term in requested if _field_of(term) not in allowed]
        if invalid or not requested:
            raise ValidationError(
                {
                    self.ordering_param: [
                        f"Cannot order by {', '.join(invalid) or 'nothing'}. "
                        f"Choose from: {', '.join(allowed)} (prefix - to descend)."
                    ]
                }
            )
        return self._expand(requested, view)

    def _expand(self, terms: Iterable[str], view: APIView) -> list[OrderBy]:
        aliases: dict[str, Sequence[str]] = getattr(view, "ordering_aliases", {})
        columns: list[tuple[str, bool]] = []
        placed: list[bool] = []  # whether the column's empty values need placing
        for term in terms:
            descending = term.startswith("-")
            field = _field_of(term)
            for index, column in enumerate(aliases.get(field, (field,))):
                name = column.lstrip("-")
                columns.append((name, descending != column.startswith("-")))
                placed.append(index == 0 and self._may_be_empty(name))
        if not any(name in {"id", "pk"} for name, _ in columns):
            columns.append(("id", False))
            placed.append(False)
        # Keyset pagination (``cursors``) walks the same columns in the same order.
        view.ordering_columns = columns  # type: ignore[attr-defined]
        every = self.vendor != "sqlite"
        return [
            OrderBy(F(name), descending=descending, nulls_last=(every or place) or None)
            for (name, descending), place in zip(columns, placed, strict=True)
        ]

    def _may_be_empty(self, name: str) -> bool:
        try:
            return bool(self.model._meta.get_field(name).null)
        except (AttributeError, FieldDoesNotExist):
            return True

    def filter_queryset(
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> QuerySet[Any]:
        view.ordering_columns = None  # type: ignore[attr-defined]
        self.vendor, self.model = connections[queryset.db].vendor, queryset.model
        view.ordering_key = ",".join(request.query_params.getlist(self.ordering_param))  # type: ignore[attr-defined]
        return queryset.order_by(*self.get_ordering(request, queryset, view))

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        names = "|".join(getattr(view, "ordering_fields", ()))
        term = f"-?({names})"
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": (
                    "Comma-separated fields to order by; prefix - to descend. One of: "
                    + ", ".join(getattr(view, "ordering_fields", ()))
                    + "."
                ),
                "schema": {"type": "string", "pattern": f"^{term}(,{term})*$"},
            }
        ]
