"""Serializer fields shared by every API version."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from server.diplomacy.dates import PartialDate

# The partial dates the server accepts, no more: real days only (30 April, 29 February of leap
# years), so that a value the schema allows is never refused.
_YEAR = "[0-9]{4}"
_LEAP_YEAR = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)"
_DAY_OF_YEAR = (
    "((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])"
    "|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
    "|02-(0[1-9]|1[0-9]|2[0-8]))"
)
PARTIAL_DATE_PATTERN = (
    f"^(?!0000)({_YEAR}(-(0[1-9]|1[0-2]))?|{_YEAR}-{_DAY_OF_YEAR}|{_LEAP_YEAR}-02-29)$"
)
PARTIAL_DATE_SCHEMA = {
    "type": "string",
    "pattern": PARTIAL_DATE_PATTERN,
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
