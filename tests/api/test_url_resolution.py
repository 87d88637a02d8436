"""Resolving a URL outside the mobile API does not walk the API's patterns: the v1 patterns
are mounted behind a lookahead on ``api/v1/`` (victo_crm/api/urls.py), so Open311 and every
website page skip them at once."""

from __future__ import annotations

from django.urls import resolve, reverse

from victo_crm.api.v1 import urls as v1


def test_paths_outside_the_api_do_not_try_its_patterns() -> None:
    ours = {id(pattern) for pattern in v1.urlpatterns}
    for path in ("/open311/v2/requests.json", "/fr/", "/en/"):
        tried = resolve(path).tried or []
        walked = [entry for entry in tried if any(id(pattern) in ours for pattern in entry)]
        assert walked == [], path


def test_the_api_resolves_and_reverses_as_before() -> None:
    assert reverse("api:v1:requests") == "/api/v1/requests/"
    match = resolve("/api/v1/requests/2026-000001/")
    assert match.view_name == "api:v1:request-detail"
    assert match.kwargs == {"reference": "2026-000001"}
