"""What every endpoint of the API shares: the caller, the permission of object URLs, the
headers documented on several operations, and the 404 of anything else under /api/v1/."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from ..problems import problem_response

if TYPE_CHECKING:
    from victo_crm.accounts.models import User


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name="Idempotency-Key",
    type={"type": "string", "minLength": 1, "maxLength": 255},
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique key (e.g. a UUID) per intended creation. A retry with the same key and "
        "body replays the first response; another body → 422; while the first call runs "
        "→ 409. Keys are scoped to the caller and kept 24 hours."
    ),
)
IF_NONE_MATCH = OpenApiParameter(
    name="If-None-Match",
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="The ETag of a copy the app already has: 304 if it is still current.",
)


class ObjectOfTheCaller(BasePermission):
    """On a URL naming an object, an anonymous caller learns nothing, not even that it
    needs to sign in: 404, like another citizen would get."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (me(request) and me(request).is_authenticated):
            raise NotFound()
        return True


def me(request: Request) -> User:
    """The signed-in caller (every endpoint but the public ones requires one)."""
    return cast("User", request.user)


def caller_of(request: Request) -> str:
    return f"u:{me(request).pk}"


# --- Everything else under /api/v1/ ------------------------------------------------------------


@csrf_exempt  # a 404 for every method: never the CSRF failure page of a browser form
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return problem_response(request, 404, _("Cette adresse n’existe pas dans l’API."))
