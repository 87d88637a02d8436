"""``Retry-After`` on the 429 answers of django-allauth's rate limits.

allauth refuses a login, a sign-up or a password reset over its limits with a bare 429; RFC
6585 asks for the time to wait. allauth keeps a sliding window per limit, so once the longest
window of the limits that guard an action has passed, the oldest attempt has left every window
and the next one is allowed: that window is the answer (never too short; the client may try
earlier, at the risk of another 429).
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from .boundary import busy
from .errors import Overloaded

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


def allow(*, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit on ``key``; False once more than ``limit`` came within the window.

    A fixed window counted in the cache (Redis in production, where ``add`` and ``incr``
    are atomic): a little inexact at the window's edge, which is accepted."""
    from django.core.cache import cache

    name = f"rate:{key}"
    if cache.add(name, 1, timeout=window_seconds):
        return True
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr: this hit opens a new window
        cache.add(name, 1, timeout=window_seconds)
        return True
    return count <= limit
