"""My requests: list, submit, detail with its timeline and photos, and the requester's
actions (comment, add photos, reopen, rate)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import FileResponse
from django.urls import reverse
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from victo_crm.places.models import Address
from victo_crm.service_requests import citizen as citizen_services
from victo_crm.service_requests import selectors as request_selectors
from victo_crm.service_requests import uploads as pending_uploads
from victo_crm.service_requests.configuration import catalogue as request_catalogue
from victo_crm.service_requests.fields import field_answers
from victo_crm.service_requests.models import (
    Channel,
    ServiceRequest,
    place_label_of_values,
)
from victo_crm.service_requests.services import service_request_submit

from .. import serializers as s
from ..idempotency import idempotent
from ..parsers import FormParser, JSONParser, MultiPartParser
from ..problems import Problem
from .base import IDEMPOTENCY_PARAMETER, ObjectOfTheCaller, caller_of, me

SUBMITTED_EXAMPLE = {
    "reference": "2026-000123",
    "public_id": "6f1c2d4e-8a9b-4c3d-9e2f-0a1b2c3d4e5f",
    "request_type": {"code": "nid-de-poule", "name": "Nid-de-poule"},
    "status": {"code": "recue", "label": "Reçue", "is_closed": False},
    "is_mine": True,
    "channel": "mobile",
    "description": "Un trou profond devant le 12",
    "field_values": {"taille": "grand"},
    "field_answers": [{"code": "taille", "label": "Taille", "value": "grand", "display": "Grand"}],
    "address": None,
    "place": "près du 12, rue Notre-Dame Est",
    "location_text": "",
    "latitude": 46.057,
    "longitude": -71.958,
    "team": "Travaux publics",
    "created_at": "2026-11-26T09:15:00-05:00",
    "updated_at": "2026-11-26T09:15:00-05:00",
    "due_at": "2026-11-29T09:15:00-05:00",
    "closed_at": None,
    "rating": None,
    "rating_comment": None,
    "can_reopen": False,
    "can_rate": False,
    "can_add_photos": True,
    "photos": [],
    "timeline": [
        {
            "at": "2026-11-26T09:15:00-05:00",
            "kind": "submitted",
            "title": "Requête reçue",
            "message": "",
            "from_city": False,
            "photo_ids": [],
        }
    ],
}


class RequestCursor(CursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-pk")

    def decode_cursor(self, request: Request) -> Any:
        """DRF's cursor, whose position must be a date: a forged one is an invalid cursor
        (404), as any other malformed cursor is."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                valid = parse_datetime(str(cursor.position)) is not None
            except ValueError:
                valid = False
            if not valid:
                raise NotFound(self.invalid_cursor_message)
        return cursor


@dataclass
class PhotoDocument:
    """A public photo of a request as the requester reads it (``s.PhotoSerializer``)."""

    id: int
    url: str
    content_type: str
    width: int | None
    height: int | None


@dataclass
class RequestDocument:
    """A request and what the caller may see of it (``s.RequestDetailSerializer``)."""

    request: ServiceRequest
    is_mine: bool
    address: Address | None
    place: str
    latitude: float | None
    longitude: float | None
    field_answers: list[dict[str, Any]]
    can_reopen: bool
    can_rate: bool
    can_add_photos: bool
    photos: list[PhotoDocument]
    timeline: list[request_selectors.TimelineEntry]


def _field_answers(sr: ServiceRequest) -> list[dict[str, Any]]:
    """The answers to the type's fields as the app shows them, in the caller's language."""
    if not sr.field_values:
        return []
    return field_answers(request_catalogue().fields_of_request(sr), sr.field_values)


def request_document(
    request: Request, sr: ServiceRequest, *, just_submitted: bool = False
) -> RequestDocument:
    """What the caller may read of a request (as requester or follower). ``just_submitted``:
    ``sr`` comes from ``service_request_submit`` in this call, whose history it carries
    (nothing to read back)."""
    is_mine = sr.citizen_id == me(request).pk
    timeline = request_selectors.public_timeline(
        sr,
        for_follower=not is_mine,
        known=getattr(sr, "new_history", None) if just_submitted else None,
    )
    allowed = request_selectors.citizen_actions(sr, me(request))
    # A pin's nearest registry address names the place (``place``); it is not her address.
    address = sr.address if sr.address_id and not sr.address_is_nearest else None
    if is_mine:
        place, latitude, longitude = sr.place_label, sr.latitude, sr.longitude
    else:
        # A follower: the public side of the place (never her precision, her unit, nor for a
        # sensitive type her address or exact position).
        address = None
        place, latitude, longitude = request_selectors.follower_place(sr)
    return RequestDocument(
        request=sr,
        is_mine=is_mine,
        address=address,
        place=place,
        latitude=latitude,
        longitude=longitude,
        field_answers=_field_answers(sr) if is_mine else [],
        can_reopen=allowed.reopen,
        can_rate=allowed.rate,
        can_add_photos=allowed.add_photos,
        photos=[
            PhotoDocument(
                id=photo.pk,
                url=request.build_absolute_uri(
                    reverse("api:v1:request-photo", args=[sr.reference, photo.pk])
                ),
                content_type=photo.content_type,
                width=photo.width,
                height=photo.height,
            )
            for entry in timeline
            for photo in entry.photos
        ],
        timeline=timeline,
    )


def request_detail_data(
    request: Request, sr: ServiceRequest, *, just_submitted: bool = False
) -> Any:
    """The detail body of a request the caller may read."""
    document = request_document(request, sr, just_submitted=just_submitted)
    return s.RequestDetailSerializer(document, context={"request": request}).data


def list_rows(rows: Sequence[Mapping[str, Any]], *, caller_id: int) -> list[dict[str, Any]]:
    """The rows of "my requests" for ``s.RequestListItemSerializer``, from flat values: type
    and state come from the configuration kept in memory (no join, no model instance)."""
    config = request_catalogue()
    items = []
    memo: dict[tuple[Any, Any], s.Represented] = {}
    for row in rows:
        rtype = config.request_type(row["request_type_id"])
        mine = row["citizen_id"] == caller_id
        items.append(
            {
                **row,
                # The page's few types and states, each represented once.
                "request_type": s.represented(s.TypeRefSerializer, rtype, memo),
                "status": s.represented(s.StatusSerializer, config.state(row["state_id"]), memo),
                "is_mine": mine,
                "place": (
                    place_label_of_values(row)
                    if mine
                    else request_selectors.follower_place_of_values(row, rtype)
                ),
                "location_text": row["location_text"] if mine else "",
            }
        )
    return items


def _own_request(request: Request, reference: str) -> ServiceRequest:
    return request_selectors.request_for_citizen_or_404(me(request), reference=reference)


def _requester_only(request: Request, reference: str) -> ServiceRequest:
    """The caller's own request; a followed one is 404 for the requester's actions."""
    sr = _own_request(request, reference)
    if sr.citizen_id != me(request).pk:
        raise NotFound()
    return sr


def _photos_from(request: Request, data: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    uploads = pending_uploads.uploads_for_submission(
        owner=me(request), ids=list(data.get("upload_ids") or [])
    )
    photos = list(data.get("photos") or []) + pending_uploads.upload_contents(uploads)
    return photos, uploads


def _multipart(request: Request) -> bool:
    """A form body (files allowed) rather than JSON."""
    return not (request.content_type or "").startswith("application/json")


def _consume_later(uploads: list[Any]) -> None:
    if uploads:
        pending_uploads.uploads_consume(uploads=uploads)


class RequestListCreate(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="requests_list",
        summary="My requests (and those I follow), newest first",
        parameters=[
            OpenApiParameter("status", str, enum=["open", "closed"], required=False),
            OpenApiParameter("cursor", str, required=False),
            OpenApiParameter("page_size", int, required=False),
        ],
        responses={200: s.RequestPageSerializer},
        tags=["requests"],
    )
    def get(self, request: Request) -> Response:
        wanted = request.query_params.get("status") or None
        if wanted not in (None, "open", "closed"):
            raise ValidationError({"status": [_("Choisissez open ou closed.")]})
        # Flat rows, names from the configuration in memory: no join, no model instances (the
        # list is the app's most frequent call).
        rows = request_selectors.requests_for_citizen(me(request), status=wanted)
        paginator = RequestCursor()
        page: Any = paginator.paginate_queryset(rows, request, view=self)  # type: ignore[arg-type]
        items = list_rows(page or [], caller_id=me(request).pk)
        return paginator.get_paginated_response(s.RequestListItemSerializer(items, many=True).data)

    @extend_schema(
        operation_id="requests_create",
        summary="Submit a request",
        description=(
            "JSON, or multipart/form-data with `photos` files (and `field_values` as a JSON "
            "string). Photos uploaded beforehand are named in `upload_ids`. Server-owned "
            "fields (reference, state, team, assignee, due date, channel) are ignored."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request={
            "application/json": s.RequestSubmitSerializer,
            "multipart/form-data": s.RequestSubmitMultipartSerializer,
        },
        responses={201: s.RequestDetailSerializer},
        examples=[
            OpenApiExample(
                "Pothole",
                value={
                    "request_type": "nid-de-poule",
                    "description": "Un trou profond devant le 12",
                    "field_values": {"taille": "grand"},
                    "latitude": 46.057,
                    "longitude": -71.958,
                },
                request_only=True,
            ),
            OpenApiExample(
                "Pothole received",
                value=SUBMITTED_EXAMPLE,
                response_only=True,
                status_codes=["201"],
            ),
        ],
        tags=["requests"],
    )
    def post(self, request: Request) -> Response:
        return idempotent(request, caller_of(request), lambda: self._submit(request))

    def _submit(self, request: Request) -> Response:
        shape = (
            s.RequestSubmitMultipartSerializer if _multipart(request) else s.RequestSubmitSerializer
        )
        serializer = shape(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        photos, uploads = _photos_from(request, data)
        sr = service_request_submit(
            request_type=data["request_type"],
            citizen=me(request),
            description=data.get("description", ""),
            field_values=data.get("field_values") or {},
            address=data.get("address"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            location_text=data.get("location_text", ""),
            photos=photos,
            channel=Channel.MOBILE,
            language=translation.get_language(),
        )
        _consume_later(uploads)
        location = reverse("api:v1:request-detail", args=[sr.reference])
        return Response(
            request_detail_data(request, sr, just_submitted=True),
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


class RequestDetail(APIView):
    permission_classes = [ObjectOfTheCaller]

    @extend_schema(
        operation_id="requests_retrieve",
        summary="One of my requests with its public timeline",
        responses={200: s.RequestDetailSerializer},
        tags=["requests"],
    )
    def get(self, request: Request, reference: str) -> Response:
        sr = _own_request(request, reference)
        return Response(request_detail_data(request, sr))


class RequestPhoto(APIView):
    permission_classes = [ObjectOfTheCaller]

    @extend_schema(
        operation_id="requests_photo_retrieve",
        summary="A photo of my request (its copy without EXIF metadata)",
        responses={
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            (200, "image/webp"): OpenApiTypes.BINARY,
        },
        tags=["requests"],
    )
    def get(self, request: Request, reference: str, photo_id: int) -> FileResponse:
        sr = _requester_only(request, reference)
        attachment = request_selectors.public_attachment_or_404(sr, photo_id)
        response = FileResponse(
            attachment.public_file.open("rb"), content_type=attachment.content_type
        )
        response["Cache-Control"] = "private, max-age=3600"
        return response


class RequestComments(APIView):
    permission_classes = [ObjectOfTheCaller]

    @extend_schema(
        operation_id="requests_comment_create",
        summary="Add a comment to my request",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=s.CommentSerializer,
        responses={201: s.RequestDetailSerializer},
        tags=["requests"],
    )
    def post(self, request: Request, reference: str) -> Response:
        def work() -> Response:
            sr = _requester_only(request, reference)
            serializer = s.CommentSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            citizen_services.service_request_comment(
                request=sr, citizen=me(request), text=serializer.validated_data["text"]
            )
            return Response(request_detail_data(request, sr), status=status.HTTP_201_CREATED)

        return idempotent(request, caller_of(request), work)


class RequestPhotos(APIView):
    permission_classes = [ObjectOfTheCaller]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        operation_id="requests_photos_create",
        summary="Add photos to my request",
        parameters=[IDEMPOTENCY_PARAMETER],
        request={
            "multipart/form-data": s.PhotosMultipartSerializer,
            "application/json": s.PhotosInputSerializer,
        },
        responses={201: s.RequestDetailSerializer},
        tags=["requests"],
    )
    def post(self, request: Request, reference: str) -> Response:
        def work() -> Response:
            sr = _requester_only(request, reference)
            # What the request's state does not allow is a conflict, not a wrong body.
            refusal = request_selectors.citizen_actions(sr, me(request)).add_photos_refusal
            if refusal:
                raise Problem(409, refusal)
            shape = s.PhotosMultipartSerializer if _multipart(request) else s.PhotosInputSerializer
            serializer = shape(data=request.data)
            serializer.is_valid(raise_exception=True)
            photos, uploads = _photos_from(request, serializer.validated_data)
            citizen_services.service_request_add_photos(
                request=sr, citizen=me(request), photos=photos
            )
            _consume_later(uploads)
            return Response(request_detail_data(request, sr), status=status.HTTP_201_CREATED)

        return idempotent(request, caller_of(request), work)


class RequestReopen(APIView):
    permission_classes = [ObjectOfTheCaller]

    @extend_schema(
        operation_id="requests_reopen",
        summary="Reopen my closed request (“ce n’est pas réglé”)",
        request=s.ReopenSerializer,
        responses={200: s.RequestDetailSerializer},
        tags=["requests"],
    )
    def post(self, request: Request, reference: str) -> Response:
        sr = _requester_only(request, reference)
        # What the request's state does not allow is a conflict, not a wrong body.
        allowed = request_selectors.citizen_actions(sr, me(request))
        if not allowed.reopen:
            raise Problem(409, allowed.reopen_refusal)
        serializer = s.ReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        citizen_services.service_request_reopen(
            request=sr, citizen=me(request), reason=serializer.validated_data["reason"]
        )
        return Response(request_detail_data(request, _own_request(request, reference)))


class RequestRating(APIView):
    permission_classes = [ObjectOfTheCaller]

    @extend_schema(
        operation_id="requests_rate",
        summary="Rate my closed request (1 to 5), once",
        request=s.RateSerializer,
        responses={200: s.RequestDetailSerializer},
        tags=["requests"],
    )
    def post(self, request: Request, reference: str) -> Response:
        sr = _requester_only(request, reference)
        if not request_selectors.citizen_actions(sr, me(request)).rate:
            raise Problem(
                409,
                _("Vous avez déjà évalué cette requête. Merci !")
                if sr.rated_at is not None
                else _("Vous pourrez évaluer la requête une fois fermée."),
            )
        serializer = s.RateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        citizen_services.service_request_rate(
            request=sr,
            citizen=me(request),
            rating=serializer.validated_data["rating"],
            comment=serializer.validated_data.get("comment", ""),
        )
        return Response(request_detail_data(request, sr))
