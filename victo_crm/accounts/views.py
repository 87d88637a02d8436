"""One sign-in for everyone: allauth's (/compte/), with its failed-login limits and its
two-factor step. The admin's and the CMS's own sign-in, sign-out and password pages send
there instead of showing a second password form; and the first steps of a staff member who
must turn two-factor authentication on (see ``middleware.TwoFactorRequiredMiddleware``)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.totp.views import ActivateTOTPView
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

# Where a staff member who was sent to turn two-factor authentication on was going.
NEXT_SESSION_KEY = "victo_two_factor_next"


def _safe_next(request: HttpRequest, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def staff_sign_in(request: HttpRequest, default_next: str) -> HttpResponse:
    """The admin's and the CMS's sign-in page: allauth's, coming back to ``next``.

    Someone already signed in lands here when the admin or the CMS refused them (a citizen
    at /admin/): sending them to the sign-in page would bounce back here, so they are told
    no."""
    if request.user.is_authenticated:
        raise PermissionDenied
    wanted = _safe_next(request, request.GET.get(REDIRECT_FIELD_NAME)) or default_next
    return redirect_to_login(wanted, login_url="account_login")


def admin_sign_in(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    return staff_sign_in(request, reverse("admin:index"))


def cms_sign_in(request: HttpRequest) -> HttpResponse:
    return staff_sign_in(request, reverse("wagtailadmin_home"))


def to_account_page(urlname: str) -> Any:
    """A view that hands the request to allauth's page: 307 keeps a POST (the admin's and the
    CMS's sign-out buttons post a form with its CSRF token) as a POST."""

    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = HttpResponseRedirect(reverse(urlname))
        response.status_code = 307
        return response

    view.__name__ = f"to_{urlname}"
    return view


class StaffActivateTOTPView(ActivateTOTPView):
    """allauth's activation page. The six-digit code typed there proves the person holds the
    new authenticator, so the session counts it as its second factor, as allauth's code
    confirmation would (``record_authentication(..., "mfa")``): a staff member who just
    enrolled goes on without typing a second code."""

    def get_success_url(self) -> str:
        # The recovery codes, with a way on ("Continuer": ``two_factor_continue``).
        return f"{super().get_success_url()}?continuer=1"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        from allauth.mfa.models import Authenticator

        totp = Authenticator.objects.get(user=self.request.user, type=Authenticator.Type.TOTP)
        # A fresh proof, as allauth's code confirmation records it: the recovery codes
        # shown next need no password again.
        record_authentication(
            self.request,
            self.request.user,
            "mfa",
            id=totp.pk,
            type=totp.type,
            reauthenticated=True,
        )
        return response


@login_required
def two_factor_continue(request: HttpRequest) -> HttpResponse:
    """After the recovery codes: where the staff member was going before enrolling."""
    wanted = _safe_next(request, request.session.pop(NEXT_SESSION_KEY, None))
    return HttpResponseRedirect(wanted or get_adapter(request).get_login_redirect_url(request))
