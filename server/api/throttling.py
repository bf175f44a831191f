"""Request rates per client: anonymous clients by address, token holders by user.

The rates come from the environment (``DETENTE_THROTTLE_ANON``, ``DETENTE_THROTTLE_USER``) through
REST_FRAMEWORK's DEFAULT_THROTTLE_RATES, read at each request so that a changed setting applies.
The address is REMOTE_ADDR unless ``DETENTE_TRUSTED_PROXIES`` says how many proxies in front of
the server append to X-Forwarded-For.
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


def _rate(scope: str | None) -> str | None:
    rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope or "")
    return None if rate is None else str(rate)


class AnonymousRate(AnonRateThrottle):
    def get_rate(self) -> str | None:
        return _rate(self.scope)


class TokenRate(UserRateThrottle):
    def get_rate(self) -> str | None:
        return _rate(self.scope)
