"""Query parameters of the endpoints that are not one resource's list (timeline, network).

They are read with a Django form built from the list filters' own fields, so a value is accepted,
normalised and refused exactly as on the resource lists; an unknown parameter is a 400.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

from django import forms
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from server.api.fields import PARTIAL_DATE_SCHEMA
from server.api.filters import COUNTRY_SCHEMA, ID_SCHEMA, SLUG_SCHEMA, PartialDateFormField

QueryForm = TypeVar("QueryForm", bound=forms.Form)


def read_query(
    form_class: type[QueryForm], request: Request, also_known: Collection[str] = ()
) -> QueryForm:
    """The form bound to the request's query and valid; a 400 naming each unknown or malformed
    parameter."""
    known = {*form_class.base_fields, *also_known}
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        listed = ", ".join(sorted(known))
        raise ValidationError(
            {name: [f"Unknown query parameter. Known: {listed}."] for name in unknown}
        )
    form = form_class(request.query_params)
    if not form.is_valid():
        raise ValidationError(
            {
                name: [error["message"] for error in errors]
                for name, errors in form.errors.get_json_data().items()
            }
        )
    return form


def optional_date() -> PartialDateFormField:
    return PartialDateFormField(required=False)


def repeatable(name: str, schema: dict[str, Any], description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        {"type": "array", "items": schema},
        style="form",
        explode=True,
        description=description,
    )


def slug_parameter(name: str, description: str, example: str) -> OpenApiParameter:
    return repeatable(name, {**SLUG_SCHEMA, "example": example}, description)


def country_parameter(description: str) -> OpenApiParameter:
    return repeatable("country", COUNTRY_SCHEMA, description)


def id_parameter(name: str, description: str) -> OpenApiParameter:
    return repeatable(name, ID_SCHEMA, description)


def choice_parameter(name: str, choices: Collection[str], description: str) -> OpenApiParameter:
    return repeatable(name, {"type": "string", "enum": sorted(choices)}, description)


def date_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, PARTIAL_DATE_SCHEMA, description=description)
