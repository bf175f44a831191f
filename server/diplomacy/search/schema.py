"""The full-text indexes, created by a migration, invisible to the models.

SQLite: an FTS5 table per resource over its ``search_document`` (external content, so the text is
stored once), kept in step by triggers in the writing transaction. PostgreSQL: a generated
``tsvector`` column over the same text with a GIN index. Either way the database keeps the index
current on every insert, update and delete, whoever writes (the services, a bulk load, an import).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

TABLES = ("diplomacy_official", "diplomacy_source", "diplomacy_contact", "diplomacy_statement")
# Diacritics do not matter to a search; no stemming, the same on both engines ('simple').
SQLITE_TOKENIZER = "unicode61 remove_diacritics 2"
POSTGRES_CONFIG = "simple"


def fts_table(table: str) -> str:
    return f"{table}_fts"


def _insert_trigger(table: str) -> str:
    fts = fts_table(table)
    return (
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, search_document) VALUES (new.id, new.search_document); END"
    )


def _sqlite_statements(table: str) -> list[str]:
    fts = fts_table(table)
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_document, content='{table}', "
        f"content_rowid='id', tokenize='{SQLITE_TOKENIZER}')",
        _insert_trigger(table),
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_document) "
        f"VALUES ('delete', old.id, old.search_document); END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF search_document ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_document) "
        f"VALUES ('delete', old.id, old.search_document); "
        f"INSERT INTO {fts}(rowid, search_document) VALUES (new.id, new.search_document); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def _postgres_statements(table: str) -> list[str]:
    return [
        f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
        f"(to_tsvector('{POSTGRES_CONFIG}'::regconfig, search_document)) STORED",
        f"CREATE INDEX {table}_search_vector ON {table} USING gin (search_vector)",
    ]


def create_indexes(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            statements = _sqlite_statements(table)
        elif vendor == "postgresql":
            statements = _postgres_statements(table)
        else:
            statements = []
        for statement in statements:
            schema_editor.execute(statement)


def drop_indexes(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TABLE IF EXISTS {fts_table(table)}")
        elif vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")


@contextlib.contextmanager
def indexing_after_inserts(connection: Any) -> Iterator[None]:
    """For a bulk load that only inserts: on SQLite, the rows written inside are indexed in one
    pass at the end rather than one trigger call at a time (which costs more than the insert).
    A load that fails midway still has what it wrote indexed. Elsewhere, and inside a caller's
    transaction, nothing changes. Other writers should keep away meanwhile: an update of a row
    the index does not hold yet would be unindexed wrongly."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        last_ids = {}
        for table in TABLES:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            last_ids[table] = cursor.fetchone()[0]
            cursor.execute(f"DROP TRIGGER IF EXISTS {fts_table(table)}_insert")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for table, last_id in last_ids.items():
                cursor.execute(
                    f"INSERT INTO {fts_table(table)}(rowid, search_document) "
                    f"SELECT id, search_document FROM {table} WHERE id > %s ORDER BY id",
                    [last_id],
                )
                cursor.execute(_insert_trigger(table))
