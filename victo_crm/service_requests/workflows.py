"""The workflow engine's rules: a valid graph, and who may fire what.

``validate_graph`` works on plain values so the admin can check a workflow as it is being
edited (states and transitions not yet saved) with the same code that checks a saved one.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from victo_crm.accounts import roles

if TYPE_CHECKING:
    from victo_crm.accounts.models import User

    from .models import ServiceRequest, Transition


@dataclass(frozen=True)
class StateNode:
    key: object  # a pk, or any token standing for a state not yet saved
    label: str
    is_initial: bool
    is_final: bool
    role: str = ""  # a StateRole value, or "" for none


def validate_graph(
    states: Iterable[StateNode], edges: Iterable[tuple[object, object]]
) -> list[str]:
    """Return the reasons a workflow graph is broken (empty when it is sound)."""
    states = list(states)
    edges = list(edges)
    errors: list[str] = []
    if not states:
        return [_("Le flux doit compter au moins un état.")]
    by_key = {state.key: state for state in states}
    initial = [s for s in states if s.is_initial]
    finals = [s for s in states if s.is_final]
    if len(initial) != 1:
        errors.append(
            _("Le flux doit avoir exactement un état initial (il en a %(count)d).")
            % {"count": len(initial)}
        )
    if not finals:
        errors.append(_("Le flux doit avoir au moins un état final."))
    for state in states:
        if state.is_initial and state.is_final:
            errors.append(
                _("L’état « %(state)s » ne peut pas être à la fois initial et final.")
                % {"state": state.label}
            )
    outgoing: dict[object, set[object]] = defaultdict(set)
    incoming: dict[object, set[object]] = defaultdict(set)
    for source, target in edges:
        if source not in by_key or target not in by_key:
            errors.append(_("Une transition relie un état qui n’appartient pas à ce flux."))
            continue
        if source == target:
            errors.append(
                _("Une transition ne peut pas partir et arriver au même état (« %(state)s »).")
                % {"state": by_key[source].label}
            )
        outgoing[source].add(target)
        incoming[target].add(source)
    errors += _role_errors(states, incoming)
    if len(initial) == 1:
        reachable = _walk(initial[0].key, outgoing)
        unreachable = [s.label for s in states if s.key not in reachable]
        if unreachable:
            errors.append(
                _("États impossibles à atteindre depuis l’état initial : %(states)s.")
                % {"states": ", ".join(unreachable)}
            )
    if finals:
        can_finish: set[object] = set()
        for final in finals:
            can_finish |= _walk(final.key, incoming)
        stuck = [s.label for s in states if s.key not in can_finish]
        if stuck:
            errors.append(
                _("Aucun état final n’est atteignable depuis : %(states)s.")
                % {"states": ", ".join(stuck)}
            )
    return errors


def _role_errors(states: list[StateNode], incoming: dict[object, set[object]]) -> list[str]:
    """A role names the one state the code goes to for it (reopen, merge), so it must be
    unique in the workflow and fit its use."""
    from .models import StateRole

    errors: list[str] = []
    by_key = {state.key: state for state in states}
    for role in StateRole:
        holders = [s for s in states if s.role == role.value]
        if len(holders) > 1:
            errors.append(
                _("Un seul état peut avoir le rôle « %(role)s » (ici : %(states)s).")
                % {"role": role.label, "states": ", ".join(s.label for s in holders)}
            )
    for state in states:
        if state.role == StateRole.REOPENED:
            if state.is_final:
                errors.append(
                    _("L’état de réouverture « %(state)s » ne peut pas être final.")
                    % {"state": state.label}
                )
            elif not any(by_key[source].is_final for source in incoming.get(state.key, ())):
                errors.append(
                    _(
                        "Aucune transition ne mène d’un état final à l’état de réouverture "
                        "« %(state)s »."
                    )
                    % {"state": state.label}
                )
        elif state.role == StateRole.DUPLICATE and not state.is_final:
            errors.append(
                _("L’état des doublons « %(state)s » doit être final.") % {"state": state.label}
            )
    return errors


def _walk(start: object, graph: dict[object, set[object]]) -> set[object]:
    seen = {start}
    queue = deque([start])
    while queue:
        for nxt in graph.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


# --- Who may fire what -------------------------------------------------------------------------


def staff_may_act_on(user: User, request: ServiceRequest) -> bool:
    """Staff act on their team's requests and on those an administrator opened to them for
    acting (access grants); administrators on all of them."""
    # The staff scope is the one place that decides, so lists, pages and writes agree.
    from .scope import staff_scope

    return staff_scope(user).may_act(request)


def transition_refusal(user: User | None, request: ServiceRequest, transition: Transition) -> str:
    """Why ``user`` may not fire ``transition`` on ``request`` now ("" when they may)."""
    if transition.workflow_id != request.state.workflow_id:
        return _("Cette action n’appartient pas au flux de cette requête.")
    if transition.from_state_id != request.state_id:
        return _("L’action « %(action)s » n’est pas possible depuis l’état « %(state)s ».") % {
            "action": transition.label,
            "state": request.state.label,
        }
    if user is None or not user.is_authenticated:
        return _("Vous devez être connecté pour faire cette action.")
    if roles.is_administrator(user):
        return ""
    if transition.citizen_may_fire and request.citizen_id == user.pk:
        return ""
    allowed = {group.name for group in transition.allowed_groups.all()}
    if not (allowed & roles.role_names(user)):
        return _("Votre rôle ne permet pas l’action « %(action)s ».") % {"action": transition.label}
    if not staff_may_act_on(user, request):
        return _("Cette requête relève d’une autre équipe que la vôtre.")
    return ""


def available_transitions(user: User, request: ServiceRequest) -> list[Transition]:
    from .models import Transition

    candidates = (
        Transition.objects.filter(from_state_id=request.state_id)
        .select_related("from_state", "to_state")
        .prefetch_related("allowed_groups")
    )
    return [t for t in candidates if not transition_refusal(user, request, t)]
