"""Routing a new request with the administrator's assignment rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import Count, Q

from victo_crm.accounts import roles

from .models import AssignmentRule, AssignmentStrategy, RequestType

if TYPE_CHECKING:
    from victo_crm.accounts.models import Team, User
    from victo_crm.places.models import Zone


def matching_rule(request_type: RequestType, zones: Sequence[Zone]) -> AssignmentRule | None:
    """The first active rule, in the administrator's order, whose type, group and zone all
    match (an empty criterion matches anything)."""
    from .configuration import catalogue

    zone_ids = {zone.pk for zone in zones}
    for rule in catalogue().assignment_rules:
        if rule.request_type_id not in (None, request_type.pk):
            continue
        if rule.group_id not in (None, request_type.group_id):
            continue
        if rule.zone_id is None or rule.zone_id in zone_ids:
            return rule
    return None


def _agents(team: Team) -> list[User]:
    return list(
        team.members.filter(is_active=True, groups__name=roles.AGENT).order_by("pk").distinct()
    )


def route(
    request_type: RequestType, zones: Sequence[Zone]
) -> tuple[Team, User | None, AssignmentRule | None]:
    """(team, assignee or None, the rule used) for a new request. Runs inside the submitting
    transaction: a round-robin rule is locked while its turn advances."""
    rule = matching_rule(request_type, zones)
    if rule is None:
        return request_type.team, None, None
    if rule.strategy == AssignmentStrategy.TEAM_ONLY:
        return rule.team, None, rule
    agents = _agents(rule.team)
    if not agents:
        return rule.team, None, rule
    if rule.strategy == AssignmentStrategy.ROUND_ROBIN:
        locked = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
        ids = [agent.pk for agent in agents]
        after = locked.last_assignee_id
        following = [pk for pk in ids if after is None or pk > after]
        chosen_id = following[0] if following else ids[0]
        AssignmentRule.objects.filter(pk=rule.pk).update(last_assignee_id=chosen_id)
        return rule.team, next(a for a in agents if a.pk == chosen_id), rule
    # Least loaded: fewest open requests assigned; ties go to the lowest id, deterministically.
    loads = dict(
        rule.team.members.filter(pk__in=[a.pk for a in agents])
        .annotate(
            open_count=Count(
                "assigned_requests", filter=Q(assigned_requests__state__is_final=False)
            )
        )
        .values_list("pk", "open_count")
    )
    chosen = min(agents, key=lambda agent: (loads.get(agent.pk, 0), agent.pk))
    return rule.team, chosen, rule
