"""Keyset pagination: a cursor names the last row of a page by its ordering values, and the next
page is the rows after it in that order. Its cost does not grow with depth (no offset to skip).

A cursor is opaque to clients: base64url of ``{"o": ordering, "p": [values]}``, where ``ordering``
is the list's ``ordering`` parameter as given ("" for the default) and the values are the row's
ordering columns (a partial date's earliest and latest days, then the id). A cursor is refused
(400) under another ordering, or when it is not one the server could have given: one holding a
number that is not a whole number within 64 bits (no column of an ordering holds another) is
refused before it reaches a query.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from functools import reduce
from operator import and_, or_
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, Q
from rest_framework.exceptions import ParseError, ValidationError

from .parsers import LARGEST_INTEGER, SMALLEST_INTEGER
from .parsers import loads as bounded_json

CURSOR_PARAM = "cursor"
MAX_CURSOR_LENGTH = 1000
# (column, descending): the order a list's rows are in, the id last.
Ordering = Sequence[tuple[str, bool]]


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def encode_cursor(position: Sequence[Any], ordering: str = "") -> str:
    """The cursor of the row whose ordering values are ``position``, under ``ordering``."""
    document = {"o": ordering, "p": [_json(value) for value in position]}
    raw = json.dumps(document, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_of(row: Mapping[str, Any], columns: Ordering, ordering: str) -> str:
    """The cursor of a row (read with ``.values()``, its ordering columns among them)."""
    return encode_cursor([row[name] for name, _descending in columns], ordering)


def _refused(reason: str) -> ValidationError:
    return ValidationError({CURSOR_PARAM: [reason]})


def decode_cursor(token: str, model: type[Model], columns: Ordering, ordering: str) -> list[Any]:
    """The position a cursor names, its values typed as the columns are; a 400 otherwise."""
    if len(token) > MAX_CURSOR_LENGTH:
        raise _refused("This is not a cursor this list gave (too long).")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        document = bounded_json(raw)
    except (binascii.Error, ValueError, ParseError):
        raise _refused("This is not a cursor this list gave: follow the `next` link.") from None
    if not isinstance(document, dict) or not isinstance(document.get("p"), list):
        raise _refused("This is not a cursor this list gave: follow the `next` link.")
    if document.get("o") != ordering:
        raise _refused(
            "This cursor belongs to another ordering: keep the `ordering` of the page it came from."
        )
    values = document["p"]
    if len(values) != len(columns) or not all(map(_cursor_value, values)):
        raise _refused("This is not a cursor this list gave: follow the `next` link.")
    try:
        position = [
            None if value is None else _field(model, name).to_python(value)
            for (name, _descending), value in zip(columns, values, strict=True)
        ]
        if all(map(_storable, position)):
            return position
    except (DjangoValidationError, TypeError, ValueError):
        pass
    raise _refused("This is not a cursor this list gave: follow the `next` link.")


def _cursor_value(value: Any) -> bool:
    """What a cursor the server gave holds: text (a date, a time), a whole number, or nothing."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return SMALLEST_INTEGER <= value <= LARGEST_INTEGER
    return value is None or isinstance(value, str)


def _storable(value: Any) -> bool:
    """Whether a database can compare with the value: an integer within 64 bits (one given as
    text too), a time that has a UTC equivalent (years 1 to 9999 there)."""
    if isinstance(value, int):
        return _cursor_value(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        try:
            value.astimezone(dt.UTC)
        except OverflowError:
            return False
    return True


def _field(model: type[Model], name: str) -> Any:
    return model._meta.get_field(name)


def runs_after(model: type[Model], columns: Ordering, position: Sequence[Any]) -> list[Q]:
    """The rows after ``position`` as consecutive runs of the list's order, read one query each
    until a page is full, each a range an index on the order can seek into.

    First the rows tied with the position on every column but the last (a run of one year's
    statements, in id order), then the other rows from the position's first column on, then (if
    it can be empty) the rows where it is empty. Read with the second run, the first would have
    the database walk every row of its run before the position; a run for each column instead
    would cost a query each at the end of a list, where every run is short."""
    (first, descending), rest = columns[0], columns[1:]
    value = position[0]
    within = _after_among_tied(model, rest, position[1:])
    runs = [_equal(first, value) & within[-1]] if within else []
    tied_later = _equal(first, value) & reduce(or_, within[:-1]) if len(within) > 1 else None
    if value is None:
        # Empty values are last: only rows tied with the position on it come after.
        return [*runs, tied_later] if tied_later is not None else runs
    beyond = Q(**{f"{first}__lt" if descending else f"{first}__gt": value})
    if tied_later is not None:
        reached = Q(**{f"{first}__lte" if descending else f"{first}__gte": value})
        beyond = reached & (beyond | tied_later)
    runs.append(beyond)
    if _field(model, first).null:
        runs.append(Q(**{f"{first}__isnull": True}))
    return runs


def _after_among_tied(model: type[Model], columns: Ordering, position: Sequence[Any]) -> list[Q]:
    """The rows after ``position`` in the order ``columns`` give (empty values last), as one
    alternative per column, in column order: the last holds the rows tied on every column but
    the last, which come first in the list's order."""
    alternatives = []
    for index, (name, descending) in enumerate(columns):
        value = position[index]
        if value is None:
            continue  # nothing comes after an empty value in its own column (they are last)
        beyond = Q(**{f"{name}__lt" if descending else f"{name}__gt": value})
        if _field(model, name).null:
            beyond |= Q(**{f"{name}__isnull": True})
        same_before = [_equal(columns[j][0], position[j]) for j in range(index)]
        alternatives.append(reduce(and_, [*same_before, beyond]))
    return alternatives


def _equal(name: str, value: Any) -> Q:
    return Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
