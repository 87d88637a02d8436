"""What a citizen does to a request after filing it: comment, add photos, follow, reopen,
rate; and the requests filed as a guest that join the account once its e-mail is verified. The portal and the mobile API call these; staff actions are in ``services``.

Every function takes keyword arguments only and raises ``ValidationError`` keyed by field,
with French messages, or ``TransitionNotAllowed`` when the person may not act at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from victo_crm.core.errors import TransitionNotAllowed

from .models import (
    EventKind,
    RequestEvent,
    RequestFollower,
    ServiceRequest,
)
from .selectors import citizen_actions
from .services import (
    MAX_MESSAGE,
    _check_photos,
    _store_attachments,
    service_request_transition,
)

if TYPE_CHECKING:
    from victo_crm.accounts.models import User


@transaction.atomic
def guest_requests_claim(*, user: User, email: str) -> int:
    """Requests filed as a guest with ``email`` join ``user``'s account.

    Called once that e-mail is verified as the user's: only then do we know the person
    reading the account also owns the mailbox the tracking links went to."""
    from allauth.account.models import EmailAddress

    email = (email or "").strip()
    if (
        not email
        or not EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()
    ):
        return 0
    return ServiceRequest.objects.filter(citizen__isnull=True, contact_email__iexact=email).update(
        citizen=user, updated_at=timezone.now()
    )


def _require_requester(request: ServiceRequest, citizen: User | None) -> User:
    if citizen is None or not citizen.is_authenticated or request.citizen_id != citizen.pk:
        raise TransitionNotAllowed(_("Seule la personne qui a fait la requête peut faire ceci."))
    return citizen


def _text(value: str, *, field: str, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: [_("Ce champ est obligatoire.")]})
    if len(text) > MAX_MESSAGE:
        raise ValidationError(
            {
                field: [
                    _("Ce texte est trop long (%(limit)d caractères au maximum).")
                    % {"limit": MAX_MESSAGE}
                ]
            }
        )
    return text


@transaction.atomic
def service_request_comment(*, request: ServiceRequest, citizen: User, text: str) -> RequestEvent:
    """The requester adds a public comment to their request's timeline; the team sees it."""
    _require_requester(request, citizen)
    message = _text(text, field="text")
    event = RequestEvent.objects.create(
        request=request,
        kind=EventKind.CITIZEN_COMMENT,
        is_public=True,
        actor=citizen,
        message=message,
    )
    now = timezone.now()
    ServiceRequest.objects.filter(pk=request.pk).update(citizen_updated_at=now, updated_at=now)
    request.citizen_updated_at = now
    return event


@transaction.atomic
def service_request_add_photos(
    *, request: ServiceRequest, citizen: User, photos: Sequence[Any]
) -> RequestEvent:
    """The requester adds photos to her open request, checked like at submission (content,
    size, count)."""
    _require_requester(request, citizen)
    refusal = citizen_actions(request, citizen).add_photos_refusal
    if refusal:
        raise ValidationError({"photos": [refusal]})
    if not photos:
        raise ValidationError({"photos": [_("Choisissez au moins une photo.")]})
    existing = request.attachments.count()
    images, errors = _check_photos(request.request_type, photos, existing=existing)
    if errors:
        raise ValidationError({"photos": errors})
    event = RequestEvent.objects.create(
        request=request,
        kind=EventKind.ATTACHMENT,
        is_public=True,
        actor=citizen,
        data={"count": len(images)},
    )
    _store_attachments(request, images, event=event, actor=citizen)
    now = timezone.now()
    ServiceRequest.objects.filter(pk=request.pk).update(citizen_updated_at=now, updated_at=now)
    return event


@transaction.atomic
def service_request_message_received(
    *,
    request: ServiceRequest,
    citizen: User | None,
    text: str,
    photos: Sequence[Any] = (),
    channel: str,
    data: dict[str, Any] | None = None,
) -> RequestEvent:
    """The requester wrote from outside the portal (a reply to an e-mail, a text): her words
    and photos go on her request's timeline like a comment, and the request joins the "updated
    by a citizen" queue. ``citizen`` is the requester's account, or None for a guest's request
    (the inbound side has checked that the message came from her address or number).

    Photos are checked like at submission; a refused photo refuses the whole message (the
    caller checks them first and passes only the good ones)."""
    if citizen is not None:
        _require_requester(request, citizen)
    elif request.citizen_id is not None:
        raise TransitionNotAllowed(_("Seule la personne qui a fait la requête peut faire ceci."))
    message = _text(text, field="text", required=not photos)
    images: list[Any] = []
    if photos:
        existing = request.attachments.count()
        images, errors = _check_photos(request.request_type, photos, existing=existing)
        if errors:
            raise ValidationError({"photos": errors})
    event = RequestEvent.objects.create(
        request=request,
        kind=EventKind.CITIZEN_COMMENT if message else EventKind.ATTACHMENT,
        is_public=True,
        actor=citizen,
        message=message,
        data={"channel": channel, **({"count": len(images)} if images else {}), **(data or {})},
    )
    if images:
        _store_attachments(request, images, event=event, actor=citizen)
    now = timezone.now()
    ServiceRequest.objects.filter(pk=request.pk).update(citizen_updated_at=now, updated_at=now)
    request.citizen_updated_at = now
    return event


@transaction.atomic
def service_request_follow(*, request: ServiceRequest, user: User) -> RequestFollower:
    """Follow an open request someone else filed (instead of filing a duplicate).

    Only a request the public may know of (``selectors.public_requests``): following is how
    a stranger comes to read a request, so a type an administrator keeps unpublished, or a
    sensitive one, cannot be followed (the faces answer 404 before calling this)."""
    from .selectors import type_is_published

    if user is None or not user.is_authenticated:
        raise TransitionNotAllowed(_("Connectez-vous pour suivre une requête."))
    if not type_is_published(request.request_type):
        raise ValidationError(
            {"request": [_("Cette requête n’est pas publique : on ne peut pas la suivre.")]}
        )
    if request.citizen_id == user.pk:
        raise ValidationError({"request": [_("C’est votre propre requête : vous la suivez déjà.")]})
    if request.state.is_final or request.merged_into_id:
        raise ValidationError(
            {"request": [_("Cette requête est fermée : on ne peut plus la suivre.")]}
        )
    existing = RequestFollower.objects.filter(request=request, user=user).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return RequestFollower.objects.create(request=request, user=user)
    except IntegrityError:  # a double click: the other one won
        return RequestFollower.objects.get(request=request, user=user)


@transaction.atomic
def service_request_unfollow(*, request: ServiceRequest, user: User) -> bool:
    deleted, _rows = RequestFollower.objects.filter(request=request, user=user).delete()
    return bool(deleted)


def service_request_reopen(*, request: ServiceRequest, citizen: User, reason: str) -> RequestEvent:
    """ "Ce n’est pas réglé": the requester reopens a closed request, with a reason, within
    ``VICTO_REOPEN_DAYS`` days of its closing, through the workflow engine."""
    _require_requester(request, citizen)
    reason = _text(reason, field="reason")
    allowed = citizen_actions(request, citizen)
    if allowed.reopen_transition is None:
        raise ValidationError({"reason": [allowed.reopen_refusal]})
    return service_request_transition(
        request=request, transition=allowed.reopen_transition, actor=citizen, comment=reason
    )


@transaction.atomic
def service_request_rate(
    *, request: ServiceRequest, citizen: User, rating: int | str, comment: str = ""
) -> ServiceRequest:
    """A 1–5 satisfaction rating with an optional comment, once the request is closed; once."""
    _require_requester(request, citizen)
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise ValidationError({"rating": [_("Choisissez une note de 1 à 5.")]})
    comment = _text(comment, field="comment", required=False)
    if not citizen_actions(request, citizen).rate:
        if request.state.is_final:
            raise ValidationError({"rating": [_("Vous avez déjà évalué cette requête. Merci !")]})
        raise ValidationError({"rating": [_("Vous pourrez évaluer la requête une fois fermée.")]})
    now = timezone.now()
    updated = ServiceRequest.objects.filter(pk=request.pk, rated_at__isnull=True).update(
        rating=value, rating_comment=comment, rated_at=now, updated_at=now
    )
    if not updated:
        raise ValidationError({"rating": [_("Vous avez déjà évalué cette requête. Merci !")]})
    request.rating, request.rating_comment, request.rated_at = value, comment, now
    return request
