"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from server import replicas

from .errors import RETRY_AFTER_SECONDS, problem_response


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering; says nothing about its dependencies."""
    return JsonResponse({"status": "ok"})


@lru_cache(maxsize=1)
def expected_migrations() -> frozenset[tuple[str, str]]:
    """The last migration of each app, as this code's migration files end (read once)."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())


def _missing_file(connection: BaseDatabaseWrapper) -> bool:
    """A SQLite database whose file is gone: connecting would create an empty one."""
    if connection.vendor != "sqlite":
        return False
    name = str(connection.settings_dict["NAME"])
    in_memory = name == ":memory:" or "mode=memory" in name
    return not in_memory and not name.startswith("file:") and not Path(name).exists()


def _schema_problem(alias: str) -> str | None:
    """Why this database cannot serve, or None: it answers and holds the expected schema."""
    connection = connections[alias]
    if _missing_file(connection):
        return f"The database file {Path(connection.settings_dict['NAME']).name} is missing."
    expected = expected_migrations()
    with connection.cursor() as cursor:
        # One query: which of the expected migrations the database records as applied.
        placeholders = " OR ".join(["(app = %s AND name = %s)"] * len(expected))
        cursor.execute(
            f"SELECT COUNT(*) FROM django_migrations WHERE {placeholders}",
            [part for migration in sorted(expected) for part in migration],
        )
        (applied,) = cursor.fetchone()
    if applied != len(expected):
        return "The database is not migrated to this release: run manage.py migrate."
    return None


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: the primary database answers and holds this release's schema. Replicas
    are reported, each with its lag; one that is down or behind is skipped by reads
    (``server.replicas``), so it does not make the server unready."""
    try:
        problem = _schema_problem("default")
    except DatabaseError:
        # No migrations table at all is a database without the schema, too.
        problem = "The database cannot be reached, or holds no schema; try again shortly."
    if problem is not None:
        return problem_response(
            503,
            "Database unavailable",
            problem,
            slug="database-unavailable",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    body = {"status": "ready", "databases": list(connections), "replicas": replicas.status()}
    return JsonResponse(body)
