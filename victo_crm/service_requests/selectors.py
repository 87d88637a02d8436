"""Reads of requests from the citizen's side: the portal and the mobile API share them, so
their query counts are tested in one place.

A citizen reads their own requests and the ones they follow; anything else is ``Http404``
(never 403: the existence of someone else's request is not disclosed).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import connection
from django.db.models import Field, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from victo_crm.places.geometry import bbox_around, distance_m
from victo_crm.places.models import Address

from .configuration import catalogue
from .models import (
    Attachment,
    EventKind,
    RequestEvent,
    RequestFollower,
    RequestType,
    ServiceRequest,
)
from .services import hash_token

if TYPE_CHECKING:
    from victo_crm.accounts.models import User

OPEN = "open"
CLOSED = "closed"


_FOLLOWED = f'SELECT "request_id" FROM "{RequestFollower._meta.db_table}" WHERE "user_id" = %s'  # noqa: S608


def requests_for_citizen(user: User, *, status: str | None = None) -> QuerySet[ServiceRequest]:
    """The citizen's own requests and those they follow, newest first.

    ``status``: ``"open"``, ``"closed"`` or ``None`` (all). Type and state are joined so a
    page of the list costs one query whatever its length."""
    if user is None or not user.is_authenticated:
        return ServiceRequest.objects.none()
    # The followed ids as a literal list (a citizen follows a handful): PostgreSQL then
    # combines the (citizen, -created_at) and primary-key indexes instead of walking the
    # whole table in date order, which a subquery in an OR made it do.
    with connection.cursor() as cursor:
        cursor.execute(_FOLLOWED, [user.pk])
        followed = [row[0] for row in cursor.fetchall()]
    qs = (
        ServiceRequest.objects.filter(Q(citizen=user) | Q(pk__in=followed))
        .select_related("request_type", "state")
        .order_by("-created_at", "-pk")
    )
    if status == OPEN:
        qs = qs.filter(state__is_final=False)
    elif status == CLOSED:
        qs = qs.filter(state__is_final=True)
    return qs


# A request's page (portal and API) is the most frequent read after the list. Its statements
# are written out once, with the models' own table names, and loaded by ``Model.objects.raw``:
# the same instances as the ORM's (``SELECT *`` maps every column by name, converters
# included), without compiling a query on every call, which cost about a third of the API's
# detail. tests/portal/test_selectors.py holds them to the ORM's results.
def _select(model: type[Any], where: str, order_by: str = "") -> str:
    table = model._meta.db_table
    return f'SELECT * FROM "{table}" WHERE {where}' + (f" ORDER BY {order_by}" if order_by else "")  # noqa: S608


_REQUEST_BY = {
    "reference": _select(ServiceRequest, '"reference" = %s'),
    "public_id": _select(ServiceRequest, '"public_id" = %s'),
    # Not declared unique (a random token's hash): the first, as ``.first()`` would.
    "tracking_token_hash": _select(ServiceRequest, '"tracking_token_hash" = %s', '"id"'),
}
_ADDRESS = _select(Address, '"id" = %s')
_PUBLIC_EVENTS = _select(RequestEvent, '"request_id" = %s AND "is_public"', '"created_at", "id"')
_PUBLIC_PHOTOS = _select(Attachment, '"request_id" = %s AND "is_public"', '"created_at", "id"')


def _raw(model: type[Any], sql: str, params: list[Any]) -> list[Any]:
    return list(model._default_manager.raw(sql, params))


def _request_with_address(column: str, value: Any) -> ServiceRequest | None:
    """One request by a column of ``_REQUEST_BY``, with its address (what
    ``select_related("address").filter(...).first()`` gives, without the ORM's compilation;
    the address by a second statement, only when there is one)."""
    field = cast("Field[Any, Any]", ServiceRequest._meta.get_field(column))
    found = _raw(ServiceRequest, _REQUEST_BY[column], [field.get_db_prep_value(value, connection)])
    if not found:
        return None
    request: ServiceRequest = found[0]
    if request.address_id is not None:
        address = _raw(Address, _ADDRESS, [request.address_id])
        ServiceRequest.address.field.set_cached_value(request, address[0] if address else None)
    return request


def with_configuration(request: ServiceRequest) -> ServiceRequest:
    """Give the request its type, state and team from the configuration kept in memory
    (``configuration.catalogue``) instead of joining three tables per read. Those objects
    are shared: read them, never change them."""
    config = catalogue()
    for name, found in (
        ("request_type", config.request_type(request.request_type_id)),
        ("state", config.state(request.state_id)),
        ("team", config.team(request.team_id)),
    ):
        ServiceRequest._meta.get_field(name).set_cached_value(request, found)  # type: ignore[union-attr]
    return request


def request_for_citizen_or_404(
    user: User, *, reference: str | None = None, public_id: Any = None
) -> ServiceRequest:
    """The request named by ``reference`` (or ``public_id``) if ``user`` filed or follows it.

    Sets ``is_requester`` and ``is_follower`` on the instance."""
    if user is None or not user.is_authenticated or not (reference or public_id):
        raise Http404
    lookup: dict[str, Any]
    if reference:
        lookup = {"reference": str(reference)[:16]}
    else:
        try:
            lookup = {"public_id": uuid.UUID(str(public_id))}
        except ValueError:
            raise Http404 from None
    [(column, value)] = lookup.items()
    request = _request_with_address(column, value)
    if request is None:
        raise Http404
    with_configuration(request)
    request.is_requester = request.citizen_id == user.pk  # type: ignore[attr-defined]
    request.is_follower = (  # type: ignore[attr-defined]
        not request.is_requester  # type: ignore[attr-defined]
        and RequestFollower.objects.filter(request=request, user=user).exists()
    )
    if not (request.is_requester or request.is_follower):  # type: ignore[attr-defined]
        raise Http404
    return request


def request_for_guest_token_or_404(token: str) -> ServiceRequest:
    """The guest request whose tracking token is ``token`` (only its hash is stored)."""
    token = (token or "").strip()
    if not token or len(token) > 100:
        raise Http404
    request = _request_with_address("tracking_token_hash", hash_token(token))
    if request is None:
        raise Http404
    with_configuration(request)
    request.is_requester = True  # type: ignore[attr-defined]
    request.is_follower = False  # type: ignore[attr-defined]
    return request


# --- The public timeline ---------------------------------------------------------------------


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    title: str
    message: str = ""
    photos: list[Attachment] = field(default_factory=list)
    from_city: bool = False


def public_timeline(
    request: ServiceRequest,
    *,
    for_follower: bool = False,
    known: tuple[list[RequestEvent], list[Attachment]] | None = None,
) -> list[TimelineEntry]:
    """The public part of the request's history, in the citizen's words, oldest first.

    ``for_follower``: what someone who follows a request they did not file may read of it
    (the portal, the API and the follower notifications agree through
    ``RequestEvent.follower_message``): that it was received, its state changes, a merge, and
    the staff messages published to followers. Never the requester's comments, photos or
    reopening reason, nor a reply or comment written to her. Two queries; none when the
    caller hands over the whole history (``known``: the events and photos a submission has
    just written, ``service_request_submit``'s ``new_history``)."""
    if known is not None:
        events = [event for event in known[0] if event.is_public]
    else:
        events = _raw(RequestEvent, _PUBLIC_EVENTS, [request.pk])
    config = catalogue()
    to_state = RequestEvent._meta.get_field("to_state")
    for event in events:
        if event.to_state_id is not None:
            to_state.set_cached_value(event, config.state(event.to_state_id))
    photos_by_event: dict[int | None, list[Attachment]] = {}
    if not for_follower:
        attachments = (
            known[1] if known is not None else _raw(Attachment, _PUBLIC_PHOTOS, [request.pk])
        )
        for attachment in attachments:
            photos_by_event.setdefault(attachment.event_id, []).append(attachment)
    entries = []
    for event in events:
        photos = photos_by_event.pop(event.pk, [])
        if event.kind == EventKind.SUBMITTED:
            entry = TimelineEntry(event.created_at, event.kind, _("Requête reçue"), photos=photos)
        elif event.kind == EventKind.TRANSITION:
            label = event.to_state.citizen_label if event.to_state else ""
            entry = TimelineEntry(
                event.created_at,
                event.kind,
                _("Nouvel état : %(state)s") % {"state": label},
                event.follower_message if for_follower else event.message,
                from_city=event.actor_id != request.citizen_id,
            )
        elif event.kind == EventKind.PUBLIC_REPLY:
            if for_follower and not event.follower_message:
                continue  # a reply to the requester
            entry = TimelineEntry(
                event.created_at,
                event.kind,
                _("Message de la Ville") if for_follower else _("Réponse de la Ville"),
                event.follower_message if for_follower else event.message,
                from_city=True,
            )
        elif event.kind == EventKind.CITIZEN_COMMENT:
            if for_follower:
                continue
            entry = TimelineEntry(
                event.created_at, event.kind, _("Votre commentaire"), event.message
            )
        elif event.kind == EventKind.ATTACHMENT:
            if for_follower:
                continue
            entry = TimelineEntry(event.created_at, event.kind, _("Photos ajoutées"), photos=photos)
        elif event.kind == EventKind.MERGE:
            message = event.message
            if for_follower:  # the note may be written to the requester: only the facts
                survivor = (event.data or {}).get("survivor", "")
                message = (
                    _("Les nouvelles suivent dans la requête %(reference)s.")
                    % {"reference": survivor}
                    if survivor
                    else ""
                )
            entry = TimelineEntry(
                event.created_at, event.kind, _("Jumelée à une autre requête"), message
            )
        else:  # internal kinds are never public; a misconfigured one shows no detail
            continue
        entries.append(entry)
    # Photos a staff member attached without an event, or whose event is gone.
    leftovers = [photo for photos in photos_by_event.values() for photo in photos]
    if leftovers and entries:
        entries[0].photos.extend(leftovers)
    return entries


def public_attachment_or_404(request: ServiceRequest, attachment_id: int | str) -> Attachment:
    """A public photo of ``request`` (the caller has already checked access to the request)."""
    try:
        pk = int(attachment_id)
    except (TypeError, ValueError):
        raise Http404 from None
    attachment = (
        Attachment.objects.filter(request=request, pk=pk, is_public=True)
        .exclude(public_file="")
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


# --- Duplicates ---------------------------------------------------------------------------------


def nearby_open_requests(
    *,
    request_type: RequestType,
    latitude: float,
    longitude: float,
    radius_m: float | None = None,
    limit: int = 5,
) -> list[tuple[ServiceRequest, float]]:
    """Open requests of the same type within ``radius_m`` metres, nearest first, with their
    distance: a bounding-box query on the coordinates, then the exact distance."""
    radius = float(radius_m if radius_m is not None else settings.VICTO_DUPLICATE_RADIUS_METERS)
    min_lat, max_lat, min_lon, max_lon = bbox_around(latitude, longitude, radius)
    candidates = (
        ServiceRequest.objects.filter(
            request_type=request_type,
            state__is_final=False,
            merged_into__isnull=True,
            latitude__gte=min_lat,
            latitude__lte=max_lat,
            longitude__gte=min_lon,
            longitude__lte=max_lon,
        )
        .select_related("state", "request_type")
        .order_by("-created_at")[:200]
    )
    found = []
    for candidate in candidates:
        assert candidate.latitude is not None and candidate.longitude is not None
        distance = distance_m(latitude, longitude, candidate.latitude, candidate.longitude)
        if distance <= radius:
            found.append((candidate, distance))
    found.sort(key=lambda pair: pair[1])
    return found[:limit]


# --- The catalogue ---------------------------------------------------------------------------


def request_types_offered(*, query: str = "") -> list[RequestType]:
    """Active request types, in catalogue order; with ``query``, those whose name, keywords
    or description contain every word typed (accents and case ignored). The catalogue is a
    few dozen rows: one query, filtered in Python."""
    from victo_crm.core.text import fold

    types = list(
        RequestType.objects.filter(is_active=True)
        .select_related("group")
        .order_by("group__order", "group__name_fr", "order", "name_fr")
    )
    words = fold(query).replace(",", " ").split()
    if not words:
        return types

    def haystack(rtype: RequestType) -> str:
        return fold(
            " ".join(
                (
                    rtype.name_fr,
                    rtype.name_en,
                    rtype.keywords,
                    rtype.description_fr,
                    rtype.description_en,
                    rtype.group.name_fr,
                    rtype.group.name_en,
                )
            )
        )

    return [rtype for rtype in types if all(word in haystack(rtype) for word in words)]
