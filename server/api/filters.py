"""Filter types shared by every API version's filtersets.

Repeating a parameter means OR (``?country=KR&country=CN``); a value that is not well formed is a
400 naming the parameter, never an empty or a full result.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field

from server.api.fields import PARTIAL_DATE_SCHEMA
from server.diplomacy import countries, selectors
from server.diplomacy.dates import PartialDate


class PatternListField(forms.MultipleChoiceField):
    """Repeated values, each matching a pattern (after normalisation)."""

    pattern = re.compile(r".+")
    message = "Enter a valid value."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("choices", None)
        super().__init__(*args, **kwargs)
        self.error_messages["invalid_choice"] = self.message

    def normalise(self, value: str) -> str:
        return value.strip()

    def to_python(self, value: Any) -> list[str]:
        return [self.normalise(str(item)) for item in super().to_python(value)]

    def valid_value(self, value: Any) -> bool:
        return bool(self.pattern.fullmatch(str(value)))


class CountryListField(PatternListField):
    """ISO 3166-1 alpha-2 codes that the standard lists (``XX`` is well formed, and no country),
    in either case."""

    message = '"%(value)s" is not an ISO 3166-1 alpha-2 country code (such as KR or CN).'

    def normalise(self, value: str) -> str:
        return value.strip().upper()

    def valid_value(self, value: Any) -> bool:
        return countries.is_country(str(value))


class LanguageListField(PatternListField):
    pattern = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
    message = '"%(value)s" is not a language tag (such as en or ko).'


class SlugListField(PatternListField):
    pattern = re.compile(r"[-a-zA-Z0-9_]+")
    message = '"%(value)s" is not a slug (letters, digits, - and _).'


class IdListField(PatternListField):
    pattern = re.compile(r"[1-9][0-9]{0,11}")
    message = '"%(value)s" is not an id (a positive whole number).'


class AnyOfFilter(django_filters.MultipleChoiceFilter):
    """Matches any of the repeated values; each value validated by ``field_class``.

    A well-formed value that names nothing (an unknown slug or id) matches nothing: the filter is
    applied, so the answer is empty rather than the whole table.
    """

    field_class = PatternListField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("distinct", False)
        super().__init__(*args, choices=[], **kwargs)


COUNTRY_SCHEMA = {"type": "string", "enum": list(countries.CODES), "example": "KR"}
SLUG_SCHEMA = {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 10**12 - 1}


@extend_schema_field(COUNTRY_SCHEMA)
class CountryFilter(AnyOfFilter):
    field_class = CountryListField


@extend_schema_field(
    {"type": "string", "pattern": f"^{LanguageListField.pattern.pattern}$", "example": "en"}
)
class LanguageFilter(AnyOfFilter):
    field_class = LanguageListField


@extend_schema_field({**SLUG_SCHEMA, "example": "xi-jinping"})
class SlugFilter(AnyOfFilter):
    field_class = SlugListField


@extend_schema_field(ID_SCHEMA)
class IdFilter(AnyOfFilter):
    field_class = IdListField


REVIEW_CHOICES = [
    ("reviewed", "reviewed"),
    ("draft", "draft"),
    ("disputed", "disputed"),
    ("all", "all"),
]


class ReviewFilter(django_filters.MultipleChoiceFilter):
    """``review``: which review states to list. Validated here and documented in the schema; the
    view applies it, since who may ask for what depends on the reader."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text",
            "Review states to list (default reviewed); draft, disputed and all need a curator's "
            "token. Repeat for any of several.",
        )
        super().__init__(*args, choices=REVIEW_CHOICES, **kwargs)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        return qs


class PartialDateFormField(forms.CharField):
    def to_python(self, value: Any) -> PartialDate | None:  # type: ignore[override]
        if value is None:
            return None
        text = super().to_python(value)
        if not text:
            raise forms.ValidationError("Give a date (YYYY, YYYY-MM or YYYY-MM-DD).", code="empty")
        try:
            return PartialDate.parse(text)
        except ValueError as error:
            raise forms.ValidationError(
                "%(reason)s", code="invalid", params={"reason": str(error)}
            ) from None


@extend_schema_field(PARTIAL_DATE_SCHEMA)
class OverlapFilter(django_filters.Filter):
    """Bounds a partial date by overlap: a record dated "2024-07" matches ``after=2024-07-15``.

    ``side="after"`` keeps records whose latest possible day is on or after the bound's earliest
    day; ``side="before"`` keeps those whose earliest possible day is on or before the bound's
    latest day. The bound may itself be partial ("2024", "2024-07"). Undated records never match.
    """

    field_class = PartialDateFormField

    def __init__(self, *args: Any, side: str, **kwargs: Any) -> None:
        if side not in {"after", "before"}:
            raise ValueError("side is 'after' or 'before'")
        self.side = side
        kwargs.setdefault("help_text", _OVERLAP_HELP[side])
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: PartialDate | None) -> QuerySet[Any]:
        if value is None:
            return qs
        bound = {self.side: value}
        return selectors.dated_between(qs, self.field_name, **bound)


@extend_schema_field(PARTIAL_DATE_SCHEMA)
class AtFilter(django_filters.Filter):
    """A partial date (YYYY, YYYY-MM or YYYY-MM-DD) that a method filters by."""

    field_class = PartialDateFormField


_OVERLAP_HELP = {
    "after": "Dated on or after this day, month or year (overlap: YYYY, YYYY-MM or YYYY-MM-DD).",
    "before": "Dated on or before this day, month or year (overlap: YYYY, YYYY-MM or YYYY-MM-DD).",
}
