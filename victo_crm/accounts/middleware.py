"""Two-factor authentication is mandatory for staff: a session of someone who must use it
(``roles.requires_two_factor``) and did not give a second factor reaches nothing else.

- No authenticator yet: the activation page (then the recovery codes), the password
  confirmation allauth may ask for first, sign-out and the language switch.
- An authenticator, but this session signed in without it (before enrolling, say): the
  page that asks for a code (allauth's ``mfa_reauthenticate``), sign-out, the language.

"Gave a second factor" is allauth's own record of the session's sign-in steps: its
two-factor sign-in step, its code confirmation, or our activation page write an ``mfa``
entry there. Citizens cost nothing here: whether a user needs two factors comes with the
user's row (``backends``), and their pages are never held.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import roles
from .views import NEXT_SESSION_KEY

ALWAYS_OPEN = frozenset({"account_logout", "set_language"})
WHILE_ENROLLING = ALWAYS_OPEN | {
    "mfa_activate_totp",
    "account_reauthenticate",  # allauth asks for the password again on an older session
}
WHILE_CONFIRMING = ALWAYS_OPEN | {"mfa_reauthenticate"}


def session_gave_second_factor(request: HttpRequest, user: Any) -> bool:
    return any(
        record.get("method") == "mfa" for record in get_authentication_records(request, user)
    )


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user: Any = request.user
        if not roles.requires_two_factor(user) or session_gave_second_factor(request, user):
            return None
        match = request.resolver_match
        namespaces = set(match.app_names) if match else set()
        if "headless" in namespaces:
            # allauth's API for apps: its own flows (and two-factor step) apply; it opens no
            # staff page, and a browser session it signs in is held here like any other.
            return None
        enrolled = is_mfa_enabled(user, [Authenticator.Type.TOTP])
        open_names = WHILE_CONFIRMING if enrolled else WHILE_ENROLLING
        if match and match.url_name in open_names and not namespaces:
            # The pages say why, and offer nothing the person cannot open yet.
            request.two_factor_pending = True  # type: ignore[attr-defined]
            return None
        if "api" in namespaces:
            return JsonResponse(
                {
                    "type": "urn:victo:problem:forbidden",
                    "title": _("Accès refusé"),
                    "status": 403,
                    "detail": _(
                        "Ce compte doit d’abord activer la vérification en deux étapes sur le site."
                    ),
                },
                status=403,
                content_type="application/problem+json",
            )
        wanted = request.get_full_path()
        if enrolled:
            return HttpResponseRedirect(
                f"{reverse('mfa_reauthenticate')}?{urlencode({'next': wanted})}"
            )
        if request.method == "GET" and not request.headers.get("HX-Request"):
            request.session[NEXT_SESSION_KEY] = wanted
        return HttpResponseRedirect(reverse("mfa_activate_totp"))
