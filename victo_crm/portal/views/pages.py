"""The portal's home, its offline page, and what makes it installable (PWA)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from victo_crm.alerts.selectors import active_notices, citizen_alerts
from victo_crm.portal import selectors as portal_selectors

from .common import me

# Bump when the service worker's cached files change, so browsers take the new ones.
SW_VERSION = "2026-3b"


HOME_NOTICES = 3


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    open_count = 0
    alerts = None
    if request.user.is_authenticated:
        open_count = portal_selectors.open_requests_count(me(request))
        # What she will receive and where: her own address for the topics she turned on,
        # and each subscription (the same rule the notices and the reminders apply).
        alerts = citizen_alerts(me(request))
    # The notices in force (emergencies first), as on /alertes/: a road closed, a boil-water
    # notice. One query.
    notices = list(active_notices()[:HOME_NOTICES])
    return render(
        request,
        "portal/home.html",
        {"open_count": open_count, "notices": notices, "alerts": alerts},
    )


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/offline.html")


@require_GET
@cache_control(max_age=3600, public=True)
def manifest(request: HttpRequest) -> JsonResponse:
    data = {
        "name": _("Ville de Victoriaville — Portail citoyen"),
        "short_name": _("Victoriaville"),
        "description": _("Faites une requête à la Ville et suivez-la."),
        "lang": (request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else "fr"),
        "start_url": reverse("portal:home"),
        "scope": reverse("portal:home"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#00558c",
        "icons": [
            {"src": static("portal/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("portal/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("portal/icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    precache = [
        reverse("portal:offline"),
        static("css/victo.css"),
        static("portal/portal.css"),
        static("portal/portal.js"),
        static("img/logo.svg"),
        static("portal/icons/icon-192.png"),
    ]
    response = render(
        request,
        "portal/sw.js",
        {
            "version": SW_VERSION,
            # JSON of our own URLs: valid JavaScript literals, nothing typed by a user.
            "offline_url_json": json.dumps(reverse("portal:offline")),
            "precache_json": json.dumps(precache),
            "default_title_json": json.dumps(_("Ville de Victoriaville"), ensure_ascii=False),
            "icon_json": json.dumps(static("portal/icons/icon-192.png")),
            "home_url_json": json.dumps(reverse("portal:home")),
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = reverse("portal:home")
    response["Cache-Control"] = "no-cache"
    return response
