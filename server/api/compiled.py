"""Queries compiled once and run again for other records.

A page's nested lists (its statements' citations and topics, its officials' posts) are read with
the same query on every page, but for other ids. Cloning, filtering and compiling that queryset
through the ORM costs twice what running it does, so it is compiled once per shape and number of
ids, and run with the ids put in their places. Rows come back as ``.values()`` would give them:
the ORM's converters still turn database values into Python ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet

Row = dict[str, Any]

# Stand-ins for the ids while compiling, found again among the parameters; no table has ids this
# low, so none of the query's own parameters can be taken for one.
_STAND_IN = -(2**62)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    id_slots: tuple[int, ...]
    names: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    width: int  # columns asked for; the SQL may select more (to order by)

    def rows(self, connection: BaseDatabaseWrapper, ids: Sequence[Any]) -> list[Row]:
        params = list(self.params)
        for slot, value in zip(self.id_slots, ids, strict=True):
            params[slot] = value
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        names, width = self.names, self.width
        if not self.converters:
            return [dict(zip(names, row[:width], strict=True)) for row in fetched]
        rows = []
        for fetched_row in fetched:
            row = list(fetched_row[:width])
            for position, converts, expression in self.converters:
                value = row[position]
                for convert in converts:
                    value = convert(value, expression, connection)
                row[position] = value
            rows.append(dict(zip(names, row, strict=True)))
        return rows


# Per source queryset (weakly: a queryset built per request takes its entries with it), per
# database, columns, id lookup and number of ids.
_cache: WeakKeyDictionary[QuerySet[Any], dict[tuple[Any, ...], _Compiled | None]] = (
    WeakKeyDictionary()
)


def rows_for(
    source: QuerySet[Any],
    read: Callable[[QuerySet[Any], Sequence[str]], QuerySet[Any]],
    lookup: str,
    ids: Sequence[Any],
    columns: Sequence[str],
) -> list[Row]:
    """``read(source.filter(<lookup>__in=ids), columns)`` as a list of rows, where ``read``
    gives a queryset's ``.values()`` with these columns.

    ``source`` keys the compiled query, so it must not change once given (a selector's
    ``Prefetch`` queryset, made once), and ``read`` must read the same way every time.
    """
    connection = connections[source.db]
    key = (connection.alias, tuple(columns), lookup, len(ids))
    compiled_for_source = _cache.setdefault(source, {})
    if key not in compiled_for_source:
        compiled_for_source[key] = _compile(source, read, lookup, len(ids), columns)
    compiled = compiled_for_source[key]
    if compiled is None:
        # Ids the database layer rewrites cannot be put back in place: the ORM reads these.
        return list(read(source.filter(**{f"{lookup}__in": list(ids)}), columns))
    return compiled.rows(connection, ids)


def _compile(
    source: QuerySet[Any],
    read: Callable[[QuerySet[Any], Sequence[str]], QuerySet[Any]],
    lookup: str,
    count: int,
    columns: Sequence[str],
) -> _Compiled | None:
    stand_ins = [_STAND_IN - index for index in range(count)]
    # Filtered before it is read: a filter after values() would join a many-valued relation
    # (a statement's topics) a second time.
    query = read(source.filter(**{f"{lookup}__in": stand_ins}), columns).query
    compiler = query.get_compiler(source.db)
    sql, params = compiler.as_sql()
    params = tuple(params)
    if any(params.count(stand_in) != 1 for stand_in in stand_ins):
        return None
    width = compiler.col_count
    expressions = [selected[0] for selected in compiler.select[:width]]
    converters = compiler.get_converters(expressions)
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    return _Compiled(
        sql=sql,
        params=params,
        id_slots=tuple(params.index(stand_in) for stand_in in stand_ins),
        names=names,
        converters=tuple(
            (position, tuple(converts), expression)
            for position, (converts, expression) in converters.items()
        ),
        width=width,
    )
