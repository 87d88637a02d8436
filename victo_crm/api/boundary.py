"""The input boundary's errors (``core.boundary``) in the formats of the API faces."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from .open311.formats import render_errors
from .v1.problems import problem_response as render_problem

__all__ = ["render_allauth_error", "render_open311_error", "render_problem"]


def render_open311_error(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    fmt = "xml" if request.path.rstrip("/").endswith(".xml") else "json"
    return render_errors([detail], fmt=fmt, status=status)


def render_allauth_error(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    """allauth headless's own error shape, so the app reads it like any other."""
    return JsonResponse(
        {"status": status, "errors": [{"message": detail, "code": "invalid"}]}, status=status
    )
