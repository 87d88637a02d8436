"""Push devices."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from victo_crm.notifications import services as notification_services
from victo_crm.notifications.models import PushDevice

from .. import serializers as s
from ..idempotency import idempotent
from .base import IDEMPOTENCY_PARAMETER, ObjectOfTheCaller, caller_of, me


class DeviceListCreate(APIView):
    @extend_schema(
        operation_id="devices_list",
        summary="My registered devices",
        responses={200: s.DeviceSerializer(many=True)},
        tags=["devices"],
    )
    def get(self, request: Request) -> Response:
        devices = PushDevice.objects.filter(user=me(request)).order_by("created_at", "pk")
        return Response(s.DeviceSerializer(devices, many=True).data)

    @extend_schema(
        operation_id="devices_create",
        summary="Register a device for push notifications (Web Push or FCM/APNs token)",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=s.DeviceSerializer,
        responses={201: s.DeviceSerializer, 200: s.DeviceSerializer},
        tags=["devices"],
    )
    def post(self, request: Request) -> Response:
        def work() -> Response:
            serializer = s.DeviceSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            device, created = notification_services.push_device_register(
                user=me(request),
                kind=data["kind"],
                endpoint=data["endpoint"],
                keys=data.get("keys") or {},
                name=data.get("name", ""),
            )
            return Response(
                s.DeviceSerializer(device).data,
                status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            )

        return idempotent(request, caller_of(request), work)


class DeviceDelete(APIView):
    permission_classes = [ObjectOfTheCaller]

    @extend_schema(
        operation_id="devices_destroy",
        summary="Unregister one of my devices",
        responses={204: None},
        tags=["devices"],
    )
    def delete(self, request: Request, device_id: int) -> Response:
        if not notification_services.push_device_remove(user=me(request), device_id=device_id):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)
