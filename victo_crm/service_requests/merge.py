"""Merging duplicates: several citizens report the same pothole; one request survives.

The duplicates move to the workflow's duplicate state (``StateRole.DUPLICATE``, whatever
its code) through the engine (so the state change, its event and its notifications are the
usual ones), point at the survivor, and their citizens follow the survivor from then on and are told where to look.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from victo_crm.core.errors import TransitionNotAllowed

from . import workflows
from .hooks import request_event_recorded
from .models import (
    EventKind,
    RequestEvent,
    RequestFollower,
    ServiceRequest,
    StateRole,
    Transition,
)
from .services import service_request_transition

if TYPE_CHECKING:
    from victo_crm.accounts.models import User

MAX_DUPLICATES = 50


def _to_duplicate_transition(request: ServiceRequest) -> Transition | None:
    return (
        Transition.objects.select_related("from_state", "to_state")
        .prefetch_related("allowed_groups")
        .filter(from_state_id=request.state_id, to_state__role=StateRole.DUPLICATE)
        .first()
    )


def _default_note(survivor: ServiceRequest, language: str) -> str:
    with translation.override(language):
        return _(
            "Cette requête signale le même problème que la requête %(reference)s : elles ont "
            "été jumelées. Vous recevrez les nouvelles de la requête %(reference)s."
        ) % {"reference": survivor.reference}


@transaction.atomic
def service_requests_merge(
    *,
    survivor: ServiceRequest,
    duplicates: Sequence[ServiceRequest],
    actor: User,
    note: str = "",
) -> list[RequestEvent]:
    """Merge ``duplicates`` into ``survivor``; all of them or none.

    Each duplicate must be open, in the actor's scope, and have a transition to the
    duplicate state (its role, whatever its code) the actor may fire. Returns the MERGE events written on the duplicates.
    """
    if not workflows.staff_may_act_on(actor, survivor):
        raise TransitionNotAllowed(_("Vous ne pouvez pas modifier cette requête."))
    survivor = (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("state")
        .get(pk=survivor.pk)
    )
    if survivor.state.is_final:
        raise ValidationError(
            {"survivor": [_("La requête conservée doit être ouverte.")]}, code="survivor_closed"
        )
    seen: set[int] = set()
    dups: list[ServiceRequest] = []
    for dup in duplicates:
        if dup.pk == survivor.pk:
            raise ValidationError(
                {"duplicates": [_("Une requête ne peut pas être jumelée à elle-même.")]}
            )
        if dup.pk not in seen:
            seen.add(dup.pk)
            dups.append(dup)
    if not dups:
        raise ValidationError({"duplicates": [_("Choisissez au moins un doublon.")]})
    if len(dups) > MAX_DUPLICATES:
        raise ValidationError(
            {"duplicates": [_("Au plus %(count)d doublons à la fois.") % {"count": MAX_DUPLICATES}]}
        )
    note = (note or "").strip()
    events: list[RequestEvent] = []
    duplicate_refs: list[str] = []
    locked = (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("state", "citizen")
        .filter(pk__in=[d.pk for d in dups])
        .order_by("pk")
    )
    for dup in locked:
        if not workflows.staff_may_act_on(actor, dup):
            raise TransitionNotAllowed(
                _("La requête %(reference)s relève d’une autre équipe que la vôtre.")
                % {"reference": dup.reference}
            )
        transition = _to_duplicate_transition(dup)
        if transition is None:
            raise ValidationError(
                {
                    "duplicates": [
                        _(
                            "La requête %(reference)s (état « %(state)s ») ne peut pas être "
                            "marquée comme doublon."
                        )
                        % {"reference": dup.reference, "state": dup.state.label}
                    ]
                }
            )
        public_note = note or _default_note(survivor, dup.language)
        service_request_transition(
            request=dup, transition=transition, actor=actor, comment=public_note
        )
        ServiceRequest.objects.filter(pk=dup.pk).update(merged_into=survivor)
        dup.merged_into = survivor
        # The duplicate's requester (and its own followers) now follow the survivor.
        followers = {dup.citizen_id} if dup.citizen_id else set()
        followers |= set(dup.followers.values_list("user_id", flat=True))
        if survivor.citizen_id is not None:
            followers.discard(survivor.citizen_id)
        for user_id in sorted(f for f in followers if f is not None):
            RequestFollower.objects.get_or_create(request=survivor, user_id=user_id)
        event = RequestEvent.objects.create(
            request=dup,
            kind=EventKind.MERGE,
            is_public=True,
            actor=actor,
            message=public_note,
            data={"survivor": survivor.reference, "survivor_id": survivor.pk},
        )
        request_event_recorded(event=event, kind="request_merged", request=dup)
        events.append(event)
        duplicate_refs.append(dup.reference)
    RequestEvent.objects.create(
        request=survivor,
        kind=EventKind.MERGE,
        is_public=False,
        actor=actor,
        message=note,
        data={"duplicates": duplicate_refs},
    )
    return events
