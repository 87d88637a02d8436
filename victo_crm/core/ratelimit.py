"""The one rate limiter of victo_crm, and ``Retry-After`` on allauth's 429s.

:func:`consume` counts one call against one or more limits (an API write per person and per
address, wrong session tokens per address, push subscriptions per account, mail and texts per
sender) and says whether it fits and, if not, how long to wait. Every face uses it: DRF's
throttle (``api.v1.throttles``) and the session-token check are thin adapters, the portal
and ``inbound`` call it directly. allauth keeps its own limits (sign-in, sign-up, password
reset) in the same cache.

Each limit is a sliding-window counter: a count per fixed window (a minute for ``n/min``) and
the estimate ``previous window * the part of it still inside the last period + this window``
— a little inexact, as healthchecks' ``TokenBucket`` accepts, and the same cost at any rate.
Counting is an atomic increment, taken back when the call is refused (only the calls let
through count), so concurrent calls cannot slip past a limit between a read and a write.

Where it counts, by what the default cache is:

- Redis (``core.redis_cache``): one pipelined round trip for every limit of a call;
- while Redis is unreachable: PostgreSQL (``core.models.RateCounter``, an atomic
  ``UPDATE``) — a limit never turns into "no limit" because Redis is down. allauth's limits
  go to the database cache the same way (``core.redis_cache``);
- any other cache (the local memory of development and tests): ``add`` and ``incr``.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings
from django.core.cache import cache, caches
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .boundary import busy
from .errors import Overloaded
from .models import RateCounter
from .redis_cache import REDIS_DOWN, RedisCache

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """``"60/min"`` → ``(60, 60)``: the number of calls and the window in seconds."""
    if not rate:
        return None
    number, period = str(rate).split("/")
    return int(number), _PERIODS[period[0]]


@dataclass(frozen=True)
class Limit:
    """At most ``calls`` per ``seconds`` for ``key`` (a scope and who: ``"api-write-ip:…"``)."""

    key: str
    calls: int
    seconds: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    wait: float | None = None  # seconds until one more call fits, when refused


def consume(limits: Iterable[Limit]) -> Verdict:
    """Count one call against every limit; refused (and counted nowhere) if any is full."""
    limits = list(limits)
    if not limits:
        return Verdict(True)
    now = time.time()
    windows = []
    for limit in limits:
        window = int(now // limit.seconds)
        windows.append(
            (
                f"rl:{limit.key}:{limit.seconds}:{window}",
                f"rl:{limit.key}:{limit.seconds}:{window - 1}",
            )
        )
    ttl = 2 * max(limit.seconds for limit in limits)
    store = _store()
    waits = []
    for limit, (added, previous) in zip(limits, store.hit(windows, ttl), strict=True):
        elapsed = (now % limit.seconds) / limit.seconds
        done = added - 1  # the calls before this one
        if not allowed(limit.calls, previous, done, elapsed):
            waits.append(wait_seconds(limit.calls, limit.seconds, previous, done, elapsed))
    if waits:
        store.take_back([current for current, _previous in windows])
        return Verdict(False, max(1, math.ceil(max(waits))))
    return Verdict(True)


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


# --- Where the counts live ----------------------------------------------------------------------

Windows = Sequence[tuple[str, str]]  # (this window's key, the previous window's key)


@dataclass(frozen=True)
class _Store:
    hit: Callable[[Windows, int], list[tuple[int, int]]]
    take_back: Callable[[list[str]], None]


def _store() -> _Store:
    backend = caches["default"]  # ``cache`` is a proxy: isinstance() needs the backend
    if isinstance(backend, RedisCache):
        return _Store(_redis_or_database_hits, _redis_or_database_take_back)
    return _Store(_cache_hits, _cache_take_back)


def _redis_or_database_hits(windows: Windows, ttl: int) -> list[tuple[int, int]]:
    backend: RedisCache = caches["default"]  # type: ignore[assignment]
    client = backend.redis_client()
    if client is not None:
        try:
            pipe = client.pipeline(transaction=False)
            for current, previous in windows:
                pipe.incr(backend.make_and_validate_key(current))
                pipe.expire(backend.make_and_validate_key(current), ttl)
                pipe.get(backend.make_and_validate_key(previous))
            replies = pipe.execute()  # incr, expire, get for each pair
            return [(int(replies[i]), int(replies[i + 2] or 0)) for i in range(0, len(replies), 3)]
        except REDIS_DOWN as error:
            backend.mark_down(error)
    return _database_hits(windows, ttl)


def _redis_or_database_take_back(keys: list[str]) -> None:
    backend: RedisCache = caches["default"]  # type: ignore[assignment]
    client = backend.redis_client()
    if client is not None:
        try:
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.decr(backend.make_and_validate_key(key))
            pipe.execute()
            return
        except REDIS_DOWN as error:
            backend.mark_down(error)
    RateCounter.objects.filter(key__in=[_row_key(k) for k in keys], count__gt=0).update(
        count=F("count") - 1
    )


def _row_key(key: str) -> str:
    """Keys name a person or an address: the database keeps a digest of them."""
    return hashlib.sha256(key.encode()).hexdigest()


def _database_hits(windows: Windows, ttl: int) -> list[tuple[int, int]]:
    expires = timezone.now() + timedelta(seconds=ttl)
    counts = []
    for current, previous in windows:
        row, before = _row_key(current), _row_key(previous)
        rows = RateCounter.objects.filter(key=row)
        if not rows.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=row, count=1, expires_at=expires)
            except IntegrityError:  # another call created it meanwhile
                rows.update(count=F("count") + 1)
        # Read after the increment: a concurrent call's may be included, which only errs on
        # the strict side.
        added = rows.values_list("count", flat=True).first() or 1
        earlier = RateCounter.objects.filter(key=before).values_list("count", flat=True).first()
        counts.append((int(added), int(earlier or 0)))
    return counts  # expired rows: ``core.sweep`` (beat)


def _cache_hits(windows: Windows, ttl: int) -> list[tuple[int, int]]:
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


def _cache_take_back(keys: list[str]) -> None:
    for key in keys:
        with contextlib.suppress(ValueError):  # expired meanwhile: nothing to take back
            cache.decr(key)


# --- Retry-After on allauth's limits ------------------------------------------------------------

# The allauth actions whose limits may refuse a path, by the path's last words (headless API
# and the portal's pages). Anything else: the longest window of all.
_ACTIONS_BY_PATH = (
    (("/auth/login", "/login/"), ("login", "login_failed")),
    (("/auth/signup", "/signup/"), ("signup",)),
    (("/auth/password/request", "/password/reset/"), ("reset_password", "reset_password_from_key")),
    (("/auth/email/verify/resend", "/auth/email/verify", "/confirm-email/"), ("confirm_email",)),
)


def _longest_window(actions: tuple[str, ...] | None) -> int:
    config: dict[str, str] = dict(getattr(settings, "ACCOUNT_RATE_LIMITS", None) or {})
    chosen = actions if actions is not None else tuple(config)
    seconds = [rate.duration for action in chosen for rate in parse_rates(config.get(action))]
    return max(1, int(max(seconds, default=60)))


def retry_after_for(path: str) -> int:
    trimmed = path.rstrip("/")
    for endings, actions in _ACTIONS_BY_PATH:
        if any(trimmed.endswith(ending.rstrip("/")) for ending in endings):
            return _longest_window(actions)
    return _longest_window(None)


class RetryAfterMiddleware:
    """Also answers ``Overloaded`` (a capped resource is full, e.g. password hashing) with a
    503 and its Retry-After, in the caller's format."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 429 and not response.has_header("Retry-After"):
            response["Retry-After"] = str(retry_after_for(request.path))
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Overloaded):
            return busy(
                request,
                _("Le service est très sollicité en ce moment. Réessayez dans un instant."),
                exception.retry_after,
            )
        return None
