"""Who is calling: the mobile app with an allauth headless session token, or the portal's
browser with its Django session (and CSRF token)."""

from __future__ import annotations

from typing import Any

from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from allauth.headless.internal import sessionkit
from allauth.headless.tokens.strategies.sessions import SessionTokenStrategy
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings

from victo_crm.core.clientip import client_ip as core_client_ip
from victo_crm.core.ratelimit import Limit, consume, parse_rate


def client_ip(request: Any) -> str:
    """The caller's address (``X-Forwarded-For`` only as far as proxies are trusted)."""
    return core_client_ip(request)


class OneReadSessionTokenStrategy(SessionTokenStrategy):
    """allauth's session tokens (``HEADLESS_TOKEN_STRATEGY``), each looked up with one read
    of the session store instead of two (``exists`` then ``load``: with Redis, two round trips
    on every API call). The lookup is allauth's own, the one its JWT strategy uses: a
    missing or expired session comes back without a key and the token is refused."""

    def lookup_session(self, session_token: str) -> Any:
        return sessionkit.lookup_session(session_token)


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """allauth's ``X-Session-Token`` (app flavour of its headless API).

    A wrong token is not silently anonymous: it answers 401, and a caller that keeps sending
    wrong tokens is throttled per IP address (429 with Retry-After) like a failed login.
    """

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        token = self.get_session_token(request)
        if not token:
            return None
        result = super().authenticate(request)
        if result is None:
            self._count_failure(request)
            raise exceptions.AuthenticationFailed(
                _("Jeton de session invalide ou expiré : reconnectez-vous.")
            )
        user = result[0]
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("Ce compte est désactivé."))
        return result

    def _count_failure(self, request: Request) -> None:
        rates: dict[str, Any] = dict(api_settings.DEFAULT_THROTTLE_RATES or {})
        calls, seconds = parse_rate(str(rates.get("auth_failure") or "20/min")) or (20, 60)
        verdict = consume([Limit(f"api-auth-failure:{client_ip(request)}", calls, seconds)])
        if not verdict.allowed:
            raise exceptions.Throttled(wait=verdict.wait)

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to an anonymous call of a protected endpoint.
        return 'Session-Token realm="api", header="X-Session-Token"'


class SessionTokenScheme(OpenApiAuthenticationExtension):
    target_class = "victo_crm.api.v1.authentication.SessionTokenAuthentication"
    name = "sessionToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Session-Token",
            "description": (
                "The session token of django-allauth's headless API (app client): obtained "
                "from POST /_allauth/app/v1/auth/login, see docs/api.md."
            ),
        }
