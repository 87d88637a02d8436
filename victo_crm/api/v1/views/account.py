"""The citizen's account: profile, preferences, consents, the Law 25 export and deletion."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from victo_crm.accounts import services as account_services
from victo_crm.accounts.preferences import effective_preferences
from victo_crm.accounts.selectors import consents_overview
from victo_crm.privacy import registry as privacy_registry
from victo_crm.privacy import services as privacy_services

from .. import serializers as s
from .base import me


class Profile(APIView):
    @extend_schema(
        operation_id="me_retrieve",
        summary="My profile",
        responses={200: s.ProfileSerializer},
        tags=["account"],
    )
    def get(self, request: Request) -> Response:
        return Response(s.ProfileSerializer(me(request)).data)

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
        changes = serializer.validated_data
        account_services.user_profile_update(
            user=user,
            first_name=changes.get("first_name", user.first_name),
            last_name=changes.get("last_name", user.last_name),
            phone=changes.get("phone", user.phone),
            address=changes.get("address_id", user.address_id),
            address_unit=changes.get("address_unit", user.address_unit),
            preferred_language=changes.get("preferred_language", user.preferred_language),
        )
        return Response(s.ProfileSerializer(user).data)


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


def _preferences(user: Any) -> Any:
    rows = [
        {"topic": topic, "channel": channel, "enabled": enabled}
        for (topic, channel), enabled in sorted(effective_preferences(user).items())
    ]
    return s.PreferenceSerializer(rows, many=True).data


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


def _consents(user: Any) -> Any:
    return s.ConsentSerializer(consents_overview(user), many=True).data


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
        request=s.ConsentInputSerializer,
        responses={200: s.ConsentSerializer(many=True)},
        tags=["account"],
    )
    def post(self, request: Request) -> Response:
        serializer = s.ConsentInputSerializer(data=request.data)
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
            "`data.json` (every piece of personal data, machine-readable: the "
            "`PersonalDataExport` schema), the same lists as CSV files under `csv/`, and the "
            "files: the originals of my photos under `photos/<reference>/`, photos sent ahead "
            "of a submission under `uploads/`. The portal's « Mes données » page serves the "
            "same archive. With `Accept: application/json`, `data.json` alone (without the "
            "files: each `file` is then null), for an app that shows it."
        ),
        responses={(200, "application/zip"): OpenApiTypes.BINARY},
        tags=["account"],
    )
    def get(self, request: Request) -> HttpResponse:
        wanted = request._request.get_preferred_type(["application/zip", "application/json"])
        if wanted == "application/json":
            data = privacy_services.personal_data(user=me(request), bundle=_NoFiles())
            response = HttpResponse(
                privacy_services.personal_data_json(data), content_type="application/json"
            )
        else:
            body = privacy_services.personal_data_archive(user=me(request))
            response = HttpResponse(body, content_type="application/zip")
            response["Content-Disposition"] = 'attachment; filename="mes-donnees.zip"'
        response["Cache-Control"] = "private, no-store"
        patch_vary_headers(response, ["Accept"])
        return response


class _NoFiles(privacy_registry.Bundle):
    """The JSON answer carries no files: each ``file`` of the export is null."""

    def add(self, field_file: Any, folder: str) -> str | None:
        return None
