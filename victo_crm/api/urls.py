"""Mounted at the site root: the mobile REST API under ``api/v1/`` and the Open311 GeoReport
v2 server under ``open311/v2/``."""

from django.urls import URLPattern, URLResolver, include, path, re_path

from .open311 import views as open311

app_name = "api"

FMT = r"\.(?P<fmt>xml|json)$"

open311_patterns: list[URLPattern | URLResolver] = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.services, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + FMT, open311.requests_collection, name="requests"),
    re_path(r"^requests/(?P<reference>[^/]+?)" + FMT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, open311.token_detail, name="token"),
    re_path(r"^servicerequestupdates" + FMT, open311.request_updates, name="updates"),
    # media_url: a photo's public copy, checked at each read (MEDIA_ROOT is never served).
    re_path(
        r"^media/(?P<public_id>[0-9a-fA-F-]{32,36})/(?P<name>[A-Za-z0-9_-]+\.[a-z]{3,4})$",
        open311.media,
        name="media",
    ),
    re_path(r"^(?P<rest>.*)$", open311.not_found, name="not_found"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    # The v1 patterns carry their "api/v1/" (the schema is generated from that module alone).
    # The lookahead matches no character, only paths that start so: every other path
    # (Open311, the website's pages) skips the v1 patterns at once instead of trying each
    # and collecting them as "tried" for its 404 page.
    re_path(r"^(?=api/v1/)", include(("victo_crm.api.v1.urls", "v1"))),
    path("open311/v2/", include((open311_patterns, "open311"))),
]
