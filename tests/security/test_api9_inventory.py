"""OWASP API9 (2023): improper inventory management.

Every route the server answers under /api/ is in the committed OpenAPI document, so nothing is
served that the contract (and its tests) do not know about.
"""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver, get_resolver

from .conftest import SCHEMA

# The schema and its viewers describe the API; they are not part of it.
DESCRIPTIVE = {"/api/v1/schema/", "/api/v1/docs/", "/api/v1/redoc/", "/api/v1/"}


def routes(patterns, prefix: str = "") -> list[str]:
    found = []
    for pattern in patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found.extend(routes(pattern.url_patterns, text))
        elif isinstance(pattern, URLPattern):
            found.append(text)
    return found


def normalised(route: str) -> str | None:
    """A resolver route as the schema writes it, or None for format-suffix variants."""
    route = route.replace("^", "").replace("$", "")
    if "format" in route:
        return None
    route = re.sub(r"\(\?P<(\w+)>(?:[^()]|\([^)]*\))*\)", r"{\1}", route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    return "/" + route.replace("{pk}", "{id}").replace("\\", "")


def test_every_api_route_is_in_the_schema():
    served = {normalised(route) for route in routes(get_resolver().url_patterns)}
    api = {route for route in served if route and route.startswith("/api/")}
    documented = set(SCHEMA["paths"])
    assert api - documented - DESCRIPTIVE == set()
    assert documented <= api
