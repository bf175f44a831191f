"""Indexes that give the public lists their order, so a page reads its rows in index order
instead of sorting the table (created by migration 0008, outside the models).

Each list shows reviewed records by default (``review_state``), in its partial-date order, empty
dates last: ``said`` is the earliest day ascending, then the latest descending, then the id;
``-said`` the reverse of the first two. Django writes ``NULLS LAST`` into those orders. PostgreSQL
needs an index declared with the same null placement to read it in order; SQLite accepts no
``NULLS`` in an index (its nulls sort first) but reads such an index in either order, sorting only
within runs of equal days. So the columns are declared once here and written for each engine.
"""

from __future__ import annotations

from typing import Any

# (index name, table, columns as (column, descending)), ordered columns last.
INDEXES: tuple[tuple[str, str, tuple[tuple[str, bool], ...]], ...] = (
    (
        "statement_public_said",
        "diplomacy_statement",
        (("review_state", False), ("said_earliest", False), ("said_latest", True), ("id", False)),
    ),
    (
        "statement_public_said_desc",
        "diplomacy_statement",
        (("review_state", False), ("said_earliest", True), ("said_latest", False), ("id", False)),
    ),
    (
        "statement_country_said_desc",
        "diplomacy_statement",
        (
            ("review_state", False),
            ("speaker_country", False),
            ("said_earliest", True),
            ("said_latest", False),
            ("id", False),
        ),
    ),
    (
        "contact_public_date",
        "diplomacy_contact",
        (("review_state", False), ("date_earliest", False), ("date_latest", True), ("id", False)),
    ),
    (
        "contact_public_date_desc",
        "diplomacy_contact",
        (("review_state", False), ("date_earliest", True), ("date_latest", False), ("id", False)),
    ),
)


def _column(vendor: str, name: str, descending: bool) -> str:
    if vendor == "postgresql":
        return f'"{name}" {"DESC" if descending else "ASC"} NULLS LAST'
    return f'"{name}" DESC' if descending else f'"{name}"'


def create_indexes(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for name, table, columns in INDEXES:
        listed = ", ".join(_column(vendor, column, descending) for column, descending in columns)
        schema_editor.execute(f'CREATE INDEX "{name}" ON "{table}" ({listed})')


def drop_indexes(apps: Any, schema_editor: Any) -> None:
    for name, _table, _columns in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
