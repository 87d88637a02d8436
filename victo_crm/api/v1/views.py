"""The mobile REST API, version 1. Thin endpoints: validate, call a service or a selector,
serialise. Every write is a service of the app that owns the data (service_requests,
accounts, the API's own for uploads and devices)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from django.core.files.base import ContentFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from victo_crm.accounts import services as account_services
from victo_crm.accounts.models import Channel as PreferenceChannel
from victo_crm.accounts.models import Topic
from victo_crm.accounts.preferences import effective_preferences
from victo_crm.accounts.selectors import consents_overview
from victo_crm.notifications import services as notification_services
from victo_crm.notifications.models import PushDevice
from victo_crm.places.selectors import address_search
from victo_crm.privacy import services as privacy_services
from victo_crm.service_requests import citizen as citizen_services
from victo_crm.service_requests import selectors as request_selectors
from victo_crm.service_requests.configuration import catalogue as request_catalogue
from victo_crm.service_requests.fields import field_answers
from victo_crm.service_requests.models import (
    PLACE_VALUES,
    Attachment,
    Channel,
    RequestFollower,
    RequestType,
    RequestTypeField,
    ServiceRequest,
    State,
    place_label_of_values,
)
from victo_crm.service_requests.services import service_request_submit

from .. import services as api_services
from . import serializers as s
from .catalogue import catalogue
from .idempotency import idempotent
from .parsers import FormParser, JSONParser, MultiPartParser
from .problems import problem_response

if TYPE_CHECKING:
    from victo_crm.accounts.models import User

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name="Idempotency-Key",
    type=str,
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


# --- Catalogue: request groups and types --------------------------------------------------


def _cached(request: Request, document: Any, etag: str) -> Response:
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=300",
        "Vary": "Accept-Language",
    }
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(document, headers=headers)


class RequestTypeList(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="request_types_list",
        summary="Request types with their field definitions",
        parameters=[IF_NONE_MATCH],
        responses={
            200: s.CatalogueTypeSerializer(many=True),
            304: OpenApiResponse(description="Not modified"),
        },
        tags=["catalogue"],
    )
    def get(self, request: Request) -> Response:
        data = catalogue()
        return _cached(request, data["types"], data["types_etag"])


class RequestTypeDetail(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="request_types_retrieve",
        summary="One request type with its field definitions",
        parameters=[IF_NONE_MATCH],
        responses={
            200: s.CatalogueTypeSerializer,
            304: OpenApiResponse(description="Not modified"),
        },
        tags=["catalogue"],
    )
    def get(self, request: Request, code: str) -> Response:
        found = catalogue()["by_code"].get(code)
        if found is None:
            raise NotFound(_("Ce type de requête n’existe pas."))
        return _cached(request, found[0], found[1])


class RequestGroupList(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="request_groups_list",
        summary="Groups of request types",
        parameters=[IF_NONE_MATCH],
        responses={
            200: s.CatalogueGroupSerializer(many=True),
            304: OpenApiResponse(description="Not modified"),
        },
        tags=["catalogue"],
    )
    def get(self, request: Request) -> Response:
        data = catalogue()
        return _cached(request, data["groups"], data["groups_etag"])


# --- Requests -------------------------------------------------------------------------------


class RequestCursor(CursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-pk")


def _photo_url(request: Request, sr: ServiceRequest, attachment: Attachment) -> str:
    return request.build_absolute_uri(
        reverse("api:v1:request-photo", args=[sr.reference, attachment.pk])
    )


def type_document(rtype: RequestType) -> dict[str, str]:
    """``s.TypeRefSerializer``: a request's type as the app shows it."""
    return {"code": rtype.code, "name": rtype.name}


def status_document(state: State) -> dict[str, Any]:
    """``s.StatusSerializer``: a state in the citizen's words."""
    return {"code": state.code, "label": state.citizen_label, "is_closed": state.is_final}


def _field_answers(sr: ServiceRequest) -> list[dict[str, Any]]:
    """The answers to the type's fields as the app shows them, in the caller's language."""
    if not sr.field_values:
        return []
    fields = RequestTypeField.objects.filter(request_type_id=sr.request_type_id).order_by(
        "order", "pk"
    )
    return field_answers(fields, sr.field_values)


def request_detail_data(
    request: Request, sr: ServiceRequest, *, just_submitted: bool = False
) -> dict[str, Any]:
    """The detail document of a request the caller may read (as requester or follower).
    ``just_submitted``: ``sr`` comes from ``service_request_submit`` in this call, whose
    history it carries (nothing to read back)."""
    is_mine = sr.citizen_id == me(request).pk
    timeline = request_selectors.public_timeline(
        sr,
        for_follower=not is_mine,
        known=getattr(sr, "new_history", None) if just_submitted else None,
    )
    photos: list[Attachment] = []
    for entry in timeline:
        photos.extend(entry.photos)
    can_reopen = False
    if is_mine and sr.state.is_final:
        can_reopen = (
            not citizen_services.reopen_refusal(sr, me(request))
            and citizen_services.reopen_transition(sr) is not None
        )
    # A pin's nearest registry address names the place (``place``); it is not her address.
    address = sr.address if sr.address_id and not sr.address_is_nearest else None
    if is_mine:
        place, latitude, longitude = sr.place_label, sr.latitude, sr.longitude
    else:
        # A follower: the public side of the place (never her precision, her unit, nor for a
        # sensitive type her address or exact position).
        address = None
        place, latitude, longitude = request_selectors.follower_place(sr)
    return {
        "reference": sr.reference,
        "public_id": sr.public_id,
        "request_type": type_document(sr.request_type),
        "status": status_document(sr.state),
        "is_mine": is_mine,
        "channel": sr.channel,
        "description": sr.description if is_mine else None,
        "field_values": sr.field_values if is_mine else None,
        "field_answers": _field_answers(sr) if is_mine else None,
        "address": (
            {
                "id": address.pk,
                "label": address.label,
                "postal_code": address.postal_code,
                "latitude": address.latitude,
                "longitude": address.longitude,
            }
            if address is not None
            else None
        ),
        "place": place,
        "location_text": sr.location_text if is_mine else "",
        "latitude": latitude,
        "longitude": longitude,
        "team": sr.team.name,
        "created_at": sr.created_at,
        "updated_at": sr.updated_at,
        "due_at": sr.due_at,
        "closed_at": sr.closed_at,
        "rating": sr.rating if is_mine else None,
        "rating_comment": sr.rating_comment if is_mine else None,
        "can_reopen": can_reopen,
        "can_rate": is_mine and sr.state.is_final and sr.rated_at is None,
        "photos": [
            {
                "id": photo.pk,
                "url": _photo_url(request, sr, photo),
                "content_type": photo.content_type,
                "width": photo.width,
                "height": photo.height,
            }
            for photo in photos
        ],
        "timeline": [
            {
                "at": entry.at,
                "kind": entry.kind,
                "title": entry.title,
                "message": entry.message,
                "from_city": entry.from_city,
                "photo_ids": [photo.pk for photo in entry.photos],
            }
            for entry in timeline
        ],
    }


def list_items(rows: Sequence[Mapping[str, Any]], *, caller_id: int) -> list[dict[str, Any]]:
    """The documents of "my requests" (``s.RequestListItemSerializer`` describes them) from
    flat rows: type and state names come from the configuration kept in memory."""
    config = request_catalogue()
    zone = timezone.get_current_timezone()
    # A page names a handful of types and states: each document is built once per page.
    types: dict[int, dict[str, str]] = {}
    states: dict[int, dict[str, Any]] = {}
    items = []
    for row in rows:
        type_id, state_id = row["request_type_id"], row["state_id"]
        if type_id not in types:
            types[type_id] = type_document(config.request_type(type_id))
        if state_id not in states:
            states[state_id] = status_document(config.state(state_id))
        mine = row["citizen_id"] == caller_id
        items.append(
            {
                "reference": row["reference"],
                "request_type": types[type_id],
                "status": states[state_id],
                "is_mine": mine,
                "place": (
                    place_label_of_values(row)
                    if mine
                    else request_selectors.follower_place_of_values(
                        row, config.request_type(type_id)
                    )
                ),
                "location_text": row["location_text"] if mine else "",
                "created_at": row["created_at"].astimezone(zone),
                "updated_at": row["updated_at"].astimezone(zone),
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
    uploads = api_services.uploads_for_submission(
        owner=me(request), ids=list(data.get("upload_ids") or [])
    )
    photos = list(data.get("photos") or [])
    for upload in uploads:
        with upload.file.open("rb") as handle:
            photos.append(ContentFile(handle.read(), name=upload.original_name))
    return photos, uploads


def _consume_later(uploads: list[Any]) -> None:
    if uploads:
        api_services.uploads_consume(uploads=uploads)


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
        # Flat rows, names from the configuration in memory: no join, no model instances and
        # no serializer fields per row (the list is the app's most frequent call).
        rows = request_selectors.requests_for_citizen(me(request), status=wanted).values(
            "reference",
            "citizen_id",
            *PLACE_VALUES,
            "created_at",
            "updated_at",
            "request_type_id",
            "state_id",
        )
        paginator = RequestCursor()
        page = paginator.paginate_queryset(rows, request, view=self)
        data = list_items(page or [], caller_id=me(request).pk)
        return paginator.get_paginated_response(data)

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
            "multipart/form-data": s.RequestSubmitSerializer,
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
            )
        ],
        tags=["requests"],
    )
    def post(self, request: Request) -> Response:
        return idempotent(request, caller_of(request), lambda: self._submit(request))

    def _submit(self, request: Request) -> Response:
        serializer = s.RequestSubmitSerializer(data=request.data)
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
            "multipart/form-data": s.PhotosInputSerializer,
            "application/json": s.PhotosInputSerializer,
        },
        responses={201: s.RequestDetailSerializer},
        tags=["requests"],
    )
    def post(self, request: Request, reference: str) -> Response:
        def work() -> Response:
            sr = _requester_only(request, reference)
            serializer = s.PhotosInputSerializer(data=request.data)
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
        serializer = s.RateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        citizen_services.service_request_rate(
            request=sr,
            citizen=me(request),
            rating=serializer.validated_data["rating"],
            comment=serializer.validated_data.get("comment", ""),
        )
        return Response(request_detail_data(request, sr))


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
        return Response(
            [
                {
                    "id": view.public_id,
                    "request_type": type_document(rtype),
                    "status": status_document(view.state),
                    "created_at": view.created_at,
                    "location_text": view.address,
                    "latitude": view.latitude,
                    "longitude": view.longitude,
                    "distance_m": round(distance),
                    "followed": view.pk in mine,
                }
                for view, distance in found
            ]
        )


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


# --- Uploads ----------------------------------------------------------------------------------


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
            upload = api_services.upload_create(
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
        if not api_services.upload_delete(owner=me(request), public_id=public_id):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Addresses ----------------------------------------------------------------------------


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
        return Response(
            [
                {
                    "id": address.pk,
                    "label": address.label,
                    "postal_code": address.postal_code,
                    "latitude": address.latitude,
                    "longitude": address.longitude,
                }
                for address in address_search(query.validated_data["q"], limit=10)
            ]
        )


# --- The citizen's account ----------------------------------------------------------------


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


# --- Push devices ---------------------------------------------------------------------------


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


# --- Everything else under /api/v1/ ------------------------------------------------------------


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return problem_response(request, 404, _("Cette adresse n’existe pas dans l’API."))
