"""Photos uploaded ahead of a submission."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from victo_crm.service_requests import uploads as pending_uploads

from .. import serializers as s
from ..idempotency import idempotent
from ..parsers import FormParser, MultiPartParser
from .base import IDEMPOTENCY_PARAMETER, ObjectOfTheCaller, caller_of, me


class UploadCreate(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="uploads_create",
        summary="Upload a photo ahead of a submission (kept 24 hours)",
        parameters=[IDEMPOTENCY_PARAMETER],
        request={"multipart/form-data": s.UploadInputSerializer},
        responses={201: s.UploadSerializer},
        tags=["uploads"],
    )
    def post(self, request: Request) -> Response:
        def work() -> Response:
            serializer = s.UploadInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            upload = pending_uploads.upload_create(
                owner=me(request), file=serializer.validated_data["file"]
            )
            return Response(s.UploadSerializer(upload).data, status=status.HTTP_201_CREATED)

        return idempotent(request, caller_of(request), work)


class UploadDelete(APIView):
    permission_classes = [ObjectOfTheCaller]

    @extend_schema(
        operation_id="uploads_destroy",
        summary="Discard an uploaded photo",
        responses={204: None},
        tags=["uploads"],
    )
    def delete(self, request: Request, upload_id: str) -> Response:
        import uuid

        try:
            public_id = uuid.UUID(upload_id)
        except ValueError:
            raise NotFound() from None
        if not pending_uploads.upload_delete(owner=me(request), public_id=public_id):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)
