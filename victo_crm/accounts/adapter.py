"""django-allauth adapter: citizens land in the portal, in the language they signed up in."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation

from . import roles


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user: Any = request.user
        if roles.is_staff_member(user) or user.is_staff:
            return super().get_login_redirect_url(request)
        return reverse("portal:home")

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return reverse("portal:home")

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        return reverse("portal:home")

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        language = (translation.get_language() or "fr")[:2]
        user.preferred_language = language if language in ("fr", "en") else "fr"
        return super().save_user(request, user, form, commit=commit)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Over the failed-login limit, the app's API answers 429 with Retry-After (its
        contract for every limit); the portal's form keeps allauth's message on the page."""
        from allauth.core.exceptions import ImmediateHttpResponse
        from allauth.core.ratelimit import respond_429
        from django.core.exceptions import ValidationError

        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            if hasattr(getattr(request, "allauth", None), "headless"):
                raise ImmediateHttpResponse(respond_429(request)) from None
            raise
