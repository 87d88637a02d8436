"""Reopen and merge find their target state by its role, not by a code an administrator may
rename; the roles are checked with the workflow graph."""

from __future__ import annotations

import pytest

from tests.notifications.helpers import submit, transition
from victo_crm.service_requests.citizen import service_request_reopen
from victo_crm.service_requests.merge import service_requests_merge
from victo_crm.service_requests.models import ServiceRequest, State, StateRole
from victo_crm.service_requests.services import service_request_transition
from victo_crm.service_requests.workflows import StateNode, validate_graph


def rename(code: str, new_code: str) -> None:
    state = State.objects.get(workflow__code="default", code=code)
    state.code, state.label_fr = new_code, new_code.capitalize()
    state.save()  # through save(): the configuration kept in memory is forgotten


def fresh(request: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_related("state").get(pk=request.pk)


@pytest.mark.django_db
class TestRenamingAStateKeepsItsRole:
    def test_the_seeded_states_carry_their_roles(self, default_workflow):
        roles = dict(default_workflow.states.exclude(role="").values_list("code", "role"))
        assert roles == {"rouverte": StateRole.REOPENED, "doublon": StateRole.DUPLICATE}

    def test_a_citizen_still_reopens_into_the_renamed_state(
        self, request_type, citizen, agent, town
    ):
        rename("rouverte", "a-revoir")
        request = submit(request_type, citizen=citizen)
        service_request_transition(
            request=request, transition=transition("recue", "resolue"), actor=agent
        )
        service_request_reopen(request=fresh(request), citizen=citizen, reason="Toujours là.")
        assert fresh(request).state.code == "a-revoir"

    def test_a_merge_still_sends_duplicates_to_the_renamed_state(
        self, request_type, citizen, other_citizen, agent, town
    ):
        rename("doublon", "jumelee")
        survivor = submit(request_type, citizen=citizen)
        duplicate = submit(request_type, citizen=other_citizen)
        service_requests_merge(survivor=survivor, duplicates=[duplicate], actor=agent)
        merged = fresh(duplicate)
        assert merged.state.code == "jumelee" and merged.merged_into_id == survivor.pk


def node(key: str, *, initial: bool = False, final: bool = False, role: str = "") -> StateNode:
    return StateNode(key, key.capitalize(), initial, final, role)


class TestRolesAreCheckedWithTheGraph:
    def test_a_sound_graph_with_both_roles(self):
        states = [
            node("new", initial=True),
            node("done", final=True),
            node("dup", final=True, role=StateRole.DUPLICATE),
            node("again", role=StateRole.REOPENED),
        ]
        edges = [("new", "done"), ("new", "dup"), ("done", "again"), ("again", "done")]
        assert validate_graph(states, edges) == []

    def test_one_state_per_role(self):
        states = [
            node("new", initial=True),
            node("a", final=True, role=StateRole.DUPLICATE),
            node("b", final=True, role=StateRole.DUPLICATE),
        ]
        errors = validate_graph(states, [("new", "a"), ("new", "b")])
        assert errors == [
            "Un seul état peut avoir le rôle «\u00a0doublon\u00a0: où vont les requêtes jumelées à une "
            "autre\u00a0» (ici\u00a0: A, B)."
        ]

    def test_a_reopen_state_is_open_and_entered_from_a_final_state(self):
        states = [node("new", initial=True), node("done", final=True, role=StateRole.REOPENED)]
        assert validate_graph(states, [("new", "done")]) == [
            "L’état de réouverture «\u00a0Done\u00a0» ne peut pas être final."
        ]
        states = [node("new", initial=True, role=StateRole.REOPENED), node("done", final=True)]
        assert validate_graph(states, [("new", "done")]) == [
            "Aucune transition ne mène d’un état final à l’état de réouverture «\u00a0New\u00a0»."
        ]

    def test_the_duplicate_state_is_final(self):
        states = [
            node("new", initial=True),
            node("dup", role=StateRole.DUPLICATE),
            node("done", final=True),
        ]
        assert validate_graph(states, [("new", "dup"), ("dup", "done")]) == [
            "L’état des doublons «\u00a0Dup\u00a0» doit être final."
        ]
