"""Security headers on every response: Content-Security-Policy, Permissions-Policy, and
``Cache-Control: private, no-store`` on personal answers.

- CSP: scripts only from our own origin (no inline script, no ``eval``; the pages' JSON
  configuration blocks are data, not scripts), images from our origin, ``data:`` and the map
  tile server (``VICTO_MAP_TILE_URL``), nothing may frame a page (``frame-ancestors 'none'``),
  forms post only to us. Inline *styles* stay allowed (Leaflet and the e-mail previews use
  them; a style cannot run code). The Django admin and the Wagtail CMS, staff-only and
  outside our templates, also keep inline scripts. ``VICTO_CSP_EXTRA`` appends directives
  (e.g. a CDN) without code.
- Permissions-Policy: geolocation for our own pages only (the portal places a pin), camera,
  microphone, payment, USB and the rest off.
- A response to a signed-in caller (a session, or the app's session token or an API key
  header), or under the personal faces (portal, desk, account pages, allauth), that did not
  choose its own Cache-Control gets ``private, no-store``: no shared cache or browser history
  keeps someone's requests. Public pages and the public catalogue keep their own headers
  (the website's page cache, the API's ETag and ``public, max-age``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PERSONAL_PREFIXES = ("/portail/", "/bureau/", "/compte/", "/_allauth/", "/admin/", "/cms/")
STAFF_TOOLS = ("/admin/", "/cms/")
PERMISSIONS_POLICY = (
    "geolocation=(self), camera=(), microphone=(), payment=(), usb=(), serial=(), "
    "bluetooth=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), "
    "display-capture=(), browsing-topics=()"
)


def _tile_source(url: str) -> str:
    """The tile server's origin (``https://*.tile.example`` for an ``{s}`` template)."""
    if not url:
        return ""
    parts = urlsplit(url.replace("{s}.", "SUBDOMAIN."))
    host = (parts.hostname or "").replace("subdomain.", "*.")
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "") if host else ""


def content_security_policy(staff_tool: bool) -> str:
    """The policy for the settings in force (the tile server may change without a restart in
    tests; the text is built once per combination)."""
    return _policy(staff_tool, settings.VICTO_MAP_TILE_URL, settings.VICTO_CSP_EXTRA)


@cache
def _policy(staff_tool: bool, tile_url: str, extra: str) -> str:
    script = "'self' 'unsafe-inline'" if staff_tool else "'self'"
    images = " ".join(filter(None, ["'self'", "data:", "blob:", _tile_source(tile_url)]))
    directives = [
        "default-src 'self'",
        f"script-src {script}",
        "style-src 'self' 'unsafe-inline'",
        f"img-src {images}",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    extra = extra.strip().rstrip(";")
    return "; ".join(directives + ([extra] if extra else []))


def is_personal(request: HttpRequest) -> bool:
    if request.path_info.startswith(PERSONAL_PREFIXES):
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    headers = request.headers
    return bool(headers.get("X-Session-Token") or headers.get("Authorization"))


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        staff_tool = request.path_info.startswith(STAFF_TOOLS)
        response.headers.setdefault("Content-Security-Policy", content_security_policy(staff_tool))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if not response.has_header("Cache-Control") and is_personal(request):
            response["Cache-Control"] = "private, no-store"
        return response
