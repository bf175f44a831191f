"""The shared cache behind ``REDIS_URL``, which keeps the API serving while Redis is away.

The cache holds nothing but request counts (``server/api/rates.py``) and things that can be
recomputed, so an unreachable Redis is not worth failing a request for: Django's ``RedisCache``
raises on every call then, and each request would be a 500. This backend answers as an empty
cache instead (reads miss, writes are dropped), which lets every request through unthrottled
until Redis is back.
After a failure it does not try Redis again for ``retry_after`` seconds, so a Redis that does not
answer costs one timeout per process in that time, not one (or two) per request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

T = TypeVar("T")


class FailOpenRedisCache(RedisCache):
    retry_after = 5.0

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._down_until = 0.0

    def _guard(self, fallback: T, call: Callable[..., T], *args: Any) -> T:
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return call(*args)
        except RedisError as error:
            self._down_until = time.monotonic() + self.retry_after
            # Once per failure, then silence for retry_after: a log line per request would
            # flood the logs exactly when someone needs to read them.
            logger.warning(
                "Cache unavailable, serving without it for %.0f s: %s", self.retry_after, error
            )
            return fallback

    def add(
        self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._guard(False, super().add, key, value, timeout, version)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._guard(default, super().get, key, default, version)

    def set(
        self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._guard(None, super().set, key, value, timeout, version)

    def touch(self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._guard(False, super().touch, key, timeout, version)

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._guard(False, super().delete, key, version)

    def get_many(self, keys: Iterable[Any], version: Any = None) -> dict[Any, Any]:
        return self._guard({}, super().get_many, keys, version)

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._guard(False, super().has_key, key, version)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        value = self._guard(None, super().incr, key, delta, version)
        if value is None:
            # What incr says of a key an empty cache does not hold.
            raise ValueError(f"Key '{key}' not found.")
        return value

    def count(self, key: str, previous_key: str, timeout: int) -> tuple[int, int] | None:
        """Adds one to ``key`` (kept ``timeout`` seconds) and reads ``previous_key``, in one
        transaction: the count after this request and the other count (request rates)."""

        def increment() -> tuple[int, int]:
            current_name = self.make_and_validate_key(key)
            previous_name = self.make_and_validate_key(previous_key)
            client = self._cache.get_client(current_name, write=True)
            with client.pipeline(transaction=True) as pipeline:
                pipeline.incr(current_name)
                pipeline.expire(current_name, timeout)
                pipeline.get(previous_name)
                current, _expiry, previous = pipeline.execute()
            return int(current), int(previous or 0)

        return self._guard(None, increment)

    def uncount(self, key: str) -> None:
        """Takes one off ``key`` (a request ``count`` added, then refused)."""
        name = self.make_and_validate_key(key)
        self._guard(None, lambda: self._cache.get_client(name, write=True).decr(name))

    def set_many(
        self, data: dict[Any, Any], timeout: float | None = DEFAULT_TIMEOUT, version: Any = None
    ) -> list[Any]:
        # The keys that could not be set, as the cache API reports them.
        return self._guard(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys: Iterable[Any], version: Any = None) -> None:
        self._guard(None, super().delete_many, keys, version)

    def clear(self) -> None:
        self._guard(None, super().clear)
