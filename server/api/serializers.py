"""Serializer building blocks shared by every API version."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property, lru_cache
from typing import Any

from django.urls import get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.reverse import preserve_builtin_query_params

from server.diplomacy.safe_text import text_problem
from server.diplomacy.visibility import PUBLIC, is_claim, sees


class StrictFieldsMixin:
    """A body naming a field the resource does not have, or one it sets itself, is a 400; so is a
    value of the wrong JSON type, and text holding characters no stored text may hold.

    DRF silently drops unknown and read-only fields; a client that misspells ``speaker_lable`` or
    sends ``version`` would believe it had written something. DRF also reads ``"30"`` and ``1.5``
    as integers (``1.5`` as 1) and ``0`` as the text "0"; here a field takes its own JSON type.
    """

    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            errors: dict[str, list[str]] = {}
            for key, value in data.items():
                field = self.fields.get(key)
                if field is None:
                    errors[str(key)] = ["Unknown field."]
                elif field.read_only:
                    errors[str(key)] = ["This field is read-only."]
                elif (problem := _type_problem(field, value)) is not None:
                    errors[str(key)] = [problem]
            if errors:
                raise ValidationError(errors)
        return super().to_internal_value(data)  # type: ignore[misc]


NOT_TEXT = "Give text (a JSON string), not a number or a boolean."
NOT_INTEGER = "Give a whole number (a JSON integer), not text, a fraction or a boolean."
NOT_ID = "Give the id of the record (a JSON integer), not text, a fraction or a boolean."


def _is_text(value: Any) -> bool:
    # DRF would turn 0 into "0"; the schema promises a string, and so does the server.
    return value is None or isinstance(value, str)


def _is_integer(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


def _type_problem(field: serializers.Field, value: Any) -> str | None:
    """Why ``value`` does not suit the field's JSON type (or its text cannot be stored)."""
    if isinstance(field, serializers.CharField):
        if not _is_text(value):
            return NOT_TEXT
        return None if value is None else text_problem(value)
    if isinstance(field, serializers.IntegerField) and not _is_integer(value):
        return NOT_INTEGER
    if isinstance(field, serializers.PrimaryKeyRelatedField) and not _is_integer(value):
        return NOT_ID
    return None


class TextField(serializers.CharField):
    """A string, and only a string (DRF's CharField also takes numbers), that stored text may
    hold (``server.diplomacy.safe_text``)."""

    def to_internal_value(self, data: Any) -> str:
        if not _is_text(data):
            self.fail("invalid")
        problem = text_problem(data)
        if problem is not None:
            raise ValidationError(problem, code="unsafe_text")
        return super().to_internal_value(data)

    default_error_messages = {"invalid": NOT_TEXT}


class DetailURLField(serializers.HyperlinkedIdentityField):
    """A record's absolute URL, resolved once per request and resource, then filled with each id
    (reversing a URL per record costs more than the rest of a row)."""

    _PLACEHOLDER = 987654321987

    def get_url(self, obj: Any, view_name: str, request: Any, format: Any) -> Any:
        pk = getattr(obj, "pk", None)
        if pk in (None, ""):
            return None
        context: Any = self.context
        templates = context.setdefault("_detail_url_templates", {})
        key = (view_name, format)
        if key not in templates:
            templates[key] = self.url_parts(request, format)
        start, end = templates[key]
        return f"{start}{pk}{end}"

    def url_parts(self, request: Any, format: Any = None) -> tuple[str, str]:
        """What comes before and after the id in this request's URLs of the resource: as DRF's
        ``reverse`` makes them (absolute, keeping a ``?format=``), from a path reversed once."""
        path = _path_with_placeholder(
            str(self.view_name), self.lookup_url_kwarg, format, get_script_prefix(), get_urlconf()
        )
        url = request.build_absolute_uri(preserve_builtin_query_params(path, request))
        start, end = url.split(str(_PLACEHOLDER), 1)
        return start, end


_PLACEHOLDER = DetailURLField._PLACEHOLDER


@lru_cache(maxsize=256)
def _path_with_placeholder(
    view_name: str, lookup: str, format: Any, script_prefix: str, urlconf: Any
) -> str:
    # Keyed on the script prefix and URL conf reverse reads, so a path is not reused under another.
    kwargs: dict[str, Any] = {lookup: _PLACEHOLDER}
    if format:
        kwargs["format"] = format
    return django_reverse(view_name, kwargs=kwargs, urlconf=urlconf)


class BriefRelatedField(serializers.PrimaryKeyRelatedField):
    """A related record: shown in its brief shape, written as its id."""

    def __init__(self, brief: type[serializers.Serializer[Any]], **kwargs: Any) -> None:
        self.brief = brief
        super().__init__(**kwargs)

    def use_pk_only_optimization(self) -> bool:
        return False

    default_error_messages = {"incorrect_type": NOT_ID}

    def to_internal_value(self, data: Any) -> Any:
        # An id is a JSON integer: DRF would find record 1 for "1", 1.5 or true.
        if not _is_integer(data):
            self.fail("incorrect_type", data_type=type(data).__name__)
        # An id past what the databases hold is simply no record (not an overflow in the driver).
        if not 0 < data < 10**12:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)

    @cached_property
    def _brief_serializer(self) -> serializers.Serializer[Any]:
        # One for every row: building a serializer (its fields) per value costs more than the row.
        return self.brief(context=self.context)

    def to_representation(self, value: Any) -> Any:
        # A claim the reader's audience does not see reads as null, as in rows (``rows._Brief``).
        if is_claim(type(value)) and not sees(
            self.context.get("audience", PUBLIC), value.review_state
        ):
            return None
        return self._brief_serializer.to_representation(value)
