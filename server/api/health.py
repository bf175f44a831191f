"""Liveness and readiness probes for load balancers and orchestrators."""

from django.db import DatabaseError, connections
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


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: the primary database answers a query. Replicas are reported, each with
    its lag; one that is down or behind is skipped by reads (``server.replicas``), so it does not
    make the server unready."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return problem_response(
            503,
            "Database unavailable",
            "The database cannot be reached; try again shortly.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    body = {"status": "ready", "databases": list(connections), "replicas": replicas.status()}
    return JsonResponse(body)
