"""Partial dates: "2025", "2024-07" and "2024-07-26" are different facts."""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
from typing import Literal

__all__ = ["PartialDate", "Precision"]

Precision = Literal["year", "month", "day"]

_PARTIAL_DATE = re.compile(r"(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2}))?)?")


def _bounds(text: str) -> tuple[Precision, dt.date, dt.date]:
    match = _PARTIAL_DATE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
    year = int(match["year"])
    if year < 1:
        raise ValueError(f"{text!r} has no year 0")
    if match["month"] is None:
        return "year", dt.date(year, 1, 1), dt.date(year, 12, 31)
    month = int(match["month"])
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r} has no month {month}")
    if match["day"] is None:
        last = calendar.monthrange(year, month)[1]
        return "month", dt.date(year, month, 1), dt.date(year, month, last)
    try:
        day = dt.date(year, month, int(match["day"]))
    except ValueError:
        raise ValueError(f"{text!r} is not a day of the calendar") from None
    return "day", day, day


@dataclasses.dataclass(frozen=True, slots=True)
class PartialDate:
    """A date known to the year ("2025"), the month ("2024-07") or the day ("2024-07-26").

    ``text`` is its form in the API, never padded; ``precision`` is ``"year"``, ``"month"`` or
    ``"day"``; ``earliest`` and ``latest`` are the first and last day it may denote. Build one
    with :meth:`parse` or :meth:`of`.

    >>> PartialDate.parse("2024-07")
    PartialDate(text='2024-07', precision='month', earliest=datetime.date(2024, 7, 1), \
latest=datetime.date(2024, 7, 31))
    """

    text: str
    precision: Precision
    earliest: dt.date
    latest: dt.date

    def __post_init__(self) -> None:
        if (self.precision, self.earliest, self.latest) != _bounds(self.text):
            raise ValueError(f"precision, earliest and latest do not match {self.text!r}")

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse "YYYY", "YYYY-MM" or "YYYY-MM-DD"; ValueError for anything else."""
        text = text.strip() if isinstance(text, str) else text
        return cls(text, *_bounds(text))

    @classmethod
    def of(cls, value: PartialDate | dt.date | str) -> PartialDate:
        """A partial date from its text, a ``date`` (precise to the day), or itself."""
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return cls.parse(value.isoformat())
        return cls.parse(value)

    def isoformat(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` may be the day this date denotes."""
        return self.earliest <= day <= self.latest

    def overlaps(self, start: dt.date | None = None, end: dt.date | None = None) -> bool:
        """Whether a day this date may denote falls within [start, end] (open where None).

        The API's ``*_after`` and ``*_before`` filters match by the same rule.
        """
        return (start is None or self.latest >= start) and (end is None or self.earliest <= end)

    def sort_key(self) -> tuple[dt.date, int]:
        """The API's order: earliest day first; on the same first day, the coarser date first."""
        return (self.earliest, -(self.latest - self.earliest).days)
