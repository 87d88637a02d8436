"""Reads of requests from the citizen's side: the portal and the mobile API share them, so
their query counts are tested in one place.

A citizen reads their own requests and the ones they follow; anything else is ``Http404``
(never 403: the existence of someone else's request is not disclosed).
"""

from __future__ import annotations

import functools
import posixpath
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from victo_crm.accounts.models import Team
from victo_crm.core.statements import Prepared, PreparedQuery
from victo_crm.places.geometry import bbox_around, distance_m, snap_to_grid
from victo_crm.places.models import address_label

from .configuration import Catalogue, catalogue
from .models import (
    PLACE_VALUES,
    Attachment,
    EventKind,
    PublicVisibility,
    RequestEvent,
    RequestFollower,
    RequestType,
    ServiceRequest,
    State,
    StateRole,
    Transition,
    place_label,
)
from .services import hash_token

if TYPE_CHECKING:
    from victo_crm.accounts.models import User

OPEN = "open"
CLOSED = "closed"


# What "my requests" shows of each request: flat values, names from the configuration.
LIST_VALUES = (
    "reference",
    "citizen_id",
    *PLACE_VALUES,
    "created_at",
    "updated_at",
    "request_type_id",
    "state_id",
)


def _mine_and_followed(user_id: int, followed: list[int], status: str | None) -> QuerySet[Any]:
    # The followed ids as a literal list (a citizen follows a handful): PostgreSQL then
    # combines the (citizen, -created_at) and primary-key indexes instead of walking the
    # whole table in date order, which a subquery in an OR made it do.
    qs = ServiceRequest.objects.filter(Q(citizen_id=user_id) | Q(pk__in=followed))
    if status == OPEN:
        qs = qs.filter(state__is_final=False)
    elif status == CLOSED:
        qs = qs.filter(state__is_final=True)
    return qs.order_by("-created_at", "-pk").values(*LIST_VALUES)


_LIST_BUILDS = {
    status: functools.partial(_mine_and_followed, status=status) for status in (None, OPEN, CLOSED)
}


def requests_for_citizen(user: User, *, status: str | None = None) -> PreparedQuery:
    """The citizen's own requests and those they follow, newest first, as rows of
    ``LIST_VALUES`` for a paginator (``core.statements.PreparedQuery``: the list is the app's
    most frequent call, and each page's statement is compiled once).

    ``status``: ``"open"``, ``"closed"`` or ``None`` (all)."""
    followed = [row[0] for row in FOLLOWED.rows(user.pk)]
    return PreparedQuery(_LIST_BUILDS[status], ServiceRequest, user.pk, followed)


# The ids of the requests a citizen follows, read by every "my requests" page.
FOLLOWED = Prepared(
    lambda user_id: RequestFollower.objects.filter(user_id=user_id).values_list("request_id")
)


def _with_address(**lookup: Any) -> QuerySet[ServiceRequest]:
    """One request with its address, in one query (the first by id: a tracking token's hash
    is not declared unique)."""
    return ServiceRequest.objects.select_related("address").filter(**lookup).order_by("pk")[:1]


# A request read by its reference (every detail call) or its tracking token: compiled once.
REQUEST_BY = {
    "reference": Prepared(lambda value: _with_address(reference=value)),
    "tracking_token_hash": Prepared(lambda value: _with_address(tracking_token_hash=value)),
}


def _request_with_address(**lookup: Any) -> ServiceRequest | None:
    [(name, value)] = lookup.items()
    found = REQUEST_BY[name].objects(value) if name in REQUEST_BY else list(_with_address(**lookup))
    return found[0] if found else None


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
    request = _request_with_address(**lookup)
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
    request = _request_with_address(tracking_token_hash=hash_token(token))
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

    @property
    def photo_ids(self) -> list[int]:
        return [photo.pk for photo in self.photos]


# Every read of a request by its citizen shows its timeline: compiled once
# (core/statements.py).
PUBLIC_EVENTS = Prepared(
    lambda request_id: RequestEvent.objects.filter(request_id=request_id, is_public=True).order_by(
        "created_at", "pk"
    )
)
PUBLIC_PHOTOS = Prepared(
    lambda request_id: Attachment.objects.filter(request_id=request_id, is_public=True).order_by(
        "created_at", "pk"
    )
)


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
        events = PUBLIC_EVENTS.objects(request.pk)
    config = catalogue()
    to_state = RequestEvent._meta.get_field("to_state")
    for event in events:
        if event.to_state_id is not None:
            to_state.set_cached_value(event, config.state(event.to_state_id))
    photos_by_event: dict[int | None, list[Attachment]] = {}
    if not for_follower:
        attachments = known[1] if known is not None else PUBLIC_PHOTOS.objects(request.pk)
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
                event.created_at, event.kind, _("Votre commentaire"), event.message, photos=photos
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


# --- What the public may see -------------------------------------------------------------------
#
# One rule for every face that shows requests to someone who is neither the requester nor
# staff: Open311 reads, the duplicate suggestions (portal and API), any public map.
# - a type publishes nothing unless an administrator chose a public visibility
#   (``RequestType.public_visibility``, "hidden" by default: privacy by default, Law 25);
# - a sensitive type is never published (``RequestType.is_sensitive``; the database refuses
#   the combination), and wherever its position is shown to another person, it is snapped to
#   a grid of ``SENSITIVE_GRID_M`` metres;
# - the citizen's words are never published: the description shown is the public summary an
#   agent approved, and only for types "published" with their description;
# - the place shown is the registry address (without its unit), never the citizen's text;
# - photos (their EXIF-free copies) only for types "published" with their description.

SENSITIVE_GRID_M = 200
_PUBLISHED_LEVELS = (PublicVisibility.WITHOUT_DESCRIPTION, PublicVisibility.PUBLISHED)


def type_is_published(rtype: RequestType) -> bool:
    """Whether requests of ``rtype`` appear in public feeds at all."""
    return rtype.public_visibility in _PUBLISHED_LEVELS and not rtype.is_sensitive


def _with_text(rtype: RequestType) -> bool:
    return type_is_published(rtype) and rtype.public_visibility == PublicVisibility.PUBLISHED


def published_type_ids() -> list[int]:
    return sorted(pk for pk, rtype in catalogue().by_pk.items() if type_is_published(rtype))


def public_requests(qs: QuerySet[ServiceRequest] | None = None) -> QuerySet[ServiceRequest]:
    """The requests anyone may know of (``qs`` narrowed, or all of them)."""
    qs = ServiceRequest.objects.all() if qs is None else qs
    return qs.filter(request_type_id__in=published_type_ids())


def public_position(
    rtype: RequestType, latitude: float | None, longitude: float | None
) -> tuple[float | None, float | None]:
    """The position another person may see: exact, or snapped to the grid for a sensitive
    type (for a follower's view, say: sensitive types are in no public feed)."""
    if latitude is None or longitude is None:
        return None, None
    if rtype.is_sensitive:
        return snap_to_grid(latitude, longitude, SENSITIVE_GRID_M)
    return latitude, longitude


def public_address_label(
    rtype: RequestType,
    *,
    civic_number: int | None,
    civic_suffix: str | None = "",
    street: str | None = "",
    city: str | None = "",
    is_nearest: bool = False,
) -> str:
    """The registry address without its unit (a dwelling is not a place the public needs),
    « près de » it for a pin (``place_label`` without the citizen's precision); nothing for a
    sensitive type, whose exact address would name the person."""
    if civic_number is None or rtype.is_sensitive:
        return ""
    return place_label(
        address=address_label(civic_number, civic_suffix, street, "", city),
        address_is_nearest=is_nearest,
        precision="",
        latitude=None,
        longitude=None,
    )


def follower_place(sr: ServiceRequest) -> tuple[str, float | None, float | None]:
    """Where ``sr`` is, as someone other than its requester sees it (a follower; the same
    rule as the public feeds): the registry address without its unit, « près de » it for a
    pin, never the requester's own precision; for a sensitive type no address at all and a
    position snapped to the grid. Returns (label, latitude, longitude)."""
    rtype = sr.request_type
    address = sr.address if sr.address_id else None
    label = public_address_label(
        rtype,
        civic_number=address.civic_number if address else None,
        civic_suffix=address.civic_suffix if address else "",
        street=address.street if address else "",
        city=address.city if address else "",
        is_nearest=sr.address_is_nearest,
    )
    latitude, longitude = public_position(rtype, sr.latitude, sr.longitude)
    return label, latitude, longitude


def follower_place_of_values(row: Any, rtype: RequestType) -> str:
    """``follower_place``'s label from a ``.values(*PLACE_VALUES)`` row."""
    return public_address_label(
        rtype,
        civic_number=row["address__civic_number"],
        civic_suffix=row["address__civic_suffix"],
        street=row["address__street"],
        city=row["address__city"],
        is_nearest=row["address_is_nearest"],
    )


@dataclass(frozen=True)
class PublicRequestView:
    """A request as the public sees it. ``photo``: the file name of its first public photo
    copy (the last part of its public address), when the type publishes photos."""

    pk: int
    reference: str
    public_id: uuid.UUID
    request_type: RequestType
    state: State
    team: Team
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None
    description: str
    address: str
    address_id: int | None
    postal_code: str | None
    latitude: float | None
    longitude: float | None
    photo: str | None = None


# The columns a public view is made of: no name, e-mail, phone, account, description or
# free-text place is read.
PUBLIC_COLUMNS = (
    "pk",
    "reference",
    "public_id",
    "created_at",
    "updated_at",
    "due_at",
    "public_summary",
    "public_summary_approved_at",
    "latitude",
    "longitude",
    "address_id",
    "address_is_nearest",
    "address__civic_number",
    "address__civic_suffix",
    "address__street",
    "address__city",
    "address__postal_code",
    "request_type_id",
    "state_id",
    "team_id",
)


def _view(
    row: dict[str, Any], rtype: RequestType, photo: str | None, config: Catalogue
) -> PublicRequestView:
    latitude, longitude = public_position(rtype, row["latitude"], row["longitude"])
    approved = row["public_summary_approved_at"] is not None
    return PublicRequestView(
        pk=row["pk"],
        reference=row["reference"],
        public_id=row["public_id"],
        request_type=rtype,
        state=config.state(row["state_id"]),
        team=config.team(row["team_id"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        due_at=row["due_at"],
        description=row["public_summary"] if approved and _with_text(rtype) else "",
        address=public_address_label(
            rtype,
            civic_number=row["address__civic_number"],
            civic_suffix=row["address__civic_suffix"],
            street=row["address__street"],
            city=row["address__city"],
            is_nearest=row["address_is_nearest"],
        ),
        # A pin's nearest address names its place; it is not an address anyone gave.
        address_id=None if rtype.is_sensitive or row["address_is_nearest"] else row["address_id"],
        postal_code=None if rtype.is_sensitive else row["address__postal_code"],
        latitude=latitude,
        longitude=longitude,
        photo=photo if _with_text(rtype) else None,
    )


def public_request_views(
    qs: QuerySet[ServiceRequest], *, with_photos: bool = True
) -> list[PublicRequestView]:
    """Public views of the requests of ``qs`` (built on ``public_requests()``, ordered and
    sliced by the caller), as flat rows: up to a thousand of them per call. A row whose type
    is not published is dropped all the same."""
    config = catalogue()
    rows = [
        row
        for row in qs.values(*PUBLIC_COLUMNS)
        if type_is_published(config.request_type(row["request_type_id"]))
    ]
    if not rows:
        return []
    photos: dict[int, str] = {}
    if with_photos and any(_with_text(config.request_type(r["request_type_id"])) for r in rows):
        # The rows' ids as a subquery (``_view`` drops the photos of types without text): a
        # thousand ids sent as parameters cost the server more than PostgreSQL spends running
        # the query again (some 5 ms of the uncached Open311 read; bench/api-history.md).
        found = (
            Attachment.objects.filter(request_id__in=qs.values("pk"), is_public=True)
            .exclude(public_file="")
            .values_list("request_id", "public_file")
        )
        for request_id, path in found:  # oldest first (Attachment's ordering): keep the first
            photos.setdefault(request_id, posixpath.basename(path))
    return [
        _view(row, config.request_type(row["request_type_id"]), photos.get(row["pk"]), config)
        for row in rows
    ]


def request_public_view(request: ServiceRequest) -> PublicRequestView | None:
    """What the public may see of ``request``, or ``None`` when its type is not published."""
    found = public_request_views(ServiceRequest.objects.filter(pk=request.pk))
    return found[0] if found else None


def public_photo_or_404(public_id: Any, name: str) -> Attachment:
    """The public (EXIF-free) copy named ``name`` of a photo of the request ``public_id``,
    when the public may see it: the request's type publishes photos and the photo is public."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404 from None
    found = public_requests().filter(public_id=key).values_list("pk", "request_type_id").first()
    if found is None or not _with_text(catalogue().request_type(found[1])):
        raise Http404
    for attachment in Attachment.objects.filter(request_id=found[0], is_public=True).exclude(
        public_file=""
    ):
        if posixpath.basename(attachment.public_file.name) == name:
            return attachment
    raise Http404


# --- Duplicates ---------------------------------------------------------------------------------


def nearby_open_requests(
    *,
    request_type: RequestType,
    latitude: float,
    longitude: float,
    radius_m: float | None = None,
    limit: int = 5,
) -> list[tuple[PublicRequestView, float]]:
    """Open requests of the same type within ``radius_m`` metres, nearest first, with their
    distance, as the public sees them: none for a type that is not published (a neighbour
    must not learn that someone complained about them). A bounding-box query on the
    coordinates, then the exact distance."""
    if not type_is_published(request_type):
        return []
    radius = float(radius_m if radius_m is not None else settings.VICTO_DUPLICATE_RADIUS_METERS)
    min_lat, max_lat, min_lon, max_lon = bbox_around(latitude, longitude, radius)
    candidates = public_requests(
        ServiceRequest.objects.filter(
            request_type=request_type,
            state__is_final=False,
            merged_into__isnull=True,
            latitude__gte=min_lat,
            latitude__lte=max_lat,
            longitude__gte=min_lon,
            longitude__lte=max_lon,
        )
    ).order_by("-created_at")[:200]
    found = []
    for view in public_request_views(candidates, with_photos=False):
        assert view.latitude is not None and view.longitude is not None
        distance = distance_m(latitude, longitude, view.latitude, view.longitude)
        if distance <= radius:
            found.append((view, distance))
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


# --- What the requester may do ----------------------------------------------------------------


@dataclass(frozen=True)
class CitizenActions:
    """What a citizen may do with a request now. The portal's forms, the app's ``can_*``
    flags and the citizen services' checks all read this one answer, so no face offers what
    a service would refuse."""

    request: ServiceRequest | None = None  # set when the citizen filed it
    rate: bool = False
    reopen_transition: Transition | None = None  # what reopening fires, when she may
    reopen_deadline: datetime | None = None
    reopen_refusal: str = ""  # why not, when she may not reopen

    @property
    def requester(self) -> bool:
        return self.request is not None

    @property
    def add_photos(self) -> bool:
        """Photos are added while the request is open, if its type takes photos."""
        return not self.add_photos_refusal

    @property
    def add_photos_refusal(self) -> str:
        """Why she may not add photos now, or ""."""
        request = self.request
        if request is None:
            return _("Seule la personne qui a fait la requête peut y ajouter des photos.")
        if request.state.is_final or request.merged_into_id:
            return _("Cette requête est fermée : on ne peut plus y ajouter de photos.")
        if not request.request_type.photos_allowed:
            return _("Ce type de requête n’accepte pas de photos.")
        return ""

    @property
    def reopen(self) -> bool:
        return self.reopen_transition is not None


def citizen_actions(request: ServiceRequest, citizen: User | None) -> CitizenActions:
    """What ``citizen`` may do with ``request`` (nothing unless she filed it). Costs one
    query, only for a closed request within its reopening period: the reopen transition."""
    if (
        citizen is None
        or not citizen.is_authenticated
        or request.citizen_id is None
        or request.citizen_id != citizen.pk
    ):
        return CitizenActions(
            reopen_refusal=_("Seule la personne qui a fait la requête peut la rouvrir.")
        )
    closed = request.state.is_final
    refusal = _reopen_refusal(request, citizen)
    transition = None if refusal else _reopen_transition(request)
    if transition is None and not refusal:
        refusal = _("Cette requête ne peut pas être rouverte en ligne; appelez-nous.")
    return CitizenActions(
        request=request,
        rate=closed and request.rated_at is None,
        reopen_transition=transition,
        reopen_deadline=reopen_deadline(request) if transition is not None else None,
        reopen_refusal=refusal,
    )


def _reopen_transition(request: ServiceRequest) -> Transition | None:
    """The transition a citizen may fire to reopen ``request`` from its current state."""
    return (
        Transition.objects.select_related("from_state", "to_state", "workflow")
        .filter(
            from_state_id=request.state_id,
            to_state__role=StateRole.REOPENED,
            citizen_may_fire=True,
        )
        .first()
    )


def reopen_deadline(request: ServiceRequest) -> datetime | None:
    if request.closed_at is None:
        return None
    return request.closed_at + timedelta(days=settings.VICTO_REOPEN_DAYS)


def _reopen_refusal(request: ServiceRequest, citizen: User | None) -> str:
    """Why the citizen may not reopen now ("" when they may)."""
    if citizen is None or request.citizen_id != citizen.pk:
        return _("Seule la personne qui a fait la requête peut la rouvrir.")
    if not request.state.is_final or request.closed_at is None:
        return _("Cette requête n’est pas fermée.")
    deadline = reopen_deadline(request)
    if deadline is not None and timezone.now() > deadline:
        return _(
            "Le délai pour rouvrir cette requête (%(days)d jours après sa fermeture) est passé. "
            "Faites une nouvelle requête au besoin."
        ) % {"days": settings.VICTO_REOPEN_DAYS}
    return ""
