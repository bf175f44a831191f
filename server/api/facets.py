"""Facets (as Datasette has them): beside a page of a list, how many records of the whole filtered
set have each value of a field, in the same response.

``?facet=kind,year`` (or repeated) asks for them; a view declares what it can count
(``facet_fields``: a public name and the column or expression it counts). An unknown name is a 400.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Expression, F, Q, QuerySet, Value
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import ExtractYear, NullIf
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend

from .counts import cached

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

FACET_PARAM = "facet"
# A facet shows its most frequent values; `truncated` says there are more.
MAX_FACET_VALUES = 50


@dataclass(frozen=True)
class Facet:
    """A facet through a list of parts (participants): each record counts once per value its
    parts have; a part without one (a participant named by label) counts nowhere."""

    column: str


FacetFields = Mapping[str, "str | Expression | Facet"]


def requested_facets(request: Request, available: FacetFields) -> list[str]:
    names: list[str] = []
    for value in request.query_params.getlist(FACET_PARAM):
        names += [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in available]
    if unknown or (FACET_PARAM in request.query_params and not names):
        choices = ", ".join(available) or "none on this list"
        raise ValidationError(
            {
                FACET_PARAM: [
                    f"Cannot count by {', '.join(unknown) or 'nothing'}. Choose from: {choices}."
                ]
            }
        )
    return list(dict.fromkeys(names))


def facet_counts(
    queryset: QuerySet[Any],
    names: list[str],
    available: FacetFields,
    question: Hashable | None = None,
) -> dict[str, dict[str, Any]]:
    """Per facet, each value and how many records of ``queryset`` have it, most frequent first.

    A record with several values (topics) counts once for each; one without (or with a blank)
    counts under null. With ``question`` (what decides the filtered set, as for list counts),
    counts are kept in the cache until the next write: they read the whole filtered set.
    """
    counts: dict[str, dict[str, Any]] = {}
    for name in names:
        column = available[name]
        if question is None:
            counts[name] = _facet(queryset, column)
        else:
            key = (queryset.db, "facet", question, name)
            counts[name] = cached(key, partial(_facet, queryset, column))
    return counts


def _facet(queryset: QuerySet[Any], column: str | Expression | Facet) -> dict[str, Any]:
    query = queryset.query
    if len(query.alias_map) > 1 or query.extra_select or query.extra_tables or query.annotations:
        # Counting over the matching ids keeps joins the filters made (and their duplicates),
        # and values they select, out of the groups.
        records = queryset.model._default_manager.filter(pk__in=queryset.order_by().values("pk"))
    else:
        records = queryset
    counted = records
    if isinstance(column, Facet):
        column = column.column
        # One filter() call: the values below come through the same (filtered) join.
        counted = records.filter(Q(**{f"{column}__isnull": False}) & ~Q(**{column: ""}))
    # Through a join a record may come once per related row; of its own columns, once.
    joined = isinstance(column, str) and LOOKUP_SEP in column
    # A blank text field is no value, like a missing one: both count under null.
    expression = NullIf(F(column), Value("")) if isinstance(column, str) else column
    rows = list(
        counted.order_by()
        .values(value=expression)
        .annotate(count=Count("pk", distinct=joined))
        .order_by("-count", "value")[: MAX_FACET_VALUES + 1]
    )
    return {
        "values": [
            {"value": None if row["value"] is None else str(row["value"]), "count": row["count"]}
            for row in rows[:MAX_FACET_VALUES]
        ],
        "truncated": len(rows) > MAX_FACET_VALUES,
    }


class Year(ExtractYear):
    """The year of a date column. SQLite's own ``strftime`` rather than Django's function for it,
    which is called in Python for each row: a facet over a million rows reads them all."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        sql, params = compiler.compile(self.lhs)
        return f"CAST(strftime('%%Y', {sql}) AS INTEGER)", params


class FacetParameter(BaseFilterBackend):
    """Checks ``facet`` on lists and documents it; the view counts after filtering."""

    def filter_queryset(
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> QuerySet[Any]:
        view.requested_facets = requested_facets(request, getattr(view, "facet_fields", {}))  # type: ignore[attr-defined]
        return queryset

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        available = list(getattr(view, "facet_fields", {}))
        if not available:
            return []
        name = "|".join(available)
        return [
            {
                "name": FACET_PARAM,
                "required": False,
                "in": "query",
                "description": (
                    "Comma-separated fields to count the filtered set by, returned beside the page "
                    f"in `facets` (top {MAX_FACET_VALUES} values each). One of: "
                    + ", ".join(available)
                    + "."
                ),
                "schema": {"type": "string", "pattern": f"^({name})(,({name}))*$"},
            }
        ]


FACETS_SCHEMA = {
    "type": "object",
    "description": "With `facet`: per field, the count of the filtered set per value.",
    "additionalProperties": {
        "type": "object",
        "required": ["values", "truncated"],
        "properties": {
            "values": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["value", "count"],
                    "properties": {
                        "value": {"type": "string", "nullable": True},
                        "count": {"type": "integer", "minimum": 1},
                    },
                },
            },
            "truncated": {"type": "boolean"},
        },
    },
}
