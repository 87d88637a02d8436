"""The shared cache: Django's Redis backend that keeps working while Redis does not.

PostgreSQL is the source of truth; Redis only makes things fast. When Redis cannot be
reached (refused, timed out, restarting), every call goes to the database cache named by
``FALLBACK`` (Django's own ``DatabaseCache``, table ``victo_cache``) for ``RETRY_SECONDS``,
then Redis is tried again. So while Redis is down:

- what is only an acceleration (the catalogue, the desk's figures, the page cache) is
  computed again or kept in the database for a while;
- what has a meaning keeps it: allauth's sign-in limits and its one-time-code guard
  (``add``), and the rate limits of ``core.ratelimit``, count in the database — never
  "no limit".

Short socket timeouts (``OPTIONS``) bound what a dead Redis costs the one call that finds it
dead; the others skip it until the retry. Each process finds out by itself; the switch is
logged once each way.

Besides, Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every
call (about 50 µs of response-callback set-up); one per connection pool is kept, since a
``redis.Redis`` borrows a connection from the pool for each command and is thread-safe.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: What "Redis is unreachable" looks like (a refused or reset connection, a timeout, a
#: server still loading its data, which redis-py reports as a ConnectionError).
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(DjangoRedisCache):
    """Redis, or the ``FALLBACK`` cache while Redis is unreachable (see the module)."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self.fallback_alias: str | None = params.get("FALLBACK")
        self.retry_seconds = float(params.get("RETRY_SECONDS", 5))
        self._down_until = 0.0
        self._lock = threading.Lock()

    # --- Whether Redis is usable ------------------------------------------------------------

    @property
    def is_down(self) -> bool:
        """Whether this process skips Redis for now (it failed less than
        ``retry_seconds`` ago)."""
        return time.monotonic() < self._down_until

    def mark_down(self, error: BaseException) -> None:
        with self._lock:
            was_up = self._down_until == 0.0
            self._down_until = time.monotonic() + self.retry_seconds
        if was_up:
            # The class of the error only: its text names the host and port.
            logger.warning(
                "Redis cache unreachable (%s): the cache runs on the database until it answers",
                type(error).__name__,
            )

    def _mark_up(self) -> None:
        if self._down_until:
            with self._lock:
                self._down_until = 0.0
            logger.warning("Redis cache reachable again")

    def redis_client(self) -> Any | None:
        """The Redis client for a caller that speaks Redis itself (``core.ratelimit``'s
        pipelined counters), or None while Redis is marked down. A caller whose command fails
        with one of ``REDIS_DOWN`` reports it with :meth:`mark_down`."""
        if self.is_down:
            return None
        return self._cache.get_client(write=True)  # type: ignore[attr-defined]

    def ping(self) -> None:
        """Ask Redis itself (whatever this process thinks of it); raises when it is down."""
        self._cache.get_client(write=True).ping()  # type: ignore[attr-defined]

    def _either(self, redis_call: Callable[[], T], fallback_call: Callable[[Any], T]) -> T:
        fallback = caches[self.fallback_alias] if self.fallback_alias else None
        if fallback is None:
            return redis_call()
        if self.is_down:
            return fallback_call(fallback)
        try:
            result = redis_call()
        except REDIS_DOWN as error:
            self.mark_down(error)
            return fallback_call(fallback)
        if self._down_until:
            self._mark_up()
        return result

    # --- Django's cache API, each call on Redis or on the fallback ---------------------------

    def add(self, key: Any, value: Any, timeout: Any = 300, version: Any = None) -> bool:
        return self._either(
            lambda: super(RedisCache, self).add(key, value, timeout, version),
            lambda c: c.add(key, value, timeout, version),
        )

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._either(
            lambda: super(RedisCache, self).get(key, default, version),
            lambda c: c.get(key, default, version),
        )

    def set(self, key: Any, value: Any, timeout: Any = 300, version: Any = None) -> None:
        self._either(
            lambda: super(RedisCache, self).set(key, value, timeout, version),
            lambda c: c.set(key, value, timeout, version),
        )

    def touch(self, key: Any, timeout: Any = 300, version: Any = None) -> bool:
        return self._either(
            lambda: super(RedisCache, self).touch(key, timeout, version),
            lambda c: c.touch(key, timeout, version),
        )

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._either(
            lambda: super(RedisCache, self).delete(key, version),
            lambda c: c.delete(key, version),
        )

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        keys = list(keys)
        return self._either(
            lambda: super(RedisCache, self).get_many(keys, version),
            lambda c: c.get_many(keys, version),
        )

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._either(
            lambda: super(RedisCache, self).has_key(key, version),
            lambda c: c.has_key(key, version),
        )

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        return self._either(
            lambda: super(RedisCache, self).incr(key, delta, version),
            lambda c: c.incr(key, delta, version),
        )

    def set_many(self, data: Any, timeout: Any = 300, version: Any = None) -> list[Any]:
        return self._either(
            lambda: super(RedisCache, self).set_many(data, timeout, version),
            lambda c: c.set_many(data, timeout, version),
        )

    def delete_many(self, keys: Any, version: Any = None) -> None:
        keys = list(keys)
        self._either(
            lambda: super(RedisCache, self).delete_many(keys, version),
            lambda c: c.delete_many(keys, version),
        )

    def clear(self) -> None:
        self._either(lambda: super(RedisCache, self).clear(), lambda c: c.clear())
