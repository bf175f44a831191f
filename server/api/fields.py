"""Serializer fields shared by every API version."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from server.diplomacy.dates import PartialDate

PARTIAL_DATE_SCHEMA = {
    "type": "string",
    "pattern": r"^(?!0000)[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$",
    "example": "2024-07",
    "description": 'A date as precise as known: "2025", "2024-07" or "2024-07-26".',
}


@extend_schema_field(PARTIAL_DATE_SCHEMA)
class PartialDateField(serializers.Field):
    """A partial date as its ISO text, never padded: "2025", "2024-07", "2024-07-26"."""

    default_error_messages = {"invalid": "{reason}"}

    def to_representation(self, value: PartialDate) -> str:
        return value.isoformat()

    def to_internal_value(self, data: Any) -> PartialDate:
        if not isinstance(data, str):
            self.fail("invalid", reason='Give the date as text: "2025", "2024-07" or "2024-07-26".')
        try:
            return PartialDate.parse(data)
        except ValueError as error:
            self.fail("invalid", reason=str(error))
            raise  # unreachable: fail() raises
