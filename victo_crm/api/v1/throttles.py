"""Rate limits on writes, per signed-in person and per IP address, counted in the cache
(Redis in production, so every web process shares the counters). Reads are not limited here.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``: ``write_user`` and
``write_ip``. Over the limit the API answers 429 with ``Retry-After``.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class _WriteThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        # Read at each request (DRF reads them once at import), so settings can change them.
        rates: dict[str, Any] = dict(api_settings.DEFAULT_THROTTLE_RATES or {})
        rate = rates.get(self.scope or "")
        return str(rate) if rate else None

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class UserWriteThrottle(_WriteThrottle):
    scope = "write_user"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class IpWriteThrottle(_WriteThrottle):
    scope = "write_ip"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
