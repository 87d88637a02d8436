"""Assignment rules route new requests without code."""

from __future__ import annotations

import pytest

from tests.conftest import CENTRE_LAT, CENTRE_LON, make_user
from victo_crm.accounts import roles
from victo_crm.service_requests.models import AssignmentRule, AssignmentStrategy
from victo_crm.service_requests.services import service_request_submit

pytestmark = pytest.mark.django_db


def submit(request_type, citizen):
    return service_request_submit(
        request_type=request_type,
        citizen=citizen,
        field_values={"taille": "petit"},
        latitude=CENTRE_LAT,
        longitude=CENTRE_LON,
    )


def test_without_a_rule_the_type_team_takes_it_unassigned(request_type, citizen, town):
    request = submit(request_type, citizen)
    assert (request.team, request.assignee) == (request_type.team, None)


def test_a_zone_rule_sends_it_to_another_team(request_type, citizen, town, teams):
    AssignmentRule.objects.create(name="Ouest → Env", zone=town["west"], team=teams["env"])
    AssignmentRule.objects.create(name="Est → TP", zone=town["east"], team=teams["tp"], order=1)
    assert submit(request_type, citizen).team == teams["env"]


def test_rules_are_tried_in_order_and_inactive_ones_ignored(request_type, citizen, town, teams):
    AssignmentRule.objects.create(
        name="off", request_type=request_type, team=teams["env"], is_active=False
    )
    AssignmentRule.objects.create(name="type", request_type=request_type, team=teams["tp"], order=2)
    AssignmentRule.objects.create(
        name="group", group=request_type.group, team=teams["env"], order=3
    )
    assert submit(request_type, citizen).team == teams["tp"]


def test_round_robin_takes_turns_among_the_team_agents(request_type, citizen, town, teams, agent):
    second = make_user("agent2@victoriaville.ca", role=roles.AGENT, teams=(teams["tp"],))
    make_user("pas-agent@victoriaville.ca", teams=(teams["tp"],))  # a member without the agent role
    AssignmentRule.objects.create(
        name="rr",
        request_type=request_type,
        team=teams["tp"],
        strategy=AssignmentStrategy.ROUND_ROBIN,
    )
    assignees = [submit(request_type, citizen).assignee for _ in range(4)]
    assert assignees == [agent, second, agent, second]


def test_least_loaded_picks_the_agent_with_fewest_open_requests(
    request_type, citizen, town, teams, agent
):
    second = make_user("agent2@victoriaville.ca", role=roles.AGENT, teams=(teams["tp"],))
    AssignmentRule.objects.create(
        name="ll",
        request_type=request_type,
        team=teams["tp"],
        strategy=AssignmentStrategy.LEAST_LOADED,
    )
    first = submit(request_type, citizen)
    assert first.assignee == agent
    assert submit(request_type, citizen).assignee == second
