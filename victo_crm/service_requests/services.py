"""Every write to a request goes through here: the portal, the desk, the APIs, the admin and
tasks are thin callers of these functions, so they can never disagree about what an action
does."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from victo_crm.core.errors import StaleUpdateError, TransitionNotAllowed
from victo_crm.core.uploads import CheckedImage, check_image
from victo_crm.places.models import Address, Zone
from victo_crm.places.selectors import nearest_address, point_in_town, zones_containing

from . import workflows
from .assignment import route
from .configuration import catalogue
from .fields import validate_field_values
from .hooks import request_event_recorded
from .metrics import SUBMISSIONS
from .models import (
    Attachment,
    Channel,
    EventKind,
    Priority,
    RequestEvent,
    RequestType,
    ServiceRequest,
    Transition,
)
from .references import next_reference
from .tracking import hash_token, tracking_token

if TYPE_CHECKING:
    from victo_crm.accounts.models import Team, User

MAX_DESCRIPTION = 5000
MAX_MESSAGE = 5000


@dataclass
class Contact:
    """A guest's contact details (or a phone caller's)."""

    name: str
    email: str
    phone: str = ""


# --- Submission ------------------------------------------------------------------------------


def _resolve_type(
    request_type: RequestType | str | int | None, *, accept_inactive: bool = False
) -> RequestType:
    if isinstance(request_type, RequestType):
        found: RequestType | None = request_type
    elif isinstance(request_type, int):
        found = catalogue().by_pk.get(request_type)
    else:
        found = catalogue().by_code.get(str(request_type or ""))
    if found is None or not (found.is_active or accept_inactive):
        raise ValidationError({"request_type": [_("Ce type de requête n’existe pas.")]})
    return found


def _resolve_location(
    request_type: RequestType,
    *,
    address: Address | int | None,
    latitude: float | None,
    longitude: float | None,
) -> tuple[Address | None, float | None, float | None, list[Zone], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    zones: list[Zone] = []
    if isinstance(address, int):
        address = Address.objects.filter(pk=address).first()
        if address is None:
            errors["address"] = [_("Cette adresse ne figure pas au registre de la Ville.")]
    if address is not None:
        latitude, longitude = address.latitude, address.longitude
        zones = list(address.zones.all())
    elif (latitude is None) != (longitude is None):
        errors["location"] = [_("Indiquez la latitude et la longitude, ou ni l’une ni l’autre.")]
    elif latitude is not None and longitude is not None:
        try:
            latitude, longitude = float(latitude), float(longitude)
        except (TypeError, ValueError):
            errors["location"] = [_("Les coordonnées doivent être des nombres.")]
        else:
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                errors["location"] = [_("Les coordonnées ne sont pas valides.")]
            else:
                zones = zones_containing(latitude=latitude, longitude=longitude)
                if not point_in_town(latitude=latitude, longitude=longitude, zones=zones):
                    errors["location"] = [
                        _("Ce lieu est hors du territoire de la Ville de Victoriaville.")
                    ]
    has_location = address is not None or latitude is not None
    if request_type.location_required and not has_location and "address" not in errors:
        errors.setdefault(
            "location", [_("Indiquez le lieu : une adresse ou un point sur la carte.")]
        )
    if not request_type.location_allowed and has_location:
        errors["location"] = [_("Ce type de requête ne demande pas de lieu.")]
    return (address if isinstance(address, Address) else None), latitude, longitude, zones, errors


def _check_photos(
    request_type: RequestType | None, photos: Sequence[Any], *, existing: int = 0
) -> tuple[list[CheckedImage], list[str]]:
    from django.conf import settings

    if not photos:
        return [], []
    if request_type is not None and not request_type.photos_allowed:
        return [], [_("Ce type de requête n’accepte pas de photos.")]
    limit = settings.VICTO_MAX_ATTACHMENTS
    if existing + len(photos) > limit:
        return [], [
            _("Vous pouvez joindre au plus %(limit)d photos à une requête.") % {"limit": limit}
        ]
    checked, errors = [], []
    for photo in photos:
        try:
            checked.append(check_image(photo))
        except ValidationError as error:
            errors.extend(error.messages)
    return checked, errors


def _store_attachments(
    request: ServiceRequest,
    images: Sequence[CheckedImage],
    *,
    event: RequestEvent,
    actor: User | None,
) -> list[Attachment]:
    attachments = []
    for image in images:
        attachment = Attachment(
            request=request,
            event=event,
            original_name=image.original_name,
            content_type=image.content_type,
            size=image.size,
            width=image.width,
            height=image.height,
            sha256=image.sha256,
            uploaded_by=actor,
        )
        attachment.file.save("original", image.original, save=False)
        attachment.public_file.save("public", image.public, save=False)
        attachment.save()
        attachments.append(attachment)
    return attachments


def _clean_text(value: str | None, *, limit: int, field: str, errors: dict[str, list[str]]) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        errors[field] = [
            _("Ce texte est trop long (%(limit)d caractères au maximum).") % {"limit": limit}
        ]
    return text


@dataclass(frozen=True)
class _Checked:
    """A submission's values as ``_check_submission`` accepted them."""

    rtype: RequestType
    values: dict[str, Any]
    description: str
    location_text: str
    address: Address | None
    latitude: float | None
    longitude: float | None
    zones: list[Any]
    images: list[Any]


def _check_submission(
    *,
    request_type: RequestType | str | int | None,
    citizen: User | None = None,
    contact: Contact | None = None,
    description: str = "",
    field_values: Mapping[str, Any] | None = None,
    address: Address | int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    location_text: str = "",
    photos: Sequence[Any] = (),
    channel: str = Channel.WEB,
    priority: int | None = None,
    accept_inactive_type: bool = False,
) -> _Checked:
    """Everything ``service_request_submit`` checks before it writes: one ValidationError
    with a message per field, or the values cleaned."""
    errors: dict[str, list[str]] = {}
    rtype = _resolve_type(request_type, accept_inactive=accept_inactive_type)
    fields = catalogue().fields_of(rtype)
    try:
        cleaned_values = validate_field_values(fields, field_values)
    except ValidationError as error:
        errors.update({f"field_values.{code}": msgs for code, msgs in error.message_dict.items()})
        cleaned_values = {}
    description = _clean_text(
        description, limit=MAX_DESCRIPTION, field="description", errors=errors
    )
    location_text = _clean_text(location_text, limit=255, field="location_text", errors=errors)
    address_obj, lat, lon, zones, location_errors = _resolve_location(
        rtype, address=address, latitude=latitude, longitude=longitude
    )
    errors.update(location_errors)
    if address_obj is not None and location_text == address_obj.label:
        location_text = ""  # a precision that repeats the address (Open311's address_string)
    if channel not in Channel.values:
        errors["channel"] = [_("Canal inconnu.")]
    if citizen is None:
        if contact is None or not contact.name.strip() or not contact.email.strip():
            errors["contact"] = [
                _("Indiquez votre nom et votre courriel pour être tenu au courant.")
            ]
        else:
            try:
                from django.core.validators import validate_email

                validate_email(contact.email.strip())
            except ValidationError:
                errors["contact"] = [_("Cette adresse courriel n’est pas valide.")]
    if priority is not None and priority not in Priority.values:
        errors["priority"] = [_("Priorité inconnue.")]
    images, photo_errors = _check_photos(rtype, photos)
    if photo_errors:
        errors["photos"] = photo_errors
    if errors:
        raise ValidationError(errors)
    return _Checked(
        rtype=rtype,
        values=cleaned_values,
        description=description,
        location_text=location_text,
        address=address_obj,
        latitude=lat,
        longitude=lon,
        zones=list(zones),
        images=images,
    )


def service_request_refusals(**submission: Any) -> dict[str, list[str]]:
    """What ``service_request_submit`` would refuse in ``submission`` (the arguments it
    checks: ``_check_submission``'s), found without writing anything (no reference taken, no
    file stored): a form that refuses for reasons of its own lists these in the same answer,
    so that every error shows at once."""
    try:
        _check_submission(**submission)
    except ValidationError as error:
        return error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    return {}


def service_request_submit(
    *,
    request_type: RequestType | str | int | None,
    citizen: User | None = None,
    contact: Contact | None = None,
    description: str = "",
    field_values: Mapping[str, Any] | None = None,
    address: Address | int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    location_text: str = "",
    photos: Sequence[Any] = (),
    channel: str = Channel.WEB,
    language: str | None = None,
    actor: User | None = None,
    priority: int | None = None,
    accept_inactive_type: bool = False,
    event_data: Mapping[str, Any] | None = None,
) -> ServiceRequest:
    """File a request for a citizen (``citizen``) or a guest (``contact``).

    ``accept_inactive_type``: the type may be one not offered to citizens (the triage type
    of mail to the town's request address, filed by ``inbound``). ``event_data`` is kept on
    the submission event (the received message it came from).

    Everything is checked before anything is written; a refusal raises one
    ValidationError with a message per field, and leaves no trace. The writes are one
    transaction, or part of the caller's without a savepoint of their own (the API's and the
    portal's receipts wrap them: two statements fewer a submission); what fails while
    writing fails the caller's transaction too. A guest request gets
    ``tracking_token`` set on the returned instance (derived from its public id, see
    ``tracking.py``: only its hash is stored).
    A request filed through Open311 gets ``open311_token`` likewise.
    """
    checked = _check_submission(
        request_type=request_type,
        citizen=citizen,
        contact=contact,
        description=description,
        field_values=field_values,
        address=address,
        latitude=latitude,
        longitude=longitude,
        location_text=location_text,
        photos=photos,
        channel=channel,
        priority=priority,
        accept_inactive_type=accept_inactive_type,
    )
    rtype, cleaned_values, images = checked.rtype, checked.values, checked.images
    description, location_text = checked.description, checked.location_text
    address_obj, lat, lon, zones = (
        checked.address,
        checked.latitude,
        checked.longitude,
        checked.zones,
    )

    # A pin is named by the registry address nearest it, found once here rather than on
    # every page, queue row and e-mail that shows the place.
    nearest = (
        nearest_address(latitude=lat, longitude=lon)
        if address_obj is None and lat is not None and lon is not None
        else None
    )
    workflow_initial = catalogue().initial_state(rtype.workflow_id)
    if workflow_initial is None:  # guarded by workflow validation; kept for a clear failure
        raise ValidationError({"request_type": [_("Le flux de ce type n’a pas d’état initial.")]})
    now = timezone.now()
    language = (
        language
        or (citizen.preferred_language if citizen else None)
        or translation.get_language()
        or "fr"
    )[:2]
    token = ""
    team, assignee, rule = route(rtype, zones)
    request = ServiceRequest(
        request_type=rtype,
        state=workflow_initial,
        citizen=citizen,
        language=language if language in ("fr", "en") else "fr",
        channel=channel,
        description=description,
        field_values=cleaned_values,
        address=address_obj or nearest,
        address_is_nearest=address_obj is None and nearest is not None,
        location_text=location_text,
        latitude=lat,
        longitude=lon,
        team=team,
        assignee=assignee,
        priority=priority or rtype.default_priority,
        due_at=now + timedelta(hours=rtype.sla_hours) if rtype.sla_hours else None,
        citizen_updated_at=now,
    )
    if citizen is not None:
        request.contact_name = citizen.get_full_name()
        request.contact_email = citizen.email
        request.contact_phone = citizen.phone
    else:
        assert contact is not None
        token = tracking_token(request)
        request.contact_name = contact.name.strip()[:200]
        request.contact_email = contact.email.strip().lower()
        request.contact_phone = (contact.phone or "").strip()[:32]
        request.tracking_token_hash = hash_token(token)
    open311_token = ""
    if channel == Channel.OPEN311:
        # The Open311 token: random, so it tells nothing and cannot be derived from an id;
        # only its hash is kept (``GET tokens/{token}`` looks it up).
        open311_token = secrets.token_urlsafe(24)
        request.open311_token_hash = hash_token(open311_token)
    if not workflow_initial.sla_running:
        request.sla_paused_at = now
    with transaction.atomic(savepoint=False):
        # In the transaction: SQLite's counter (references.py) is read after its update.
        request.reference = next_reference(timezone.localtime(now).year)
        request.save()
        if zones:
            # A new request has no zone yet: insert the links without the diff that set() reads.
            ServiceRequest.zones.through.objects.bulk_create(
                [ServiceRequest.zones.through(servicerequest=request, zone=zone) for zone in zones]
            )
        event = RequestEvent.objects.create(
            request=request,
            kind=EventKind.SUBMITTED,
            is_public=True,
            actor=actor or citizen,
            to_state=workflow_initial,
            data={
                "channel": channel,
                **({"assignment_rule": rule.pk} if rule else {}),
                **(event_data or {}),
            },
        )
        photos = _store_attachments(request, images, event=event, actor=actor or citizen)
        request_event_recorded(event=event, kind="request_received", request=request, new=True)
        request.tracking_token = token  # type: ignore[attr-defined]
        request.open311_token = open311_token  # type: ignore[attr-defined]
        # Its whole history so far, for a caller that shows it at once (the API's 201) without
        # reading it back: the submission event and its photos.
        request.new_history = ([event], [p for p in photos if p.is_public])  # type: ignore[attr-defined]
        transaction.on_commit(SUBMISSIONS.labels(channel=channel).inc)
    return request


# --- The workflow engine -----------------------------------------------------------------------


def _conditional_update(
    request: ServiceRequest,
    *,
    expected_version: int,
    extra_filter: dict[str, Any] | None = None,
    **changes: Any,
) -> None:
    """Apply ``changes`` only if nobody changed the request since ``expected_version``."""
    now = timezone.now()
    updated = ServiceRequest.objects.filter(
        pk=request.pk, version=expected_version, **(extra_filter or {})
    ).update(version=F("version") + 1, updated_at=now, **changes)
    if not updated:
        raise StaleUpdateError(
            _(
                "Cette requête a été modifiée par quelqu’un d’autre pendant que vous la consultiez. "
                "Rechargez-la pour voir les changements; votre texte n’a pas été perdu."
            ),
            code="stale",
        )
    for name, value in changes.items():
        setattr(request, name, value)
    request.version = expected_version + 1
    request.updated_at = now


@transaction.atomic
def service_request_transition(
    *,
    request: ServiceRequest,
    transition: Transition | int,
    actor: User | None,
    comment: str = "",
    expected_version: int | None = None,
    for_followers: bool = False,
) -> RequestEvent:
    """Fire a workflow transition: the only way a request's state changes.

    Checks that the transition starts from the current state of the request's workflow,
    that the actor may fire it, and that a required comment is there; then writes the new
    state, the event and the outbox rows in one transaction. A concurrent change makes the
    second caller fail with ``StaleUpdateError`` and change nothing.

    ``for_followers``: a staff member publishes the comment to the request's followers too;
    otherwise they learn the new state only. The requester's own comment (a reopening
    reason) is never published to them.
    """
    if not isinstance(transition, Transition):
        found = (
            Transition.objects.select_related("from_state", "to_state")
            .filter(pk=transition)
            .first()
        )
        if found is None:
            raise ValidationError({"transition": [_("Cette action n’existe pas.")]})
        transition = found
    expected = request.version if expected_version is None else expected_version
    refusal = workflows.transition_refusal(actor, request, transition)
    if refusal:
        raise TransitionNotAllowed(refusal)
    comment = (comment or "").strip()
    if transition.comment_required and not comment:
        raise ValidationError(
            {
                "comment": [
                    _("Un commentaire est obligatoire pour l’action « %(action)s ».")
                    % {"action": transition.label}
                ]
            }
        )
    if len(comment) > MAX_MESSAGE:
        raise ValidationError(
            {
                "comment": [
                    _("Ce texte est trop long (%(limit)d caractères au maximum).")
                    % {"limit": MAX_MESSAGE}
                ]
            }
        )
    now = timezone.now()
    target = transition.to_state
    changes: dict[str, Any] = {"state": target}
    if target.is_final:
        changes["closed_at"] = now
    elif request.closed_at is not None:
        changes["closed_at"] = None
    if not target.sla_running and request.sla_paused_at is None:
        changes["sla_paused_at"] = now
    elif target.sla_running and request.sla_paused_at is not None:
        changes["sla_paused_at"] = None
        if request.due_at is not None:
            changes["due_at"] = request.due_at + (now - request.sla_paused_at)
    acting_as_staff = actor is not None and actor.pk != request.citizen_id
    if acting_as_staff and request.first_response_at is None:
        changes["first_response_at"] = now
    if not acting_as_staff:
        changes["citizen_updated_at"] = now
    from_state = request.state
    _conditional_update(
        request,
        expected_version=expected,
        extra_filter={"state_id": transition.from_state_id},
        **changes,
    )
    event = RequestEvent.objects.create(
        request=request,
        kind=EventKind.TRANSITION,
        is_public=True,
        actor=actor,
        from_state=from_state,
        to_state=target,
        transition=transition,
        message=comment,
        for_followers=bool(for_followers and comment and acting_as_staff),
    )
    # Staff rules hear about every transition; the citizen and followers only about those
    # marked "aviser le citoyen".
    request_event_recorded(
        event=event,
        kind="state_changed",
        notify_citizen=transition.notify_citizen,
        request=request,
    )
    return event


# --- Other staff actions -----------------------------------------------------------------------


def _require_staff(actor: User | None, request: ServiceRequest) -> User:
    if actor is None or not workflows.staff_may_act_on(actor, request):
        raise TransitionNotAllowed(_("Vous ne pouvez pas modifier cette requête."))
    return actor


@transaction.atomic
def service_request_assign(
    *,
    request: ServiceRequest,
    actor: User,
    team: Team | None = None,
    assignee: User | None = None,
    expected_version: int | None = None,
) -> RequestEvent:
    """Give the request to a team and/or an agent (``assignee=None`` leaves it unassigned)."""
    _require_staff(actor, request)
    new_team = team or request.team
    if assignee is not None and not assignee.teams.filter(pk=new_team.pk).exists():
        raise ValidationError(
            {
                "assignee": [
                    _("%(agent)s ne fait pas partie de l’équipe %(team)s.")
                    % {"agent": assignee, "team": new_team}
                ]
            }
        )
    before = {"team": request.team_id, "assignee": request.assignee_id}
    _conditional_update(
        request,
        expected_version=request.version if expected_version is None else expected_version,
        team=new_team,
        assignee=assignee,
    )
    return RequestEvent.objects.create(
        request=request,
        kind=EventKind.ASSIGNMENT,
        is_public=False,
        actor=actor,
        data={
            "before": before,
            "after": {"team": new_team.pk, "assignee": assignee.pk if assignee else None},
        },
    )


@transaction.atomic
def service_request_take(
    *,
    request: ServiceRequest,
    actor: User,
    team: Team | None = None,
    expected_version: int | None = None,
) -> list[RequestEvent]:
    """An agent takes the request: assign it to her and, in the same transaction, fire the
    "prise en charge" transition out of its current state when the workflow has one she may
    fire.

    The transition is the one an administrator flagged ``takes_charge`` on the workflow
    (never found by a state code or a label, which administrators rename); without one, or
    when her role may not fire it, the request is only assigned. Returns the events written.
    """
    events = [
        service_request_assign(
            request=request,
            actor=actor,
            team=team,
            assignee=actor,
            expected_version=expected_version,
        )
    ]
    candidates = (
        Transition.objects.filter(
            from_state_id=request.state_id, takes_charge=True, comment_required=False
        )
        .select_related("from_state", "to_state")
        .prefetch_related("allowed_groups")
        .order_by("order", "pk")
    )
    take = next(
        (t for t in candidates if not workflows.transition_refusal(actor, request, t)), None
    )
    if take is not None:
        events.append(service_request_transition(request=request, transition=take, actor=actor))
    return events


@transaction.atomic
def service_request_set_priority(
    *, request: ServiceRequest, actor: User, priority: int, expected_version: int | None = None
) -> RequestEvent:
    _require_staff(actor, request)
    if priority not in Priority.values:
        raise ValidationError({"priority": [_("Priorité inconnue.")]})
    before = request.priority
    _conditional_update(
        request,
        expected_version=request.version if expected_version is None else expected_version,
        priority=priority,
    )
    return RequestEvent.objects.create(
        request=request,
        kind=EventKind.PRIORITY,
        actor=actor,
        data={"before": before, "after": priority},
    )


MAX_PUBLIC_SUMMARY = 1000


@transaction.atomic
def service_request_approve_public_summary(
    *, request: ServiceRequest, actor: User, summary: str, expected_version: int | None = None
) -> RequestEvent:
    """Approve ``summary`` as what the public may read of the request instead of its
    description (the citizen's own words, never published); an empty ``summary`` withdraws
    the approved one. Whether it is shown still depends on the type's public visibility.
    The event is internal: the history says who approved what, and when."""
    _require_staff(actor, request)
    text = (summary or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if len(text) > MAX_PUBLIC_SUMMARY:
        raise ValidationError(
            {
                "summary": [
                    _("Ce texte est trop long (%(limit)d caractères au maximum).")
                    % {"limit": MAX_PUBLIC_SUMMARY}
                ]
            }
        )
    if not text and request.public_summary_approved_at is None:
        raise ValidationError({"summary": [_("Écrivez le résumé à publier.")]})
    now = timezone.now()
    _conditional_update(
        request,
        expected_version=request.version if expected_version is None else expected_version,
        public_summary=text,
        public_summary_approved_at=now if text else None,
        public_summary_approved_by=actor if text else None,
    )
    return RequestEvent.objects.create(
        request=request,
        kind=EventKind.PUBLIC_SUMMARY,
        is_public=False,
        actor=actor,
        message=text,
        data={"withdrawn": not text},
    )


def _message(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"message": [_("Le message est vide.")]})
    if len(text) > MAX_MESSAGE:
        raise ValidationError(
            {
                "message": [
                    _("Ce texte est trop long (%(limit)d caractères au maximum).")
                    % {"limit": MAX_MESSAGE}
                ]
            }
        )
    return text


@transaction.atomic
def service_request_add_note(*, request: ServiceRequest, actor: User, text: str) -> RequestEvent:
    """An internal note: staff only, never shown to the citizen."""
    _require_staff(actor, request)
    event = RequestEvent.objects.create(
        request=request,
        kind=EventKind.INTERNAL_NOTE,
        is_public=False,
        actor=actor,
        message=_message(text),
    )
    ServiceRequest.objects.filter(pk=request.pk).update(updated_at=timezone.now())
    return event


@transaction.atomic
def service_request_reply(
    *, request: ServiceRequest, actor: User, text: str, for_followers: bool = False
) -> RequestEvent:
    """A public reply to the citizen, on their timeline and in their notifications.

    ``for_followers``: the agent publishes it to the people who follow the request too (on
    their timeline, with the rules' follower messages); by default it is the requester's
    alone, since a reply is usually written to her."""
    _require_staff(actor, request)
    event = RequestEvent.objects.create(
        request=request,
        kind=EventKind.PUBLIC_REPLY,
        is_public=True,
        actor=actor,
        message=_message(text),
        for_followers=bool(for_followers),
    )
    now = timezone.now()
    changes: dict[str, Any] = {"updated_at": now}
    if request.first_response_at is None:
        changes["first_response_at"] = now
        request.first_response_at = now
    ServiceRequest.objects.filter(pk=request.pk).update(**changes)
    request_event_recorded(event=event, kind="public_reply", request=request)
    return event


@transaction.atomic
def service_request_reclassify(
    *,
    request: ServiceRequest,
    actor: User,
    request_type: RequestType | str | int,
    address: Address | int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    expected_version: int | None = None,
) -> RequestEvent:
    """Staff give a request its right type and place in one step (mail to the town's
    request address arrives in the triage type, without a place): the assignment rules
    route it again, its SLA follows the new type, and an internal event records the change.

    The new type must use the request's workflow (its state belongs to it). Without a new
    place, the request keeps its own, which the new type must accept."""
    _require_staff(actor, request)
    new_type = _resolve_type(request_type)
    errors: dict[str, list[str]] = {}
    if new_type.workflow_id != request.request_type.workflow_id:
        errors["request_type"] = [
            _("Ce type suit un autre flux : la requête ne peut pas y être déplacée.")
        ]
    changes: dict[str, Any] = {"request_type": new_type}
    if address is not None or latitude is not None or longitude is not None:
        address_obj, lat, lon, zones, location_errors = _resolve_location(
            new_type, address=address, latitude=latitude, longitude=longitude
        )
        errors.update(location_errors)
        nearest = (
            nearest_address(latitude=lat, longitude=lon)
            if address_obj is None and lat is not None and lon is not None
            else None
        )
        changes.update(
            address=address_obj or nearest,
            address_is_nearest=address_obj is None and nearest is not None,
            latitude=lat,
            longitude=lon,
        )
    else:
        zones = list(request.zones.all())
        has_location = request.address_id is not None or request.latitude is not None
        if new_type.location_required and not has_location:
            errors["location"] = [_("Ce type de requête demande un lieu : indiquez-le.")]
        if not new_type.location_allowed and has_location:
            errors["location"] = [_("Ce type de requête ne demande pas de lieu.")]
    if errors:
        raise ValidationError(errors)
    old_type = request.request_type
    team, assignee, rule = route(new_type, zones)
    changes.update(team=team, assignee=assignee)
    if new_type.sla_hours:
        changes["due_at"] = request.created_at + timedelta(hours=new_type.sla_hours)
    else:
        changes["due_at"] = None
    _conditional_update(
        request,
        expected_version=request.version if expected_version is None else expected_version,
        **changes,
    )
    request.zones.set(zones)
    return RequestEvent.objects.create(
        request=request,
        kind=EventKind.RECLASSIFIED,
        is_public=False,
        actor=actor,
        data={
            "from_type": old_type.code,
            "to_type": new_type.code,
            "team": team.pk,
            **({"assignment_rule": rule.pk} if rule else {}),
        },
    )
