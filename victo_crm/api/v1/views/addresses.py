"""The town's address registry, searched as people type."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from victo_crm.places.selectors import address_search

from .. import serializers as s


class AddressSearch(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="addresses_search",
        summary="Search the town's address registry",
        parameters=[OpenApiParameter("q", str, required=True, description="e.g. 12 notre-dame")],
        responses={200: s.AddressSerializer(many=True)},
        tags=["account"],
    )
    def get(self, request: Request) -> Response:
        query = s.AddressQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = address_search(query.validated_data["q"], limit=10)
        return Response(s.AddressSerializer(found, many=True).data)
