"""The OpenAPI document: error responses on every operation, and related records brief or ids."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers

from .errors import PROBLEM_CONTENT_TYPE
from .limits import max_items


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(  # type: ignore[assignment]
        required=False, help_text="Per parameter or field, for validation errors."
    )
    current_version = serializers.IntegerField(
        required=False, help_text="With 412: the record's version now."
    )
    referenced_by = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="With 409 on delete: the records that still rely on this one.",
    )


# A read with a bad token is refused (401) rather than served as anonymous.
READ_ERRORS = ("400", "401", "429")
DETAIL_READ_ERRORS = ("400", "401", "404", "429")
# Asking for records under review without being a curator.
REVIEW_ERRORS = ("403",)
WRITE_ERRORS = ("400", "401", "403", "404", "409", "412", "429")
CREATE_ERRORS = ("400", "401", "403", "409", "429")


class ProblemAwareAutoSchema(AutoSchema):
    """Adds the problem responses each kind of operation can give."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        # A restore creates the record again: 201, like a create (spectacular knows only create).
        if getattr(self.view, "action", None) == "restore" and "200" in responses:
            responses["201"] = responses.pop("200")
        for code in self._error_codes():
            responses.setdefault(
                code,
                self._get_response_for_code(ProblemSerializer, code, [PROBLEM_CONTENT_TYPE]),
            )
        return responses

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> Any:
        result = super()._map_basic_serializer(serializer, direction)
        for name, schema in result.get("properties", {}).items():
            _bounds(serializer.fields[name], schema, direction)
        return result

    def get_auth(self) -> list[dict[str, list[str]]]:
        # Reads are public: say so, beside the schemes that writes need.
        auth: list[dict[str, list[str]]] = super().get_auth()
        if self.method.upper() in {"GET", "HEAD", "OPTIONS"} and {} not in auth:
            auth.append({})
        return auth

    def _error_codes(self) -> tuple[str, ...]:
        method = self.method.upper()
        if method == "GET":
            codes: tuple[str, ...] = DETAIL_READ_ERRORS if "{" in self.path else READ_ERRORS
            if getattr(self.view, "reviewed_claims", False):
                codes += REVIEW_ERRORS
            return codes
        if method == "POST" and "{" not in self.path:
            return CREATE_ERRORS
        return WRITE_ERRORS


class TokenScheme(KnoxTokenScheme):
    """Knox's scheme, for its subclass that takes the rate middleware's lookup."""

    target_class = "server.api.authentication.TokenAuthentication"


def _bounds(field: Any, schema: dict[str, Any], direction: Any) -> None:
    """What a write through the API may hold (server/api/limits.py). The admin is not bound by
    these, so a record read back promises only what the database holds it to."""
    bound = max_items(field)
    if direction == "request" and bound is not None and schema.get("type") == "array":
        schema["maxItems"] = bound
    if direction != "response":
        return
    if isinstance(field, serializers.ListField):
        schema.pop("maxItems", None)
        if isinstance(schema.get("items"), dict):
            schema["items"].pop("maxLength", None)
    if isinstance(field, serializers.CharField) and _unbounded_column(field):
        schema.pop("maxLength", None)


def _unbounded_column(field: serializers.CharField) -> bool:
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None:
        return False
    try:
        column = model._meta.get_field(field.source)
    except FieldDoesNotExist:  # a property or a method: nothing the database bounds
        return True
    return getattr(column, "max_length", None) is None


class BriefRelatedFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "server.api.serializers.BriefRelatedField"

    def map_serializer_field(self, auto_schema: AutoSchema, direction: Any) -> Any:
        if direction == "request":
            return build_basic_type(OpenApiTypes.INT)
        return auto_schema.resolve_serializer(self.target.brief, direction).ref


SEARCHED_RESOURCES = ("Official", "Source", "Contact", "Statement")


def search_snippets(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Lists searched with ``q`` add ``snippet`` to each record (the view does, after paging)."""
    schemas = result.get("components", {}).get("schemas", {})
    for name in SEARCHED_RESOURCES:
        if name in schemas:
            schemas[name].setdefault("properties", {})["snippet"] = {
                "type": "string",
                "nullable": True,
                "readOnly": True,
                "description": (
                    "In a list searched with `q` only: the passage around the matches, "
                    "HTML-escaped, each match in <mark>…</mark>."
                ),
            }
    return result


def strict_request_bodies(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Say what the server enforces: request bodies take no other properties, claims cite."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request") or component.get("type") != "object":
            continue
        component["additionalProperties"] = False
        citations = component.get("properties", {}).get("citations")
        if citations is not None and citations.get("type") == "array":
            citations["minItems"] = 1
    return result
