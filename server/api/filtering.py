"""Filter backends that refuse what they do not understand.

An ignored filter returns the whole table, and people act on that; so an unknown query parameter, a
malformed value or an unknown ordering field is a 400 naming the parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import F, OrderBy, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.settings import api_settings

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
    }
)


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, plus a 400 for any query parameter the list does not know."""

    def filter_queryset(
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> QuerySet[Any]:
        known = set(COMMON_PARAMETERS)
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            known |= set(filterset_class.base_filters)
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise ValidationError(
                {
                    name: [f"Unknown query parameter. Known: {', '.join(sorted(known))}."]
                    for name in unknown
                }
            )
        return super().filter_queryset(request, queryset, view)


MAX_SEARCH_LENGTH = 200


class TextSearchFilter(SearchFilter):
    """``q``: every word (or "quoted phrase") must appear in one of the view's ``search_fields``.

    Each term costs a scan of every searched column, so a query is bounded in length (and, on
    PostgreSQL, every statement in time).
    """

    def get_search_terms(self, request: Request) -> list[str]:
        values = request.query_params.getlist(self.search_param)
        if len(values) > 1:
            raise ValidationError({self.search_param: ["Give one search query."]})
        query = values[0] if values else ""
        problem = None
        if len(query) > MAX_SEARCH_LENGTH:
            problem = f"A search is at most {MAX_SEARCH_LENGTH} characters."
        elif query.count('"') % 2:
            problem = 'A quote mark (") opens a phrase that is never closed.'
        elif "\x00" in query:
            problem = "A search cannot hold a null character."
        if problem is not None:
            raise ValidationError({self.search_param: [problem]})
        return super().get_search_terms(request)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            # At most the length, and quote marks in pairs (each phrase closed).
            parameter["schema"]["maxLength"] = MAX_SEARCH_LENGTH
            parameter["schema"]["pattern"] = '^[^"\\u0000]*("[^"\\u0000]*"[^"\\u0000]*)*$'
        return parameters


class StrictOrderingFilter(OrderingFilter):
    """``ordering``: comma-separated names from the view's ``ordering_fields``; ``-`` descends.

    A view may map a public name to several columns (``ordering_aliases``), so that a partial date
    sorts by its earliest day, then coarser before finer. Empty values come last either way, on
    every database. The primary key always breaks ties, so pages never overlap or skip rows.
    """

    def get_ordering(  # type: ignore[override]
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> list[OrderBy]:
        values = request.query_params.getlist(self.ordering_param)
        if not values:
            return self._expand(self.get_default_ordering(view) or (), view)
        if len(values) > 1:
            raise ValidationError({self.ordering_param: ["Give one ordering parameter."]})
        allowed = list(getattr(view, "ordering_fields", ()))
        requested = [term.strip() for term in values[0].split(",") if term.strip()]
        invalid = [term for term in requested if term.lstrip("-") not in allowed]
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
        for term in terms:
            descending = term.startswith("-")
            for column in aliases.get(term.lstrip("-"), (term.lstrip("-"),)):
                columns.append((column.lstrip("-"), descending != column.startswith("-")))
        if not any(name in {"id", "pk"} for name, _ in columns):
            columns.append(("id", False))
        return [
            F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
            for name, descending in columns
        ]

    def filter_queryset(
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> QuerySet[Any]:
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
