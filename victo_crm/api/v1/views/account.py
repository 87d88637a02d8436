"""The citizen's account: profile, preferences, consents, the Law 25 export and deletion."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from victo_crm.accounts import services as account_services
from victo_crm.accounts.models import Channel as PreferenceChannel
from victo_crm.accounts.models import Topic
from victo_crm.accounts.preferences import effective_preferences
from victo_crm.accounts.selectors import consents_overview
from victo_crm.privacy import services as privacy_services

from .. import serializers as s
from .base import me


def _profile(user: Any) -> dict[str, Any]:
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "address": user.address_id,
        "address_label": user.address.label if user.address_id and user.address else "",
        "address_unit": user.address_unit,
        "preferred_language": user.preferred_language,
    }


class Profile(APIView):
    @extend_schema(
        operation_id="me_retrieve",
        summary="My profile",
        responses={200: s.ProfileSerializer},
        tags=["account"],
    )
    def get(self, request: Request) -> Response:
        return Response(_profile(me(request)))

    @extend_schema(
        operation_id="me_partial_update",
        summary="Change my contact details",
        request=s.ProfileSerializer,
        responses={200: s.ProfileSerializer},
        tags=["account"],
    )
    def patch(self, request: Request) -> Response:
        serializer = s.ProfileSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = me(request)
        current = _profile(user)
        values = {**current, **serializer.validated_data}
        account_services.user_profile_update(
            user=user,
            first_name=values["first_name"],
            last_name=values["last_name"],
            phone=values["phone"],
            address=values["address"],
            address_unit=values["address_unit"],
            preferred_language=values["preferred_language"],
        )
        return Response(_profile(user))


class AccountDeletion(APIView):
    @extend_schema(
        operation_id="me_delete",
        summary="Delete my account (my requests stay, anonymised)",
        request=s.AccountDeletionSerializer,
        responses={204: None},
        tags=["account"],
    )
    def post(self, request: Request) -> Response:
        serializer = s.AccountDeletionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        privacy_services.account_delete(
            user=me(request), password=serializer.validated_data["password"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def _preferences(user: Any) -> list[dict[str, Any]]:
    values = effective_preferences(user)
    topics = dict(Topic.choices)
    channels = dict(PreferenceChannel.choices)
    return [
        {
            "topic": topic,
            "channel": channel,
            "enabled": enabled,
            "topic_label": str(topics.get(topic, topic)),
            "channel_label": str(channels.get(channel, channel)),
        }
        for (topic, channel), enabled in sorted(values.items())
    ]


class Preferences(APIView):
    @extend_schema(
        operation_id="me_preferences_list",
        summary="My communication preferences (every topic and channel)",
        responses={200: s.PreferenceSerializer(many=True)},
        tags=["account"],
    )
    def get(self, request: Request) -> Response:
        return Response(_preferences(me(request)))

    @extend_schema(
        operation_id="me_preferences_update",
        summary="Turn topic and channel pairs on or off (others keep their value)",
        request=s.PreferenceSerializer(many=True),
        responses={200: s.PreferenceSerializer(many=True)},
        tags=["account"],
    )
    def put(self, request: Request) -> Response:
        serializer = s.PreferenceSerializer(data=request.data, many=True)
        serializer.is_valid(raise_exception=True)
        account_services.user_preferences_set(
            user=me(request),
            preferences={
                (item["topic"], item["channel"]): item["enabled"]
                for item in serializer.validated_data
            },
        )
        return Response(_preferences(me(request)))


def _consents(user: Any) -> list[dict[str, Any]]:
    return [
        {
            "purpose": item.purpose,
            "label": item.label,
            "given": item.active is not None,
            "history": [
                {"version": c.version, "given_at": c.given_at, "withdrawn_at": c.withdrawn_at}
                for c in item.history
            ],
        }
        for item in consents_overview(user)
    ]


class Consents(APIView):
    @extend_schema(
        operation_id="me_consents_list",
        summary="My consents, per purpose, with their history",
        responses={200: s.ConsentSerializer(many=True)},
        tags=["account"],
    )
    def get(self, request: Request) -> Response:
        return Response(_consents(me(request)))

    @extend_schema(
        operation_id="me_consents_set",
        summary="Give or withdraw consent for a purpose",
        request=s.ConsentSerializer,
        responses={200: s.ConsentSerializer(many=True)},
        tags=["account"],
    )
    def post(self, request: Request) -> Response:
        serializer = s.ConsentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        purpose = serializer.validated_data["purpose"]
        if serializer.validated_data["given"]:
            account_services.consent_give(user=me(request), purpose=purpose)
        else:
            account_services.consent_withdraw(user=me(request), purpose=purpose)
        return Response(_consents(me(request)))


class DataExport(APIView):
    @extend_schema(
        operation_id="me_export",
        summary="Everything we hold about me (Law 25): one ZIP archive",
        description=(
            "`data.json` (every piece of personal data, machine-readable), the same lists as "
            "CSV files under `csv/`, and the files: the originals of my photos under "
            "`photos/<reference>/`, photos sent ahead of a submission under `uploads/`. "
            "The portal's « Mes données » page serves the same archive."
        ),
        responses={(200, "application/zip"): OpenApiTypes.BINARY},
        tags=["account"],
    )
    def get(self, request: Request) -> HttpResponse:
        body = privacy_services.personal_data_archive(user=me(request))
        response = HttpResponse(body, content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="mes-donnees.zip"'
        response["Cache-Control"] = "private, no-store"
        return response
