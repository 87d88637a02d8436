"""Alerts, subscriptions, collection days and the in-app inbox in the mobile REST API.

The same services and selectors as the /alertes/ pages and the portal: topics and active
notices are public; a citizen's subscriptions and notifications are theirs alone (anything
else is 404, as for requests).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from victo_crm.alerts import ical
from victo_crm.alerts import services as alert_services
from victo_crm.alerts.calendar import upcoming_collections
from victo_crm.alerts.models import AlertTopic, Subscription
from victo_crm.alerts.selectors import active_notices, active_notices_for_address, subscriptions_for
from victo_crm.notifications import services as notification_services
from victo_crm.notifications.selectors import inbox_for, unread_count
from victo_crm.places.models import Address

from .. import serializers as s
from ..idempotency import idempotent
from .base import IDEMPOTENCY_PARAMETER, ObjectOfTheCaller, caller_of, me

# --- Documents --------------------------------------------------------------------------------


def _own_subscription(request: Request, pk: int) -> Subscription:
    found = subscriptions_for(me(request)).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


# --- Topics and notices (public) --------------------------------------------------------------


class TopicList(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="alerts_topics_list",
        summary="Alert topics a citizen can subscribe to",
        responses={200: s.TopicSerializer(many=True)},
        tags=["alerts"],
    )
    def get(self, request: Request) -> Response:
        topics = AlertTopic.objects.filter(is_active=True).order_by("order", "name_fr")
        return Response(s.TopicSerializer(topics, many=True).data)


class NoticeList(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="alerts_notices_list",
        summary="Notices in force (emergencies first); `address` keeps those covering it",
        parameters=[OpenApiParameter("address", int, required=False)],
        responses={200: s.NoticeSerializer(many=True)},
        tags=["alerts"],
    )
    def get(self, request: Request) -> Response:
        wanted = request.query_params.get("address") or None
        if wanted is None:
            notices = list(active_notices())
        else:
            notices = active_notices_for_address(_address(wanted, field="address"))
        return Response(s.NoticeSerializer(notices, many=True, context={"request": request}).data)


def _address(value: Any, *, field: str) -> Address:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise ValidationError(
            {field: [_("Indiquez le numéro d’une adresse du registre.")]}
        ) from None
    address = Address.objects.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if address is None:
        raise ValidationError({field: [_("Aucune adresse du registre ne porte ce numéro.")]})
    return address


class CollectionSchedule(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="alerts_collections_retrieve",
        summary="Collection days of an address (next 8 weeks), its iCalendar feed and notices",
        description="Needs no account, like the public “my collection days” page.",
        parameters=[OpenApiParameter("address", int, required=True)],
        responses={200: s.CollectionScheduleSerializer},
        tags=["alerts"],
    )
    def get(self, request: Request) -> Response:
        address = _address(request.query_params.get("address"), field="address")
        days = upcoming_collections(address.pk)
        feed = reverse("alerts:collection_ical", args=[ical.address_token(address)])
        schedule = {
            "address": address,
            "days": days,
            "ical_url": request.build_absolute_uri(feed),
            "notices": active_notices_for_address(address),
        }
        return Response(s.CollectionScheduleSerializer(schedule, context={"request": request}).data)


# --- Subscriptions (the caller's own) ---------------------------------------------------------


class SubscriptionListCreate(APIView):
    @extend_schema(
        operation_id="alerts_subscriptions_list",
        summary="My alert subscriptions",
        responses={200: s.SubscriptionSerializer(many=True)},
        tags=["alerts"],
    )
    def get(self, request: Request) -> Response:
        return Response(s.SubscriptionSerializer(subscriptions_for(me(request)), many=True).data)

    @extend_schema(
        operation_id="alerts_subscriptions_create",
        summary="Subscribe to a topic for an address, on chosen channels",
        description=(
            "Subscribing again to the same topic and address updates the channels (200). "
            "Texts need a phone number and the SMS consent, push the push consent, city "
            "news its own consent: otherwise 400 with the reason on `channels`."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=s.SubscriptionInputSerializer,
        responses={201: s.SubscriptionSerializer, 200: s.SubscriptionSerializer},
        tags=["alerts"],
    )
    def post(self, request: Request) -> Response:
        def work() -> Response:
            serializer = s.SubscriptionInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            topic = AlertTopic.objects.filter(code=data["topic"], is_active=True).first()
            if topic is None:
                raise ValidationError({"topic": [_("Ce sujet n’existe pas ou n’est plus offert.")]})
            address = _address(data["address"], field="address")
            existed = Subscription.objects.filter(
                user=me(request), topic=topic, address=address, is_active=True
            ).exists()
            subscription = alert_services.subscription_create(
                user=me(request),
                topic=topic,
                address=address,
                channels=data["channels"],
                label=data.get("label", ""),
            )
            return Response(
                s.SubscriptionSerializer(subscription).data,
                status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
            )

        return idempotent(request, caller_of(request), work)


class SubscriptionDetail(APIView):
    permission_classes = [ObjectOfTheCaller]

    @extend_schema(
        operation_id="alerts_subscriptions_retrieve",
        summary="One of my subscriptions",
        responses={200: s.SubscriptionSerializer},
        tags=["alerts"],
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.SubscriptionSerializer(_own_subscription(request, pk)).data)

    @extend_schema(
        operation_id="alerts_subscriptions_partial_update",
        summary="Change the channels of one of my subscriptions",
        request=s.SubscriptionChannelsSerializer,
        responses={200: s.SubscriptionSerializer},
        tags=["alerts"],
    )
    def patch(self, request: Request, pk: int) -> Response:
        subscription = _own_subscription(request, pk)
        serializer = s.SubscriptionChannelsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        updated = alert_services.subscription_update(
            user=me(request),
            subscription=subscription,
            channels=serializer.validated_data["channels"],
        )
        return Response(s.SubscriptionSerializer(updated).data)

    @extend_schema(
        operation_id="alerts_subscriptions_destroy",
        summary="Unsubscribe",
        responses={204: None},
        tags=["alerts"],
    )
    def delete(self, request: Request, pk: int) -> Response:
        subscription = _own_subscription(request, pk)
        alert_services.subscription_delete(user=me(request), subscription=subscription)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- The in-app inbox -------------------------------------------------------------------------


class InboxCursor(CursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-pk")


class Inbox(APIView):
    @extend_schema(
        operation_id="notifications_list",
        summary="My in-app notifications, newest first",
        parameters=[
            OpenApiParameter("unread", bool, required=False, description="Only unread ones."),
            OpenApiParameter("cursor", str, required=False),
            OpenApiParameter("page_size", int, required=False),
        ],
        responses={200: s.InboxPageSerializer},
        tags=["notifications"],
    )
    def get(self, request: Request) -> Response:
        wanted = (request.query_params.get("unread") or "").lower()
        if wanted not in ("", "true", "false", "1", "0"):
            raise ValidationError({"unread": [_("Choisissez true ou false.")]})
        rows = inbox_for(me(request)).values(
            "pk",
            "kind",
            "subject",
            "body",
            "link",
            "is_emergency",
            "request__reference",
            "created_at",
            "read_at",
        )
        if wanted in ("true", "1"):
            rows = rows.filter(read_at__isnull=True)
        paginator = InboxCursor()
        page = paginator.paginate_queryset(rows, request, view=self) or []
        response = paginator.get_paginated_response(s.InboxItemSerializer(page, many=True).data)
        response.data["unread"] = unread_count(me(request))
        return response


class InboxRead(APIView):
    permission_classes = [ObjectOfTheCaller]

    @extend_schema(
        operation_id="notifications_read",
        summary="Mark one of my notifications read",
        request=None,
        responses={204: None},
        tags=["notifications"],
    )
    def post(self, request: Request, pk: int) -> Response:
        if not inbox_for(me(request)).filter(pk=pk).exists():
            raise NotFound()
        notification_services.notification_mark_read(user=me(request), notification_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InboxReadAll(APIView):
    @extend_schema(
        operation_id="notifications_read_all",
        summary="Mark all my notifications read",
        request=None,
        responses={
            200: inline_serializer(
                "InboxReadAll", {"marked": serializers.IntegerField(read_only=True)}
            )
        },
        tags=["notifications"],
    )
    def post(self, request: Request) -> Response:
        marked = notification_services.notifications_mark_all_read(user=me(request))
        return Response({"marked": marked})
