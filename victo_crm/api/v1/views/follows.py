"""Open requests near a point, and following one instead of filing a duplicate."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from victo_crm.service_requests import citizen as citizen_services
from victo_crm.service_requests import selectors as request_selectors
from victo_crm.service_requests.models import RequestFollower, RequestType, ServiceRequest

from .. import serializers as s
from .base import ObjectOfTheCaller, me
from .requests import request_detail_data


class NearbyRequests(APIView):
    @extend_schema(
        operation_id="requests_nearby",
        summary="Open requests of a type near a point (to follow instead of a duplicate)",
        parameters=[
            OpenApiParameter("request_type", str, required=True),
            OpenApiParameter("latitude", float, required=True),
            OpenApiParameter("longitude", float, required=True),
        ],
        responses={200: s.NearbyRequestSerializer(many=True)},
        tags=["requests"],
    )
    def get(self, request: Request) -> Response:
        query = s.NearbyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rtype = RequestType.objects.filter(
            code=query.validated_data["request_type"], is_active=True
        ).first()
        if rtype is None:
            raise ValidationError({"request_type": [_("Ce type de requête n’existe pas.")]})
        found = request_selectors.nearby_open_requests(
            request_type=rtype,
            latitude=query.validated_data["latitude"],
            longitude=query.validated_data["longitude"],
        )
        ids = [view.pk for view, _d in found]
        # Which of them the caller filed or follows (the public view says nothing of who
        # filed a request).
        mine = set(
            ServiceRequest.objects.filter(pk__in=ids, citizen=me(request)).values_list(
                "pk", flat=True
            )
        ) | set(
            RequestFollower.objects.filter(user=me(request), request_id__in=ids).values_list(
                "request_id", flat=True
            )
        )
        rows = [
            {
                "view": view,
                "request_type": rtype,
                "distance_m": round(distance),
                "followed": view.pk in mine,
            }
            for view, distance in found
        ]
        return Response(s.NearbyRequestSerializer(rows, many=True).data)


def _request_by_public_id(value: Any) -> ServiceRequest:
    import uuid

    try:
        public_id = uuid.UUID(str(value))
    except ValueError:
        raise NotFound() from None
    sr = (
        ServiceRequest.objects.select_related("state", "request_type", "team", "address")
        .filter(public_id=public_id)
        .first()
    )
    if sr is None:
        raise NotFound()
    return sr


class FollowCreate(APIView):
    @extend_schema(
        operation_id="follows_create",
        summary="Follow an open request someone else filed",
        request=s.FollowSerializer,
        responses={201: s.RequestDetailSerializer},
        tags=["requests"],
    )
    def post(self, request: Request) -> Response:
        serializer = s.FollowSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sr = _request_by_public_id(serializer.validated_data["request_id"])
        if not request_selectors.type_is_published(sr.request_type):
            raise NotFound()  # the public does not know of it: nothing to follow
        citizen_services.service_request_follow(request=sr, user=me(request))
        return Response(request_detail_data(request, sr), status=status.HTTP_201_CREATED)


class FollowDelete(APIView):
    permission_classes = [ObjectOfTheCaller]

    @extend_schema(
        operation_id="follows_destroy",
        summary="Stop following a request",
        responses={204: None},
        tags=["requests"],
    )
    def delete(self, request: Request, request_id: str) -> Response:
        sr = _request_by_public_id(request_id)
        if not citizen_services.service_request_unfollow(request=sr, user=me(request)):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)
