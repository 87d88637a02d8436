"""The API's write limits, per signed-in person (``write_user``) and per IP address
(``write_ip``): DRF's throttle interface over the one rate limiter (``core.ratelimit``).
Reads are not limited here.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``, read at each call (DRF reads
them once at import), so settings can change them. Over a limit the API answers 429 with
``Retry-After``.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from victo_crm.core.clientip import client_ip
from victo_crm.core.ratelimit import Limit, consume, parse_rate


class WriteThrottle(BaseThrottle):
    scopes = ("write_user", "write_ip")

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        rates: dict[str, Any] = dict(api_settings.DEFAULT_THROTTLE_RATES or {})
        limits = []
        for scope in self.scopes:
            parsed = parse_rate(rates.get(scope))
            ident = self._ident(request, scope)
            if parsed is not None and ident is not None:
                limits.append(Limit(f"api-{scope}:{ident}", *parsed))
        verdict = consume(limits)
        self._wait = verdict.wait
        return verdict.allowed

    def _ident(self, request: Request, scope: str) -> str | None:
        if scope == "write_user":
            user = request.user
            return str(user.pk) if user and user.is_authenticated else None
        return client_ip(request)

    def wait(self) -> float | None:
        return self._wait
