"""The catalogue: request groups and types with their fields, cached by ETag."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import serializers as s
from ..catalogue import catalogue
from .base import IF_NONE_MATCH


def _cached(request: Request, document: Any, etag: str) -> HttpResponseBase:
    """The document, or Django's 304 (with its ETag, Cache-Control and Vary) when the
    caller's If-None-Match names it."""
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300", "Vary": "Accept-Language"}
    response = Response(document, headers=headers)
    return get_conditional_response(request._request, etag=etag, response=response) or response


def _cached_schema(operation_id: str, summary: str, body: Any) -> Any:
    """The schema of a catalogue read: ``body``, or 304 when If-None-Match names it."""
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        parameters=[IF_NONE_MATCH],
        responses={200: body, 304: OpenApiResponse(description="Not modified")},
        tags=["catalogue"],
    )


class RequestTypeList(APIView):
    permission_classes = [AllowAny]

    @_cached_schema(
        "request_types_list",
        "Request types with their field definitions",
        s.CatalogueTypeSerializer(many=True),
    )
    def get(self, request: Request) -> HttpResponseBase:
        data = catalogue()
        return _cached(request, data["types"], data["types_etag"])


class RequestTypeDetail(APIView):
    permission_classes = [AllowAny]

    @_cached_schema(
        "request_types_retrieve",
        "One request type with its field definitions",
        s.CatalogueTypeSerializer,
    )
    def get(self, request: Request, code: str) -> HttpResponseBase:
        found = catalogue()["by_code"].get(code)
        if found is None:
            raise NotFound(_("Ce type de requête n’existe pas."))
        return _cached(request, found[0], found[1])


class RequestGroupList(APIView):
    permission_classes = [AllowAny]

    @_cached_schema(
        "request_groups_list", "Groups of request types", s.CatalogueGroupSerializer(many=True)
    )
    def get(self, request: Request) -> HttpResponseBase:
        data = catalogue()
        return _cached(request, data["groups"], data["groups_etag"])
