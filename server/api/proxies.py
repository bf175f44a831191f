"""Who the client is, and which forwarded headers to believe.

``X-Forwarded-For``, ``X-Forwarded-Proto`` and ``X-Forwarded-Host`` say what a proxy in front saw:
the client's address, the scheme and the host it asked for. Anyone can send them, so they are
believed only from the proxies ``DETENTE_TRUSTED_PROXIES`` lists by address or network; from any
other peer they are removed before Django reads them (a client's ``X-Forwarded-Proto: https``
would otherwise turn every link of a publicly cached answer into ``https``, and its
``X-Forwarded-For`` would pick the address it is counted under).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    # Only for annotations: the settings import this module to read DETENTE_TRUSTED_PROXIES.
    from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_FORWARDED",
)
# Where the client address is kept once found, for the throttle, the admin's lockout and logs.
CLIENT_ADDRESS = "detente.client_address"


def trusted_networks(text: str) -> tuple[Network, ...]:
    """``DETENTE_TRUSTED_PROXIES``: addresses or networks, comma-separated (empty: none)."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        if item.isdigit():
            # A bare number reads as an IPv4 address ("1" is 0.0.0.1): say what is expected.
            raise ImproperlyConfigured(
                f"DETENTE_TRUSTED_PROXIES lists the proxies' addresses or networks (such as "
                f"10.0.0.2 or 10.0.0.0/24), not a number of proxies: {item!r}."
            )
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(f"DETENTE_TRUSTED_PROXIES: {error}.") from None
    return tuple(networks)


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped if mapped is not None else address


def is_trusted_proxy(peer: str) -> bool:
    address = _address(peer)
    return address is not None and any(address in network for network in settings.TRUSTED_PROXIES)


def resolve_client_address(meta: dict[str, Any]) -> str:
    """The client's address: the peer's, or behind trusted proxies the nearest address in
    ``X-Forwarded-For`` that is not one of them (the proxies append, so what a client writes
    itself stands further left and is never reached while a trusted proxy's entry follows)."""
    peer = str(meta.get("REMOTE_ADDR") or "")
    if not is_trusted_proxy(peer):
        return peer
    client = peer
    hops = str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        client = str(address)
        if not is_trusted_proxy(client):
            break
    return client


def client_address(request: HttpRequest) -> str:
    """The client's address as the configured proxies report it (``ProxyHeadersMiddleware``
    finds it once per request)."""
    found = request.META.get(CLIENT_ADDRESS)
    if found is None:
        found = request.META[CLIENT_ADDRESS] = resolve_client_address(request.META)
    return str(found)


class ProxyHeadersMiddleware:
    """First of all middleware: forwarded headers survive only from a trusted proxy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META[CLIENT_ADDRESS] = resolve_client_address(request.META)
        if not is_trusted_proxy(str(request.META.get("REMOTE_ADDR") or "")):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
