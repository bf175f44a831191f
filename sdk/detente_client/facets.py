"""Facets: how many records of a whole filtered list have each value of a field.

A list asked for ``facet=["country", "kind"]`` answers, beside its page, a :class:`Facet` per name:
its most frequent ``values`` (at most 50, most frequent first), each a :class:`FacetValue` with the
``value`` (text, or None for records without one) and its ``count``; ``truncated`` says there are
more values than shown. A record with several values (topics) counts once under each.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

from .errors import UnexpectedResponse

__all__ = ["Facet", "FacetValue", "parse_facets"]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FacetValue:
    """One value of a facet and how many records of the filtered list have it."""

    value: str | None
    count: int


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Facet:
    """The counts of one field over a filtered list; iterating it iterates its values."""

    values: tuple[FacetValue, ...]
    truncated: bool = False

    def __iter__(self) -> Iterator[FacetValue]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)

    def counts(self) -> dict[str | None, int]:
        """``{value: count}``, most frequent first."""
        return {item.value: item.count for item in self.values}

    def to_dict(self) -> dict[str, Any]:
        """The facet in the API's own shape."""
        return {
            "values": [{"value": item.value, "count": item.count} for item in self.values],
            "truncated": self.truncated,
        }


def parse_facets(data: Any) -> dict[str, Facet]:
    """The ``facets`` member of a list response ({} when absent)."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise UnexpectedResponse(f"facets: expected an object, got {type(data).__name__}")
    return {str(name): _facet(facet, f"facets.{name}") for name, facet in data.items()}


def _facet(data: Any, where: str) -> Facet:
    if not isinstance(data, Mapping) or not isinstance(data.get("values"), list):
        raise UnexpectedResponse(f"{where}: expected an object with values")
    values = []
    for index, item in enumerate(data["values"]):
        value = item.get("value") if isinstance(item, Mapping) else None
        count = item.get("count") if isinstance(item, Mapping) else None
        if (value is not None and not isinstance(value, str)) or (
            isinstance(count, bool) or not isinstance(count, int)
        ):
            raise UnexpectedResponse(f"{where}.values[{index}]: expected a value and a count")
        values.append(FacetValue(value=value, count=count))
    return Facet(values=tuple(values), truncated=data.get("truncated") is True)
