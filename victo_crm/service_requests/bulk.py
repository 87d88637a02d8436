"""Bulk actions over a selection of requests.

Each item goes through the same service as a single action, in its own transaction: one
refusal (another team's request, an action impossible from its state, a concurrent change)
is reported and never blocks the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import workflows
from .models import ServiceRequest, Transition
from .services import service_request_assign, service_request_transition

if TYPE_CHECKING:
    from victo_crm.accounts.models import Team, User

MAX_BULK = 500


@dataclass
class BulkReport:
    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (reference, reason)

    @property
    def total(self) -> int:
        return len(self.done) + len(self.refused)


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("Action refusée.")


def _each(
    requests: Iterable[ServiceRequest], action: Callable[[ServiceRequest], object]
) -> BulkReport:
    report = BulkReport()
    for request in list(requests)[:MAX_BULK]:
        try:
            with transaction.atomic():
                action(request)
        except (ValidationError, PermissionDenied) as error:
            report.refused.append((request.reference, _reason(error)))
        else:
            report.done.append(request.reference)
    return report


def service_requests_bulk_assign(
    *,
    requests: Iterable[ServiceRequest],
    actor: User,
    team: Team | None = None,
    assignee: User | None = None,
) -> BulkReport:
    """Give every request to ``team`` (or keep its team) and ``assignee`` (or nobody)."""

    def assign(request: ServiceRequest) -> object:
        return service_request_assign(request=request, actor=actor, team=team, assignee=assignee)

    return _each(requests, assign)


def service_requests_bulk_transition(
    *, requests: Iterable[ServiceRequest], actor: User, to_state: str, comment: str = ""
) -> BulkReport:
    """Move every request to the state coded ``to_state`` by the transition its workflow
    defines from the request's current state, where the actor may fire it."""

    def move(request: ServiceRequest) -> object:
        transition = (
            Transition.objects.select_related("from_state", "to_state")
            .prefetch_related("allowed_groups")
            .filter(from_state_id=request.state_id, to_state__code=to_state)
            .first()
        )
        if transition is None:
            raise ValidationError(
                _("Aucune action ne mène à cet état depuis l’état « %(state)s ».")
                % {"state": request.state.label}
            )
        refusal = workflows.transition_refusal(actor, request, transition)
        if refusal:
            raise PermissionDenied(refusal)
        return service_request_transition(
            request=request, transition=transition, actor=actor, comment=comment
        )

    return _each(requests, move)
