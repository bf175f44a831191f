"""Token authentication (knox), done once per request.

The request-rate middleware has to know who is asking before anything else runs, so it
authenticates the token first (``identify``); the view's authentication then takes that answer
instead of looking the token up again.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

# Where ``identify`` leaves a token's (user, token) for the view.
AUTHENTICATED = "detente.token_authentication"


def identify(request: HttpRequest) -> Any | None:
    """The user a valid token in the request belongs to; None without one, or with a token that
    is wrong, expired or revoked (the view answers that 401)."""
    try:
        found = KnoxTokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    if found is None:
        return None
    request.META[AUTHENTICATED] = found
    return found[0]


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        found = request.META.get(AUTHENTICATED)
        if found is not None:
            return tuple(found)
        return super().authenticate(request)
