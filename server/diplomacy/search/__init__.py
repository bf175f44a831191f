"""Full-text search: the document each record is found by, and queries through the index.

One selector (``matching``) serves every resource on both engines: SQLite's FTS5 and PostgreSQL's
full-text search with a GIN index (``schema``). The services keep each record's document current
in the writing transaction (``document_of``, ``refresh_dependants``), the database its index.
"""

from __future__ import annotations

from .documents import contact_document, official_document, source_document, statement_document
from .engine import matching, newest, older, snippets
from .indexing import document_of, rebuild, refresh_dependants
from .query import Query, SearchSyntaxError, parse

__all__ = [
    "Query",
    "SearchSyntaxError",
    "contact_document",
    "document_of",
    "matching",
    "newest",
    "official_document",
    "older",
    "parse",
    "rebuild",
    "refresh_dependants",
    "snippets",
    "source_document",
    "statement_document",
]
