"""Queries through the full-text index of either engine: matches ranked by relevance, and the
highlighted passage (snippet) of each record shown."""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Collection
from typing import Any

from django.db import connections
from django.db.models import BooleanField, FloatField, QuerySet
from django.db.models.expressions import RawSQL

from ..safe_text import SNIPPET_MARKERS
from .query import Query
from .schema import POSTGRES_CONFIG, fts_table

SNIPPET_WORDS = 24
# The engine writes these around each match. New text cannot hold them (``safe_text``), but text
# written to the database directly might, so each query's marks also carry a random token no
# text can foresee; the stored characters are then dropped from the passage.
_OPEN, _CLOSE = SNIPPET_MARKERS[0], SNIPPET_MARKERS[1]
_STORED_MARKERS = str.maketrans("", "", _OPEN + _CLOSE)


def _vendor(queryset: QuerySet[Any]) -> str:
    return connections[queryset.db].vendor


def matching(queryset: QuerySet[Any], query: Query) -> QuerySet[Any]:
    """The records matching ``query``, annotated with ``search_rank`` (lower is more relevant)."""
    table = queryset.model._meta.db_table
    vendor = _vendor(queryset)
    if vendor == "sqlite":
        fts = fts_table(table)
        # A join on the index lets FTS5 find the matches and rank them in one pass.
        return queryset.extra(
            tables=[fts],
            where=[f'"{fts}".rowid = "{table}"."id"', f'"{fts}" MATCH %s'],
            params=[query.fts5()],
            select={"search_rank": f'"{fts}".rank'},
        )
    if vendor == "postgresql":
        tsquery = f"to_tsquery('{POSTGRES_CONFIG}'::regconfig, %s)"
        vector = f'"{table}"."search_vector"'
        found = RawSQL(f"{vector} @@ {tsquery}", [query.tsquery()], output_field=BooleanField())
        # Normalised by document length (1 + log), as FTS5's bm25 is, so both engines rank alike.
        rank = RawSQL(
            f"-ts_rank({vector}, {tsquery}, 1)", [query.tsquery()], output_field=FloatField()
        )
        return queryset.filter(found).annotate(search_rank=rank)
    raise NotImplementedError(f"Full-text search on {vendor} is not supported.")


def _marks() -> tuple[str, str]:
    """The opening and closing marks of one query: a private character and a random token."""
    token = secrets.token_hex(8)
    return f"{_OPEN}{token}", f"{_CLOSE}{token}"


def _highlighted(raw: str, opening: str, closing: str) -> str:
    """The engine's passage as HTML: escaped, each match in ``<mark>``, every mark closed."""
    # Matches side by side (a phrase) are one mark, as FTS5 gives them and PostgreSQL does not.
    joined = re.sub(f"{re.escape(closing)}(\\s+){re.escape(opening)}", r"\1", raw)
    first, *marked = joined.split(opening)
    out = [_escaped(first.replace(closing, ""))]
    for piece in marked:
        inside, _, after = piece.partition(closing)
        out.append(f"<mark>{_escaped(inside)}</mark>{_escaped(after.replace(closing, ''))}")
    return "".join(out)


def _escaped(text: str) -> str:
    return html.escape(text.translate(_STORED_MARKERS))


def snippets(
    model: type[Any], ids: Collection[int], query: Query, using: str = "default"
) -> dict[int, str]:
    """For each record of ``ids``, the passage of its document around the matches, HTML-escaped,
    each match in ``<mark>``; one query for the whole page."""
    if not ids:
        return {}
    table = model._meta.db_table
    connection = connections[using]
    opening, closing = _marks()
    marks = ", ".join(["%s"] * len(ids))
    if connection.vendor == "sqlite":
        fts = fts_table(table)
        sql = (
            f'SELECT rowid, snippet("{fts}", 0, %s, %s, %s, {SNIPPET_WORDS}) FROM "{fts}" '
            f'WHERE "{fts}" MATCH %s AND rowid IN ({marks})'
        )
        params: list[Any] = [opening, closing, "…", query.fts5(), *ids]
    else:
        options = (
            f"StartSel={opening}, StopSel={closing}, MaxWords={SNIPPET_WORDS}, MinWords=12, "
            'MaxFragments=2, FragmentDelimiter=" … "'
        )
        sql = (
            f"SELECT id, ts_headline('{POSTGRES_CONFIG}'::regconfig, search_document, "
            f"to_tsquery('{POSTGRES_CONFIG}'::regconfig, %s), %s) "
            f'FROM "{table}" WHERE id IN ({marks})'
        )
        params = [query.tsquery(), options, *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {pk: _highlighted(text or "", opening, closing) for pk, text in cursor.fetchall()}


# A window of the newest matches (``server.api.ranking``) is bounded by id, in one query: a
# subquery walks the matches' ids downwards to the newest ``count``. It is written out whole, not
# nested by the ORM, which would alias its tables and so tie the raw match condition to the outer
# query's row. On SQLite the bound and the order go on the index's rowid (the record's id), which
# FTS5 seeks and walks in order; on the table's id, the join would read and rank every match
# first. On PostgreSQL the window is the subquery's ids, which the planner knows to be few, so it
# ranks them through the primary key instead of reading every match the full-text index finds.


def newest(queryset: QuerySet[Any], count: int) -> QuerySet[Any]:
    """The matches (of ``matching``) among its newest ``count``, in the queryset's order."""
    if _rowid_table(queryset) is None:
        return _id_within(queryset, "IN", _newest_first(queryset)[:count])
    return _id_within(queryset, ">=", _oldest_of_newest(queryset, count))


def older(queryset: QuerySet[Any], count: int) -> QuerySet[Any]:
    """The matches older than its newest ``count``, newest first."""
    return _newest_first(_id_within(queryset, "<", _oldest_of_newest(queryset, count)))


def _oldest_of_newest(queryset: QuerySet[Any], count: int) -> QuerySet[Any]:
    return _newest_first(queryset)[count - 1 : count]


def _newest_first(queryset: QuerySet[Any]) -> QuerySet[Any]:
    fts = _rowid_table(queryset)
    if fts is None:
        return queryset.order_by("-id")
    return queryset.order_by().extra(order_by=[f"-{fts}.rowid"])


def _id_within(queryset: QuerySet[Any], operator: str, ids: QuerySet[Any]) -> QuerySet[Any]:
    # The first column is the id: a distinct list also selects the order's column.
    sql, params = ids.values("id").query.sql_with_params()
    fts = _rowid_table(queryset)
    column = f'"{fts}".rowid' if fts else f'"{queryset.model._meta.db_table}"."id"'
    where = f'{column} {operator} (SELECT "id" FROM ({sql}) AS "window")'
    return queryset.extra(where=[where], params=list(params))


def _rowid_table(queryset: QuerySet[Any]) -> str | None:
    """The FTS5 table whose rowid stands for the matches' ids (SQLite), or None."""
    if _vendor(queryset) != "sqlite":
        return None
    return fts_table(queryset.model._meta.db_table)
