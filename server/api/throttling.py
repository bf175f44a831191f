"""Request rates per client, counted for every request before it is served.

Each request is counted before authentication, routing or the view run, so a request refused
(a wrong or revoked token, an unknown path, a bad parameter) costs its sender as much as one
served: a client guessing tokens gets the anonymous rate of its address, and no more. A request
with a valid token counts towards its user (``DETENTE_THROTTLE_USER``), as does one of a user
signed in to the admin; every other request towards its address (``DETENTE_THROTTLE_ANON``), as
the configured proxies report it (``server/api/proxies.py``). The counts are shared by every
worker (``server/api/rates.py``); a request over the rate is a 429 problem with ``Retry-After``,
and is not itself counted.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .authentication import identify
from .errors import problem_response
from .proxies import client_address
from .rates import Rate, hit

# Load balancers' probes are never refused.
UNCOUNTED_PATHS = frozenset({"/healthz", "/readyz"})


def address_key(address: str) -> str:
    """An IPv4 address counts on its own; an IPv6 address by its /64, the block one subscriber
    is given (so that a client cannot take a new address for every request)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def client_key(request: HttpRequest) -> tuple[str, Rate]:
    """What the request is counted under, and at which rate."""
    user = identify(request)
    if user is None:
        # A session (the admin's, or the browsable API's) is read lazily: only with its cookie.
        session_user = getattr(request, "user", None)
        if session_user is not None and session_user.is_authenticated:
            user = session_user
    if user is not None:
        return f"user:{user.pk}", Rate.parse(settings.REQUEST_RATES["user"])
    return f"address:{address_key(client_address(request))}", Rate.parse(
        settings.REQUEST_RATES["anonymous"]
    )


def throttled(retry_after: int) -> HttpResponse:
    return problem_response(
        429,
        "Too many requests",
        f"Request was throttled. Expected available in {retry_after} seconds.",
        slug="throttled",
        headers={"Retry-After": str(retry_after)},
    )


class RequestRateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in UNCOUNTED_PATHS:
            return self.get_response(request)
        key, rate = client_key(request)
        verdict = hit(key, rate)
        if not verdict.allowed:
            return throttled(verdict.retry_after)
        return self.get_response(request)
