"""Links from the website into the other faces of victo_crm (portal, alerts).

Those apps are written alongside the website; each link tries their named URLs first and
falls back to the documented path, so a renamed route never breaks a published page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

# (URL name, whether it takes the type code as an argument)
REQUEST_FORM_ROUTES = (("portal:submit_location", True),)
REQUEST_CHOOSER_ROUTES = ("portal:submit_type",)
COLLECTION_DAYS_ROUTES = ("alerts:collection_search",)
GENERAL_COMPLAINT = "plainte-generale"


def _first(names: tuple[str, ...]) -> str | None:
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def request_form_url(code: str) -> str:
    """The portal's form for one request type, opened on that type."""
    for name, takes_code in REQUEST_FORM_ROUTES:
        try:
            return reverse(name, kwargs={"code": code}) if takes_code else reverse(name)
        except NoReverseMatch:
            continue
    chooser = _first(REQUEST_CHOOSER_ROUTES) or "/portail/requete/nouvelle/"
    return f"{chooser}?{urlencode({'type': code})}"


def request_chooser_url() -> str:
    return _first(REQUEST_CHOOSER_ROUTES) or "/portail/requete/nouvelle/"


def collection_days_url() -> str:
    return _first(COLLECTION_DAYS_ROUTES) or "/alertes/collectes/"
