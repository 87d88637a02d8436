"""Input and output shapes of the mobile API.

Inputs name only what a citizen may write. Server-owned fields (reference, state, team,
assignee, due date, channel, priority…) exist only in outputs, read-only: whatever a client
sends for them is ignored.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from victo_crm.accounts.models import Channel as PreferenceChannel
from victo_crm.accounts.models import ConsentPurpose, Language, Topic
from victo_crm.core import boundary
from victo_crm.notifications.models import PushDevice
from victo_crm.notifications.push_endpoints import validate_push_endpoint

MAX_TEXT = 5000


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "description": "Values of the type's custom fields, keyed by field code.",
        "example": {"taille": "grand", "voies": ["nord"]},
    }
)
class FieldValuesField(serializers.Field):
    """An object of field values; in a multipart call, the same object as a JSON string."""

    default_error_messages = {"invalid": _lazy("Un objet JSON est attendu.")}

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, str):
            try:
                data = boundary.loads(data) if data.strip() else {}
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, dict):
            self.fail("invalid")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


# --- Outputs ------------------------------------------------------------------------------


class TypeRefSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class StatusSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text="The state's code in its workflow.")
    label = serializers.CharField(read_only=True, help_text="The state as the citizen sees it.")  # type: ignore[assignment]
    is_closed = serializers.BooleanField(read_only=True)


class AddressSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    postal_code = serializers.CharField(read_only=True)
    latitude = serializers.FloatField(read_only=True)
    longitude = serializers.FloatField(read_only=True)


class RequestListItemSerializer(serializers.Serializer):
    """One row of "my requests" (the view builds it from flat rows: ``views.list_items``)."""

    reference = serializers.CharField(read_only=True)
    request_type = TypeRefSerializer(read_only=True)
    status = StatusSerializer(read_only=True)
    is_mine = serializers.BooleanField(
        read_only=True, help_text="False for a request the citizen follows but did not file."
    )
    place = serializers.CharField(
        read_only=True,
        help_text="Where: the address (or « près de » the one nearest a pin), then the precision.",
    )
    location_text = serializers.CharField(read_only=True, help_text="The precision alone.")
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class RequestPageSerializer(serializers.Serializer):
    next = serializers.URLField(read_only=True, allow_null=True, help_text="The next page.")
    previous = serializers.URLField(read_only=True, allow_null=True)
    results = RequestListItemSerializer(many=True, read_only=True)


class PhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="Served to the requester only.")
    content_type = serializers.CharField(read_only=True)
    width = serializers.IntegerField(read_only=True, allow_null=True)
    height = serializers.IntegerField(read_only=True, allow_null=True)


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField(read_only=True)
    kind = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    message = serializers.CharField(read_only=True)
    from_city = serializers.BooleanField(read_only=True)
    photo_ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)


class FieldAnswerSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    value = serializers.JSONField(read_only=True, help_text="As stored (a choice's code).")
    display = serializers.CharField(read_only=True, help_text="As shown (a choice's label).")


class RequestDetailSerializer(serializers.Serializer):
    """A request with its public timeline. A follower (not the requester) sees its public
    side only: state changes and staff messages published to followers; no description,
    field values, photos, rating or reopening reason of the requester, no reply to her."""

    reference = serializers.CharField(read_only=True)
    public_id = serializers.UUIDField(read_only=True)
    request_type = TypeRefSerializer(read_only=True)
    status = StatusSerializer(read_only=True)
    is_mine = serializers.BooleanField(read_only=True)
    channel = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True, allow_null=True)
    field_values = serializers.DictField(
        read_only=True, allow_null=True, help_text="The answers as stored: choice codes."
    )
    field_answers = FieldAnswerSerializer(
        many=True,
        read_only=True,
        allow_null=True,
        help_text="The answers as shown, in the caller's language (Accept-Language).",
    )
    address = AddressSerializer(
        read_only=True, allow_null=True, help_text="The registry address the citizen chose."
    )
    place = serializers.CharField(
        read_only=True,
        help_text="Where: the address (or « près de » the one nearest a pin), then the precision.",
    )
    location_text = serializers.CharField(read_only=True, help_text="The precision alone.")
    latitude = serializers.FloatField(read_only=True, allow_null=True)
    longitude = serializers.FloatField(read_only=True, allow_null=True)
    team = serializers.CharField(read_only=True, help_text="The town service handling it.")
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    due_at = serializers.DateTimeField(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    rating = serializers.IntegerField(read_only=True, allow_null=True)
    rating_comment = serializers.CharField(read_only=True, allow_null=True)
    can_reopen = serializers.BooleanField(read_only=True)
    can_rate = serializers.BooleanField(read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)
    timeline = TimelineEntrySerializer(many=True, read_only=True)


class NearbyRequestSerializer(serializers.Serializer):
    """An open request near a point: what a citizen needs to decide to follow it instead of
    filing a duplicate. Nothing about who filed it."""

    id = serializers.UUIDField(read_only=True, help_text="Use it to follow the request.")
    request_type = TypeRefSerializer(read_only=True)
    status = StatusSerializer(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    location_text = serializers.CharField(read_only=True)
    latitude = serializers.FloatField(read_only=True)
    longitude = serializers.FloatField(read_only=True)
    distance_m = serializers.IntegerField(read_only=True)
    followed = serializers.BooleanField(read_only=True)


class CatalogueFieldSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    help = serializers.CharField(read_only=True)
    datatype = serializers.ChoiceField(
        choices=[
            "string",
            "text",
            "number",
            "date",
            "datetime",
            "singlevaluelist",
            "multivaluelist",
        ],
        read_only=True,
    )
    required = serializers.BooleanField(read_only=True)  # type: ignore[assignment]
    order = serializers.IntegerField(read_only=True)
    choices = serializers.ListField(child=serializers.DictField(), read_only=True)


class CatalogueTypeSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    group = serializers.CharField(read_only=True)
    keywords = serializers.ListField(child=serializers.CharField(), read_only=True)
    sla_hours = serializers.IntegerField(read_only=True, allow_null=True)
    location_required = serializers.BooleanField(read_only=True)
    location_allowed = serializers.BooleanField(read_only=True)
    photos_allowed = serializers.BooleanField(read_only=True)
    fields = CatalogueFieldSerializer(many=True, read_only=True)  # type: ignore[assignment]


class CatalogueGroupSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    types = serializers.ListField(child=serializers.CharField(), read_only=True)


# --- Inputs ---------------------------------------------------------------------------------


class RequestSubmitSerializer(serializers.Serializer):
    """What a citizen submits. Photos come in the same multipart call (``photos``) or were
    uploaded beforehand with POST /api/v1/uploads/ and are named here (``upload_ids``)."""

    request_type = serializers.SlugField(help_text="The code of a request type.")
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_TEXT, default=""
    )
    field_values = FieldValuesField(required=False, default=dict)
    address = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="An id from /api/v1/addresses/."
    )
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(
        required=False, allow_null=True, min_value=-180, max_value=180
    )
    location_text = serializers.CharField(
        required=False, allow_blank=True, max_length=255, default=""
    )
    upload_ids = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, max_length=20
    )
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=20
    )


class CommentSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_TEXT)


class PhotosInputSerializer(serializers.Serializer):
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=20
    )
    upload_ids = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, max_length=20
    )


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=MAX_TEXT, help_text="Why it is not settled.")


class RateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_TEXT, default=""
    )


class FollowSerializer(serializers.Serializer):
    request_id = serializers.UUIDField(help_text="The id of a nearby open request.")


class UploadSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True, source="public_id")
    original_name = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)


class UploadInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A JPEG, PNG or WebP photo.")


class ProfileSerializer(serializers.Serializer):
    email = serializers.EmailField(read_only=True, help_text="Changed through allauth.")
    first_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    last_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    phone = serializers.CharField(max_length=32, allow_blank=True, required=False)
    address = serializers.IntegerField(
        allow_null=True, required=False, min_value=1, help_text="An id from /api/v1/addresses/."
    )
    address_label = serializers.CharField(read_only=True)
    address_unit = serializers.CharField(max_length=20, allow_blank=True, required=False)
    preferred_language = serializers.ChoiceField(choices=Language.choices, required=False)


class PreferenceSerializer(serializers.Serializer):
    topic = serializers.ChoiceField(choices=Topic.choices)
    channel = serializers.ChoiceField(choices=PreferenceChannel.choices)
    enabled = serializers.BooleanField()
    topic_label = serializers.CharField(read_only=True)
    channel_label = serializers.CharField(read_only=True)


class ConsentRecordSerializer(serializers.Serializer):
    version = serializers.CharField(read_only=True)
    given_at = serializers.DateTimeField(read_only=True)
    withdrawn_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ConsentSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    given = serializers.BooleanField(help_text="True to give consent, false to withdraw it.")
    history = ConsentRecordSerializer(many=True, read_only=True)


class AccountDeletionSerializer(serializers.Serializer):
    password = serializers.CharField(
        write_only=True, help_text="The account's password, asked again."
    )


class DeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = PushDevice
        fields = ("id", "kind", "name", "endpoint", "keys", "is_active", "created_at")
        read_only_fields = ("id", "is_active", "created_at")
        extra_kwargs = {
            "endpoint": {
                "help_text": "A Web Push subscription endpoint, or an FCM/APNs token.",
                "max_length": 2000,
            },
            "keys": {"help_text": "Web Push keys: {p256dh, auth}."},
            "name": {"required": False},
        }

    def validate_keys(self, value: Any) -> dict[str, str]:
        if value in (None, ""):
            return {}
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and len(v) < 500 for k, v in value.items()
        ):
            raise serializers.ValidationError(_("Un objet {p256dh, auth} est attendu."))
        return {k: v for k, v in value.items() if k in ("p256dh", "auth")}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            validate_push_endpoint(kind=attrs.get("kind", ""), endpoint=attrs.get("endpoint", ""))
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        if attrs.get("kind") == PushDevice.Kind.WEB_PUSH and not attrs.get("keys"):
            raise serializers.ValidationError(
                {"keys": [_("Un abonnement Web Push a besoin de ses clés p256dh et auth.")]}
            )
        return attrs

    def create(self, validated_data: dict[str, Any]) -> PushDevice:  # pragma: no cover
        raise NotImplementedError  # writes go through notifications.services.push_device_register


class AddressQuerySerializer(serializers.Serializer):
    q = serializers.CharField(min_length=2, max_length=100)


class NearbyQuerySerializer(serializers.Serializer):
    request_type = serializers.SlugField()
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)


def reopen_days() -> int:
    return int(getattr(settings, "VICTO_REOPEN_DAYS", 30))
