"""Rate limits on writes, per signed-in person and per IP address, counted in the cache
(Redis in production, so every web process shares the counters). Reads are not limited here.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``: ``write_user`` and
``write_ip``. Over the limit the API answers 429 with ``Retry-After``.

Each limit is a sliding-window counter: a count per fixed window (a minute for ``n/min``) and
the estimate ``previous window * the part of it still inside the last minute + this window``.
Counting is an atomic increment (taken back when the call is refused, so only the calls let
through count), so concurrent writes cannot slip past the limit between a read and a write of
the counter, and it costs the same at any rate: DRF's own throttles keep the time of every
call in the window and store the whole list again at each call. On Redis, both limits are
checked in one round trip.
"""

from __future__ import annotations

import contextlib
import math
import time
from typing import Any, cast

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from victo_crm.core.clientip import client_ip

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """``"60/min"`` → ``(60, 60)``: the number of calls and the window in seconds."""
    if not rate:
        return None
    number, period = str(rate).split("/")
    return int(number), _PERIODS[period[0]]


def _redis_pipeline() -> Any:
    """A pipeline on the cache's Redis (no transaction: one round trip), or None elsewhere."""
    backend = caches["default"]  # ``cache`` is a proxy: isinstance() needs the backend
    if not isinstance(backend, RedisCache):
        return None
    client = cast(Any, backend)._cache.get_client(write=True)
    return client.pipeline(transaction=False)


def _counts(windows: list[tuple[str, str]], ttl: int) -> list[tuple[int, int]]:
    """For each ``(current, previous)`` pair of window keys: the current window's count once
    this call is added, and the previous window's count."""
    pipe = _redis_pipeline()
    if pipe is not None:
        for current, previous in windows:
            pipe.incr(cache.make_and_validate_key(current))
            pipe.expire(cache.make_and_validate_key(current), ttl)
            pipe.get(cache.make_and_validate_key(previous))
        replies = pipe.execute()  # incr, expire, get for each pair
        return [(int(replies[i]), int(replies[i + 2] or 0)) for i in range(0, len(replies), 3)]
    # Any other cache (the local memory of development and tests): the same, in several calls.
    counts = []
    for current, previous in windows:
        cache.add(current, 0, ttl)
        try:
            added = cache.incr(current)
        except ValueError:  # expired between the two calls
            cache.set(current, 1, ttl)
            added = 1
        counts.append((added, int(cache.get(previous) or 0)))
    return counts


def _take_back(windows: list[tuple[str, str]]) -> None:
    """Undo the increments of a refused call."""
    pipe = _redis_pipeline()
    if pipe is not None:
        for current, _previous in windows:
            pipe.decr(cache.make_and_validate_key(current))
        pipe.execute()
        return
    for current, _previous in windows:
        with contextlib.suppress(ValueError):  # expired meanwhile: nothing to take back
            cache.decr(current)


def allowed(limit: int, previous: int, done: int, elapsed: float) -> bool:
    """Whether one more call fits: ``done`` calls in this window, ``previous`` in the one
    before, ``elapsed`` the part of this window gone (0 to 1)."""
    return previous * (1 - elapsed) + done + 1 <= limit


def wait_seconds(limit: int, period: int, previous: int, done: int, elapsed: float) -> float:
    """Seconds until one more call fits, if no other call comes (see ``allowed``)."""
    if done + 1 <= limit and previous > 0:
        needed = 1 - (limit - done - 1) / previous  # part of this window to let go by
        return max(needed - elapsed, 0) * period
    # Only the next window helps: this window's calls become the previous ones.
    needed = max(1 - (limit - 1) / done, 0) if done else 0
    return (1 - elapsed + needed) * period


class WriteThrottle(BaseThrottle):
    """The write limits of the API, per person (``write_user``) and per IP (``write_ip``)."""

    scopes = ("write_user", "write_ip")

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        # Read at each request (DRF reads them once at import), so settings can change them.
        rates: dict[str, Any] = dict(api_settings.DEFAULT_THROTTLE_RATES or {})
        now = time.time()
        limits: list[tuple[int, int, float]] = []
        windows: list[tuple[str, str]] = []
        for scope in self.scopes:
            parsed = parse_rate(rates.get(scope))
            ident = self._ident(request, scope)
            if parsed is None or ident is None:
                continue
            limit, period = parsed
            window = int(now // period)
            windows.append(
                (f"throttle:{scope}:{ident}:{window}", f"throttle:{scope}:{ident}:{window - 1}")
            )
            limits.append((limit, period, (now % period) / period))
        if not limits:
            return True
        ttl = 2 * max(period for _limit, period, _elapsed in limits)
        waits = []
        for (limit, period, elapsed), (added, previous) in zip(
            limits, _counts(windows, ttl), strict=True
        ):
            done = added - 1  # the calls before this one
            if not allowed(limit, previous, done, elapsed):
                waits.append(wait_seconds(limit, period, previous, done, elapsed))
        if waits:
            _take_back(windows)
            self._wait = max(1, math.ceil(max(waits)))
            return False
        return True

    def _ident(self, request: Request, scope: str) -> str | None:
        if scope == "write_user":
            user = request.user
            return str(user.pk) if user and user.is_authenticated else None
        return client_ip(request)

    def wait(self) -> float | None:
        return self._wait
