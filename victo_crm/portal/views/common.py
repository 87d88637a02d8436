"""Helpers shared by the portal views."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from victo_crm.places.models import Zone, ZoneKind
from victo_crm.service_requests.models import RequestType

if TYPE_CHECKING:
    from victo_crm.accounts.models import User

View = Callable[..., HttpResponseBase]

# The centre of Victoriaville, when no municipal boundary is configured.
DEFAULT_CENTRE = (46.057, -71.958)


def not_found(request: HttpRequest) -> HttpResponse:
    """A 404 in the portal's look; it says how to sign in, never whether the page exists."""
    return render(request, "portal/not_found.html", status=404)


def friendly_404(view: View) -> View:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return not_found(request)

    return wrapper


def citizen_required(view: View) -> View:
    """Pages of one's own account: anonymous visitors are asked to sign in."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def private(*methods: str, signed_in: bool = True) -> Callable[[View], View]:
    """Pages that name a private object or give personal data: anyone who may not see it,
    anonymous included, gets the same 404 as for an object that does not exist — whatever
    the HTTP method, so that not even a 405 tells the URL apart. ``signed_in=False`` is for
    the guest's tracking link, where the token is the key."""
    allowed = set(methods or ("GET",))

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if (signed_in and not request.user.is_authenticated) or request.method not in allowed:
                return not_found(request)
            try:
                return view(request, *args, **kwargs)
            except Http404:
                return not_found(request)

        return wrapper

    return decorator


def me(request: HttpRequest) -> User:
    """The signed-in person (the decorators above have checked there is one)."""
    return cast("User", request.user)


def sla_words(request_type: RequestType) -> str:
    """The type's service level in plain words."""
    hours = request_type.sla_hours
    if not hours:
        return _("Nous vous tiendrons au courant à chaque étape du traitement.")
    if hours < 48:
        return ngettext(
            "Notre objectif est de la traiter en %(count)d heure.",
            "Notre objectif est de la traiter en %(count)d heures.",
            hours,
        ) % {"count": hours}
    days = math.ceil(hours / 24)
    return ngettext(
        "Notre objectif est de la traiter en %(count)d jour.",
        "Notre objectif est de la traiter en %(count)d jours.",
        days,
    ) % {"count": days}


def town_centre() -> tuple[float, float]:
    boundary = Zone.objects.filter(kind=ZoneKind.BOUNDARY).order_by("pk").first()
    if boundary is None:
        return DEFAULT_CENTRE
    return ((boundary.min_lat + boundary.max_lat) / 2, (boundary.min_lon + boundary.max_lon) / 2)
