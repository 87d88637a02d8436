"""Input and output shapes of the mobile API.

Inputs name only what a citizen may write. Server-owned fields (reference, state, team,
assignee, due date, channel, priority…) exist only in outputs, read-only: whatever a client
sends for them is ignored.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from victo_crm.accounts.models import Channel as PreferenceChannel
from victo_crm.accounts.models import ConsentPurpose, Language, Topic
from victo_crm.alerts.models import Severity, TopicCategory
from victo_crm.alerts.services import EVERY_CHANNEL
from victo_crm.core import boundary
from victo_crm.notifications.models import PushDevice, RuleEvent
from victo_crm.notifications.push_endpoints import validate_push_endpoint
from victo_crm.service_requests.models import Channel, EventKind

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


@extend_schema_field(
    {
        "type": "string",
        "contentMediaType": "application/json",
        "description": (
            "The values of the type's custom fields, keyed by field code, as a JSON object "
            "in a string (a multipart form field is text)."
        ),
        "example": '{"taille": "grand", "voies": ["nord"]}',
    }
)
class FieldValuesStringField(FieldValuesField):
    """The multipart form of ``FieldValuesField``: the object as a JSON string."""


# --- Outputs ------------------------------------------------------------------------------


class ReadSerializer(serializers.Serializer):
    """An output shape whose rows are read by a plan (``_plan``: once per process for a
    shape whose fields read their value alone, else once per serializer instance).

    DRF's ``Serializer.to_representation`` walks its bound fields for every row, each through
    ``Field.get_attribute`` and its exception handling: for a page of 20 requests with their
    type and state, a few hundred calls that cost more than the page's query. The plan is
    DRF's own: the same bound fields, their ``source_attrs`` and their ``to_representation``
    (``str`` for a plain ``CharField``, which is what it does), looked up once. A row the plan
    cannot read exactly as DRF would (a missing key or attribute, a step through ``None``, a
    related object that does not exist, a callable source) is read by DRF instead, so the
    output is DRF's in every case; tests/api/test_read_serializer.py compares the two on the
    API's outputs.
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: _fresh(field) for name, field in self._declared_fields.items()}

    @cached_property
    def _plan(self) -> tuple[tuple[Any, tuple[str, ...], Any], ...]:
        """The plan of this instance. A shape whose every field reads nothing but its value
        (``_context_free``) has one plan per time zone and language, made once per process
        from an instance of its own: building the bound fields was a quarter of a request's
        detail. Any other shape (a method field, a field that reads the request) makes its
        plan from its own bound fields, once per instance."""
        cls = type(self)
        if not _context_free(cls):
            return self._make_plan()
        key = (cls, timezone.get_current_timezone(), translation.get_language())
        plan = _PLANS.get(key)
        if plan is None:
            plan = cls()._make_plan()
            if len(_PLANS) < 1024:
                _PLANS[key] = plan
        return plan

    def _make_plan(self) -> tuple[tuple[Any, tuple[str, ...], Any], ...]:
        return tuple(
            (field.field_name, tuple(field.source_attrs), _represent(field))
            for field in self._readable_fields
        )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        if type(instance) is Represented:
            return instance
        row: dict[str, Any] = {}
        try:
            for name, attrs, represent in self._plan:
                value = instance
                for attr in attrs:
                    if type(value) is dict or isinstance(value, Mapping):
                        value = value[attr]
                    else:
                        value = getattr(value, attr)
                    if callable(value):
                        raise _Unplanned
                row[name] = None if value is None else represent(value)
        except (_Unplanned, KeyError, AttributeError, ObjectDoesNotExist):
            return super().to_representation(instance)
        return row


# (shape, time zone, language) → its plan (``ReadSerializer._plan``).
_PLANS: dict[tuple[Any, ...], tuple[tuple[Any, tuple[str, ...], Any], ...]] = {}

# Fields whose ``to_representation`` reads the value alone (never the parent serializer, its
# context or the request); exact classes, as a subclass may read more.
_VALUE_ONLY_FIELDS = frozenset(
    {
        serializers.CharField,
        serializers.URLField,
        serializers.SlugField,
        serializers.EmailField,
        serializers.UUIDField,
        serializers.IntegerField,
        serializers.FloatField,
        serializers.BooleanField,
        serializers.DateTimeField,
        serializers.DateField,
        serializers.ChoiceField,
        serializers.JSONField,
        # The child of a ListField or DictField declared without one (DRF's unvalidated
        # field, which hands the value back): taken from a field, not imported by its private name.
        type(serializers.ListField().child),
    }
)


@functools.cache
def _context_free(cls: type[ReadSerializer]) -> bool:
    """Whether every declared field of ``cls`` reads its value alone, so that one plan
    serves every instance: value-only fields, lists and dicts of them, and nested
    ``ReadSerializer`` shapes that are context-free themselves and read rows by their
    plan alone (no ``to_representation`` of their own)."""
    return all(_value_only(field) for field in cls._declared_fields.values())


def _value_only(field: Any) -> bool:
    kind = type(field)
    if kind in _VALUE_ONLY_FIELDS:
        return True
    if kind in (serializers.ListField, serializers.DictField, serializers.ListSerializer):
        return _value_only(field.child)
    if not isinstance(field, ReadSerializer):
        return False
    shape: type[ReadSerializer] = type(field)
    return shape.to_representation is ReadSerializer.to_representation and _context_free(shape)


class Represented(dict[str, Any]):
    """What a ``ReadSerializer`` made of an object, kept to stand for it again in the same
    response (the type and state every row of a page names): the serializer gives it back
    as it is. Made by ``represented``, never by hand."""


def represented(
    serializer: type[ReadSerializer], obj: Any, memo: dict[tuple[Any, Any], Represented]
) -> Represented:
    """``serializer``'s representation of ``obj``, made once per ``memo`` (one response)."""
    key = (serializer, obj.pk)
    found = memo.get(key)
    if found is None:
        found = memo[key] = Represented(serializer().to_representation(obj))
    return found


class _Unplanned(Exception):
    """A row that ``ReadSerializer`` leaves to DRF."""


def _fresh(field: Any) -> Any:
    """An unbound copy of a declared output field, made as DRF's ``Field.__deepcopy__`` makes
    it (its class called again with the arguments it was declared with) but without
    deep-copying those arguments, which no field changes (texts, choices, sources): DRF's
    deep copy of every response's fields cost more than reading its rows. A list's child is
    copied the same way; a field holding another field in any other way is deep-copied."""
    if isinstance(field, serializers.ListSerializer):
        child = _fresh(field.child)
        return type(field)(*field._args, **{**field._kwargs, "child": child})  # type: ignore[attr-defined]
    if any(isinstance(value, serializers.Field) for value in field._kwargs.values()):
        return copy.deepcopy(field)
    return type(field)(*field._args, **field._kwargs)


def _represent(field: serializers.Field) -> Any:
    """How ``ReadSerializer`` turns a value of ``field`` into JSON: the field's own
    ``to_representation``, but for those every row has, done as DRF does them: a plain
    ``CharField`` is ``str``, a ``BooleanField`` given a bool is that bool; an ISO 8601 ``DateTimeField`` is the aware datetime in the
    current time zone (read once per serializer, as it is constant for a response), in ISO
    format with ``Z`` for UTC. Anything else (a naive datetime) goes to the field."""
    if type(field) is serializers.CharField:
        return str
    if type(field) is serializers.BooleanField:
        boolean = field.to_representation
        return lambda value: value if type(value) is bool else boolean(value)
    if type(field) is not serializers.DateTimeField or not settings.USE_TZ:
        return field.to_representation
    if getattr(field, "format", api_settings.DATETIME_FORMAT) != ISO_8601:
        return field.to_representation
    zone: Any = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if zone is None:
        return field.to_representation
    slow = field.to_representation

    def represent(value: Any) -> Any:
        if type(value) is not datetime or value.utcoffset() is None:
            return slow(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return represent


class TypeRefSerializer(ReadSerializer):
    """A request type (``RequestType``) as a request shows it."""

    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class StatusSerializer(ReadSerializer):
    """A workflow state (``State``) in the citizen's words. Its code is configuration (an
    administrator names states), so it is a string: ``is_closed`` says what an app needs."""

    code = serializers.CharField(read_only=True, help_text="The state's code in its workflow.")
    label = serializers.CharField(  # type: ignore[assignment]
        read_only=True, source="citizen_label", help_text="The state as the citizen sees it."
    )
    is_closed = serializers.BooleanField(read_only=True, source="is_final")


class AddressSerializer(ReadSerializer):
    id = serializers.IntegerField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    postal_code = serializers.CharField(read_only=True)
    latitude = serializers.FloatField(read_only=True)
    longitude = serializers.FloatField(read_only=True)


class RequestListItemSerializer(ReadSerializer):
    """One row of "my requests" (from flat rows: ``views.requests.list_rows``)."""

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


class RequestPageSerializer(ReadSerializer):
    next = serializers.URLField(read_only=True, allow_null=True, help_text="The next page.")
    previous = serializers.URLField(read_only=True, allow_null=True)
    results = RequestListItemSerializer(many=True, read_only=True)


class PhotoSerializer(ReadSerializer):
    """A public photo of a request (``views.requests.PhotoDocument``)."""

    id = serializers.IntegerField(read_only=True)
    url = serializers.URLField(read_only=True, help_text="Served to the requester only.")
    content_type = serializers.CharField(read_only=True)
    width = serializers.IntegerField(read_only=True, allow_null=True)
    height = serializers.IntegerField(read_only=True, allow_null=True)


# The kinds of event a citizen's timeline shows (``selectors.public_timeline``).
TIMELINE_KINDS = [
    (kind.value, kind.label)
    for kind in (
        EventKind.SUBMITTED,
        EventKind.TRANSITION,
        EventKind.PUBLIC_REPLY,
        EventKind.CITIZEN_COMMENT,
        EventKind.ATTACHMENT,
        EventKind.MERGE,
    )
]


class TimelineEntrySerializer(ReadSerializer):
    at = serializers.DateTimeField(read_only=True)
    kind = serializers.ChoiceField(choices=TIMELINE_KINDS, read_only=True)
    title = serializers.CharField(read_only=True)
    message = serializers.CharField(read_only=True)
    from_city = serializers.BooleanField(read_only=True)
    photo_ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)


class FieldAnswerSerializer(ReadSerializer):
    code = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    value = serializers.JSONField(read_only=True, help_text="As stored (a choice's code).")
    display = serializers.CharField(read_only=True, help_text="As shown (a choice's label).")


class RequestDetailSerializer(ReadSerializer):
    """A request with its public timeline, from a ``views.requests.RequestDocument`` (the
    request and what the caller may see of it). A follower (not the requester) sees its
    public side only: state changes and staff messages published to followers; no
    description, field values, photos, rating or reopening reason of the requester, no reply
    to her."""

    # What only the requester reads, and what a follower gets instead.
    REQUESTER_ONLY: dict[str, Any] = {
        "description": None,
        "field_values": None,
        "field_answers": None,
        "location_text": "",
        "rating": None,
        "rating_comment": None,
    }

    reference = serializers.CharField(read_only=True, source="request.reference")
    public_id = serializers.UUIDField(read_only=True, source="request.public_id")
    request_type = TypeRefSerializer(read_only=True, source="request.request_type")
    status = StatusSerializer(read_only=True, source="request.state")
    is_mine = serializers.BooleanField(read_only=True)
    channel = serializers.ChoiceField(
        choices=Channel.choices, read_only=True, source="request.channel"
    )
    description = serializers.CharField(
        read_only=True, allow_null=True, source="request.description"
    )
    field_values = serializers.DictField(
        read_only=True,
        allow_null=True,
        source="request.field_values",
        help_text="The answers as stored: choice codes.",
    )
    field_answers = FieldAnswerSerializer(
        many=True,
        read_only=True,
        allow_null=True,
        help_text="The answers as shown, in the caller's language (Accept-Language).",
    )
    address = AddressSerializer(
        read_only=True,
        allow_null=True,
        help_text=(
            "The registry address the citizen chose; null for a pin (see `place`) and for "
            "a follower."
        ),
    )
    place = serializers.CharField(
        read_only=True,
        help_text="Where: the address (or « près de » the one nearest a pin), then the precision.",
    )
    location_text = serializers.CharField(
        read_only=True, source="request.location_text", help_text="The precision alone."
    )
    latitude = serializers.FloatField(read_only=True, allow_null=True)
    longitude = serializers.FloatField(read_only=True, allow_null=True)
    team = serializers.CharField(
        read_only=True, source="request.team.name", help_text="The town service handling it."
    )
    created_at = serializers.DateTimeField(read_only=True, source="request.created_at")
    updated_at = serializers.DateTimeField(read_only=True, source="request.updated_at")
    due_at = serializers.DateTimeField(read_only=True, allow_null=True, source="request.due_at")
    closed_at = serializers.DateTimeField(
        read_only=True, allow_null=True, source="request.closed_at"
    )
    rating = serializers.IntegerField(read_only=True, allow_null=True, source="request.rating")
    rating_comment = serializers.CharField(
        read_only=True, allow_null=True, source="request.rating_comment"
    )
    can_reopen = serializers.BooleanField(read_only=True)
    can_rate = serializers.BooleanField(read_only=True)
    can_add_photos = serializers.BooleanField(
        read_only=True,
        help_text="She may add photos now: the request is open and its type takes photos.",
    )
    photos = PhotoSerializer(many=True, read_only=True)
    timeline = TimelineEntrySerializer(many=True, read_only=True)

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        if not instance.is_mine:
            data.update(self.REQUESTER_ONLY)
        return data


class NearbyRequestSerializer(ReadSerializer):
    """An open request near a point: what a citizen needs to decide to follow it instead of
    filing a duplicate. Nothing about who filed it."""

    id = serializers.UUIDField(
        read_only=True, source="view.public_id", help_text="Use it to follow the request."
    )
    request_type = TypeRefSerializer(read_only=True)
    status = StatusSerializer(read_only=True, source="view.state")
    created_at = serializers.DateTimeField(read_only=True, source="view.created_at")
    location_text = serializers.CharField(
        read_only=True, source="view.address", help_text="The registry address, without its unit."
    )
    latitude = serializers.FloatField(read_only=True, source="view.latitude")
    longitude = serializers.FloatField(read_only=True, source="view.longitude")
    distance_m = serializers.IntegerField(read_only=True)
    followed = serializers.BooleanField(read_only=True)


class CatalogueChoiceSerializer(ReadSerializer):
    code = serializers.CharField(read_only=True, help_text="What a submission sends.")
    label = serializers.CharField(  # type: ignore[assignment]
        read_only=True, help_text="What the citizen reads, in the caller's language."
    )


class CatalogueFieldSerializer(ReadSerializer):
    """A custom field (``RequestTypeField``) of a request type."""

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
    choices = serializers.SerializerMethodField(help_text="For the list datatypes; else empty.")

    @extend_schema_field(CatalogueChoiceSerializer(many=True))
    def get_choices(self, field: Any) -> list[dict[str, str]]:
        if not field.is_list:
            return []
        english = translation.get_language() == "en"
        return [
            {"code": code, "label": label_en if english else label_fr}
            for code, label_fr, label_en in field.parsed_choices()
        ]


class CatalogueTypeSerializer(ReadSerializer):
    """A request type with its fields (``RequestType``, its group and fields prefetched)."""

    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    group = serializers.CharField(read_only=True, source="group.code")
    keywords = serializers.SerializerMethodField()
    sla_hours = serializers.IntegerField(read_only=True, allow_null=True)
    location_required = serializers.BooleanField(read_only=True)
    location_allowed = serializers.BooleanField(read_only=True)
    photos_allowed = serializers.BooleanField(read_only=True)
    fields = serializers.SerializerMethodField(method_name="fields_in_order")  # type: ignore[assignment]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_keywords(self, rtype: Any) -> list[str]:
        return [word.strip() for word in rtype.keywords.split(",") if word.strip()]

    @extend_schema_field(CatalogueFieldSerializer(many=True))
    def fields_in_order(self, rtype: Any) -> Any:
        fields = sorted(rtype.fields.all(), key=lambda f: (f.order, f.pk))
        return CatalogueFieldSerializer(fields, many=True).data


class CatalogueGroupSerializer(ReadSerializer):
    """A group (``RequestGroup``) with the codes of its active types (``type_codes``)."""

    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    types = serializers.ListField(
        child=serializers.CharField(), read_only=True, source="type_codes"
    )


# --- Alerts, subscriptions, collection days and the in-app inbox ----------------------------

CHANNELS = EVERY_CHANNEL
# What an in-app notification is about: the request events a rule listens to, a notice, a
# collection reminder.
INBOX_KINDS = [*RuleEvent.values, "notice", "collection_reminder"]


class TopicSerializer(ReadSerializer):
    code = serializers.SlugField(read_only=True)
    category = serializers.ChoiceField(choices=TopicCategory.choices, read_only=True)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    is_collection = serializers.BooleanField(
        read_only=True, help_text="A collection stream: it has a calendar and reminders."
    )


class TopicRefSerializer(ReadSerializer):
    code = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)


class NoticeSerializer(ReadSerializer):
    id = serializers.IntegerField(read_only=True)
    topic = TopicRefSerializer(read_only=True)
    severity = serializers.ChoiceField(choices=Severity.choices, read_only=True)
    is_emergency = serializers.BooleanField(read_only=True)
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    area = serializers.CharField(
        read_only=True, source="area_summary", help_text="Where it applies, in words."
    )
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField(help_text="The public page of the notice.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, notice: Any) -> str:
        path = reverse("alerts:notice_public", args=[notice.pk])
        return str(self.context["request"].build_absolute_uri(path))


class AddressRefSerializer(ReadSerializer):
    id = serializers.IntegerField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]


class SubscriptionSerializer(ReadSerializer):
    id = serializers.IntegerField(read_only=True)
    topic = TopicRefSerializer(read_only=True)
    address = AddressRefSerializer(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=CHANNELS), read_only=True
    )
    created_at = serializers.DateTimeField(read_only=True)


class SubscriptionInputSerializer(serializers.Serializer):
    topic = serializers.SlugField(
        help_text=(
            "A topic code from /api/v1/alerts/topics/ (topics are configuration: an "
            "administrator adds them, so the set is read from that list, not fixed here)."
        )
    )
    address = serializers.IntegerField(
        min_value=1,
        help_text="An address id from /api/v1/addresses/: the caller's or a relative's.",
    )
    label = serializers.CharField(  # type: ignore[assignment]
        max_length=80, required=False, allow_blank=True, help_text='e.g. "Chez ma mère".'
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=CHANNELS), min_length=1, max_length=len(CHANNELS)
    )


class SubscriptionChannelsSerializer(serializers.Serializer):
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=CHANNELS), min_length=1, max_length=len(CHANNELS)
    )


class CollectionDaySerializer(ReadSerializer):
    date = serializers.DateField(read_only=True)
    topic = TopicRefSerializer(read_only=True, source="calendar.topic")
    cancelled = serializers.BooleanField(read_only=True)
    moved_from = serializers.SerializerMethodField(
        help_text="The regular date, for a moved collection."
    )

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_moved_from(self, day: Any) -> Any:
        return day.original_date.isoformat() if day.moved else None

    reason = serializers.CharField(read_only=True)


class CollectionScheduleSerializer(ReadSerializer):
    address = AddressRefSerializer(read_only=True)
    days = CollectionDaySerializer(many=True, read_only=True)
    ical_url = serializers.URLField(
        read_only=True, help_text="An iCalendar feed of this address (unguessable URL)."
    )
    notices = NoticeSerializer(many=True, read_only=True)


class InboxItemSerializer(ReadSerializer):
    id = serializers.IntegerField(read_only=True, source="pk")
    kind = serializers.ChoiceField(choices=INBOX_KINDS, read_only=True)
    subject = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    link = serializers.CharField(read_only=True)
    is_emergency = serializers.BooleanField(read_only=True)
    request = serializers.CharField(
        read_only=True,
        allow_null=True,
        source="request__reference",
        help_text="The reference of the request it is about.",
    )
    created_at = serializers.DateTimeField(read_only=True)
    read_at = serializers.DateTimeField(read_only=True, allow_null=True)


class InboxPageSerializer(ReadSerializer):
    next = serializers.URLField(read_only=True, allow_null=True)
    previous = serializers.URLField(read_only=True, allow_null=True)
    unread = serializers.IntegerField(read_only=True, help_text="Unread notifications in all.")
    results = InboxItemSerializer(many=True, read_only=True)


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
        child=serializers.UUIDField(),
        required=False,
        default=list,
        max_length=20,
        help_text="Photos uploaded beforehand with POST /api/v1/uploads/.",
    )


class RequestSubmitMultipartSerializer(RequestSubmitSerializer):
    """The same submission as multipart/form-data, with its photos as files: ``field_values``
    is then the JSON object in a string."""

    field_values = FieldValuesStringField(required=False, default=dict)
    # A form field is text: "no address" is leaving the field out, not null.
    address = serializers.IntegerField(
        required=False, min_value=1, help_text="An id from /api/v1/addresses/."
    )
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=20
    )


class CommentSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_TEXT)


class PhotosInputSerializer(serializers.Serializer):
    """Photos uploaded beforehand (JSON)."""

    upload_ids = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, max_length=20
    )


class PhotosMultipartSerializer(PhotosInputSerializer):
    """Photos as files (multipart/form-data), and any uploaded beforehand."""

    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=20
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
        source="address_id",
        allow_null=True,
        required=False,
        min_value=1,
        help_text="An id from /api/v1/addresses/.",
    )
    address_label = serializers.SerializerMethodField()
    address_unit = serializers.CharField(max_length=20, allow_blank=True, required=False)
    preferred_language = serializers.ChoiceField(choices=Language.choices, required=False)

    def get_address_label(self, user: Any) -> str:
        return str(user.address.label) if user.address_id and user.address else ""


class PreferenceSerializer(serializers.Serializer):
    topic = serializers.ChoiceField(choices=Topic.choices)
    channel = serializers.ChoiceField(choices=PreferenceChannel.choices)
    enabled = serializers.BooleanField()
    topic_label = serializers.SerializerMethodField()
    channel_label = serializers.SerializerMethodField()

    def get_topic_label(self, row: Any) -> str:
        return str(dict(Topic.choices).get(row["topic"], row["topic"]))

    def get_channel_label(self, row: Any) -> str:
        return str(dict(PreferenceChannel.choices).get(row["channel"], row["channel"]))


class ConsentRecordSerializer(serializers.Serializer):
    version = serializers.CharField(read_only=True)
    given_at = serializers.DateTimeField(read_only=True)
    withdrawn_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ConsentInputSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    given = serializers.BooleanField(help_text="True to give consent, false to withdraw it.")


class ConsentSerializer(serializers.Serializer):
    """A purpose with its consent (``accounts.selectors.ConsentStatus``)."""

    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices, read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    given = serializers.SerializerMethodField(help_text="Whether consent is given now.")
    history = ConsentRecordSerializer(many=True, read_only=True)

    def get_given(self, item: Any) -> bool:
        return item.active is not None


class AccountDeletionSerializer(serializers.Serializer):
    password = serializers.CharField(
        write_only=True, help_text="The account's password, asked again."
    )


class DeviceKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=500, required=False)
    auth = serializers.CharField(max_length=500, required=False)


@extend_schema_field(DeviceKeysSerializer)
class DeviceKeysField(serializers.JSONField):
    """Web Push keys ``{p256dh, auth}``; empty for an FCM or APNs token."""


class DeviceSerializer(serializers.ModelSerializer):
    keys = DeviceKeysField(
        required=False, help_text="Web Push keys: {p256dh, auth}. Empty for FCM and APNs."
    )

    class Meta:
        model = PushDevice
        fields = ("id", "kind", "name", "endpoint", "keys", "is_active", "created_at")
        read_only_fields = ("id", "is_active", "created_at")
        extra_kwargs = {
            "endpoint": {
                "help_text": "A Web Push subscription endpoint, or an FCM/APNs token.",
                "max_length": 2000,
            },
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
