"""French first (Charter of the French language): pages are French unless the person chose
English, whatever their browser's Accept-Language says. APIs honour Accept-Language, since an
app states its user's language there."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

SUPPORTED = {code for code, _name in settings.LANGUAGES}
API_PREFIXES = ("/api/", "/open311/", "/_allauth/")


def chosen_language(request: HttpRequest) -> str:
    if request.path.startswith(API_PREFIXES):
        return (
            translation.get_language_from_request(request)
            if request.headers.get("Accept-Language")
            else settings.LANGUAGE_CODE
        )
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")[:2]
    if cookie in SUPPORTED:
        return cookie
    user = getattr(request, "user", None)
    preferred = getattr(user, "preferred_language", "") if user and user.is_authenticated else ""
    if preferred in SUPPORTED:
        return preferred
    return settings.LANGUAGE_CODE


class FrenchFirstLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        if not request.path.startswith(API_PREFIXES):
            # Pages differ by the language cookie, never by Accept-Language.
            from django.utils.cache import patch_vary_headers

            patch_vary_headers(response, ("Cookie",))
        return response
