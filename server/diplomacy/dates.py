"""Partial dates: "2025", "2024-07" and "2024-07-26" are different facts.

A partial date is stored as the earliest and latest day it may denote plus its precision, so that
range queries use plain indexed date columns and the text form is never padded to ``-01-01``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, overload

from django.db import models


class Precision(StrEnum):
    YEAR = "year"
    MONTH = "month"
    DAY = "day"

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.value) for member in cls]


def partial_date_text(earliest: dt.date, precision: str) -> str:
    """A partial date's text from its stored columns: "2025", "2024-07", "2024-07-26"."""
    if precision == Precision.YEAR:
        return f"{earliest.year:04d}"
    if precision == Precision.MONTH:
        return f"{earliest.year:04d}-{earliest.month:02d}"
    return earliest.isoformat()


_PATTERN = re.compile(r"^(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2}))?)?$")


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date known to the year, the month or the day."""

    earliest: dt.date
    latest: dt.date
    precision: Precision

    def __post_init__(self) -> None:
        object.__setattr__(self, "precision", Precision(self.precision))
        if self.latest < self.earliest:
            raise ValueError("A partial date cannot end before it starts.")
        if self != PartialDate.parse(self.isoformat()):
            raise ValueError("earliest, latest and precision do not describe one partial date.")

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse "YYYY", "YYYY-MM" or "YYYY-MM-DD"; raise ValueError for anything else."""
        match = _PATTERN.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f'"{text}" is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD.')
        year = int(match["year"])
        if year < 1:
            raise ValueError(f'"{text}" has no year 0.')
        if match["month"] is None:
            return cls._make(dt.date(year, 1, 1), dt.date(year, 12, 31), Precision.YEAR)
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise ValueError(f'"{text}" has no month {month}.')
        if match["day"] is None:
            last_day = calendar.monthrange(year, month)[1]
            return cls._make(
                dt.date(year, month, 1), dt.date(year, month, last_day), Precision.MONTH
            )
        try:
            day = dt.date(year, month, int(match["day"]))
        except ValueError:
            raise ValueError(f'"{text}" is not a day of the calendar.') from None
        return cls._make(day, day, Precision.DAY)

    @classmethod
    def _make(cls, earliest: dt.date, latest: dt.date, precision: Precision) -> PartialDate:
        # Skips the self-check in __post_init__, which would recurse through parse().
        instance = object.__new__(cls)
        object.__setattr__(instance, "earliest", earliest)
        object.__setattr__(instance, "latest", latest)
        object.__setattr__(instance, "precision", precision)
        return instance

    @classmethod
    def from_parts(
        cls, earliest: dt.date | None, latest: dt.date | None, precision: str | None
    ) -> PartialDate | None:
        if earliest is None or latest is None or not precision:
            return None
        return cls(earliest, latest, Precision(precision))

    def isoformat(self) -> str:
        return partial_date_text(self.earliest, self.precision)

    __str__ = isoformat

    def __repr__(self) -> str:
        return f"PartialDate({self.isoformat()!r})"

    def sort_key(self) -> tuple[dt.date, dt.date]:
        """Earliest day first; on the same first day the coarser date (later last day) first."""
        return (self.earliest, dt.date.max - (self.latest - dt.date.min))

    def __lt__(self, other: PartialDate) -> bool:
        return self.sort_key() < other.sort_key()

    def __le__(self, other: PartialDate) -> bool:
        return self.sort_key() <= other.sort_key()

    def __gt__(self, other: PartialDate) -> bool:
        return self.sort_key() > other.sort_key()

    def __ge__(self, other: PartialDate) -> bool:
        return self.sort_key() >= other.sort_key()

    def overlaps(self, start: dt.date | None = None, end: dt.date | None = None) -> bool:
        """Whether any day this date may denote falls within [start, end] (open where None)."""
        return (start is None or self.latest >= start) and (end is None or self.earliest <= end)

    def contains(self, day: dt.date) -> bool:
        return self.earliest <= day <= self.latest


def partial_date_fields(
    verbose_name: str, *, help_text: str = ""
) -> tuple[models.DateField[Any, Any], models.DateField[Any, Any], models.CharField[Any, Any]]:
    """The three columns of an optional partial date: earliest day, latest day, precision.

    In a model body: ``said_earliest, said_latest, said_precision = partial_date_fields("said")``
    with ``said = PartialDateAttribute("said")`` and ``partial_date_constraints("said", ...)``.
    """
    return (
        models.DateField(f"{verbose_name} (earliest day)", null=True, blank=True, db_index=True),
        models.DateField(f"{verbose_name} (latest day)", null=True, blank=True, db_index=True),
        models.CharField(
            f"{verbose_name} (precision)",
            max_length=5,
            choices=Precision.choices(),
            blank=True,
            help_text=help_text,
        ),
    )


def partial_date_constraints(prefix: str, model_label: str) -> list[models.BaseConstraint]:
    """Database checks that keep the three columns of one partial date coherent."""
    earliest, latest, precision = f"{prefix}_earliest", f"{prefix}_latest", f"{prefix}_precision"
    unset = models.Q(**{f"{earliest}__isnull": True, f"{latest}__isnull": True, precision: ""})
    set_ = models.Q(
        **{
            f"{earliest}__isnull": False,
            f"{latest}__isnull": False,
            f"{precision}__in": [p.value for p in Precision],
            f"{latest}__gte": models.F(earliest),
        }
    ) & (~models.Q(**{precision: Precision.DAY.value}) | models.Q(**{latest: models.F(earliest)}))
    return [models.CheckConstraint(condition=unset | set_, name=f"{model_label}_{prefix}_coherent")]


def ends_after_starts(start: str, end: str, model_label: str) -> models.CheckConstraint:
    """An end that cannot lie wholly before the start (partial dates compared by overlap)."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{start}_earliest__isnull": True})
        | models.Q(**{f"{end}_latest__isnull": True})
        | models.Q(**{f"{end}_latest__gte": models.F(f"{start}_earliest")}),
        name=f"{model_label}_{end}_not_before_{start}",
    )


class PartialDateAttribute(property):
    """Reads and writes a model's three partial-date columns as one ``PartialDate``.

    A ``property`` so that Django accepts it as a keyword of the model's constructor.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        super().__init__(self._get, self._set, doc=f"The partial date stored in {prefix}_*.")

    def _get(self, instance: object) -> PartialDate | None:
        return PartialDate.from_parts(
            getattr(instance, f"{self.prefix}_earliest"),
            getattr(instance, f"{self.prefix}_latest"),
            getattr(instance, f"{self.prefix}_precision"),
        )

    def _set(self, instance: object, value: PartialDate | str | None) -> None:
        if isinstance(value, str):
            value = PartialDate.parse(value) if value.strip() else None
        elif value is not None and not isinstance(value, PartialDate):
            raise TypeError(
                f"{self.prefix} takes a PartialDate, its text (YYYY, YYYY-MM, YYYY-MM-DD) or None, "
                f"not {type(value).__name__}."
            )
        setattr(instance, f"{self.prefix}_earliest", value.earliest if value else None)
        setattr(instance, f"{self.prefix}_latest", value.latest if value else None)
        setattr(instance, f"{self.prefix}_precision", value.precision.value if value else "")

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> PartialDateAttribute: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> PartialDate | None: ...
    def __get__(
        self, instance: object | None, owner: type | None = None
    ) -> PartialDate | PartialDateAttribute | None:
        if instance is None:
            return self
        return self._get(instance)

    def __set__(self, instance: object, value: PartialDate | str | None) -> None:
        self._set(instance, value)
