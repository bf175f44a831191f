"""List pagination: ``limit``/``offset`` with a capped page size and a stable order.

DRF falls back to the default page when ``limit`` or ``offset`` is not a number; here a malformed
value is a 400, like every other malformed parameter. A ``limit`` above the cap gets the cap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

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
        return parameters
