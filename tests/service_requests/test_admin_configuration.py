"""An administrator configures types and workflows in the admin alone; broken
configurations are refused with their reason and nothing is saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests.conftest import CENTRE_LAT, CENTRE_LON, sign_in
from victo_crm.service_requests.models import (
    RequestType,
    ServiceRequest,
    State,
    Transition,
    Workflow,
)
from victo_crm.service_requests.services import service_request_submit, service_request_transition
from victo_crm.service_requests.workflows import available_transitions

pytestmark = pytest.mark.django_db

STATE_FIELDS = (
    "order",
    "code",
    "label_fr",
    "label_en",
    "citizen_label_fr",
    "citizen_label_en",
    "is_initial",
    "is_final",
    "open311_status",
    "sla_running",
)


def state(
    code: str,
    *,
    initial: bool = False,
    final: bool = False,
    pk: int | None = None,
    delete: bool = False,
    role: str = "",
) -> dict:
    row = {
        "code": code,
        "label_fr": code.capitalize(),
        "label_en": "",
        "citizen_label_fr": code.capitalize(),
        "citizen_label_en": "",
        "open311_status": "closed" if final else "open",
        "sla_running": "on",
        "role": role,
    }
    if initial:
        row["is_initial"] = "on"
    if final:
        row["is_final"] = "on"
    if pk:
        row["id"] = pk
    if delete:
        row["DELETE"] = "on"
    return row


def workflow_post(
    *,
    code: str,
    active: bool,
    states: list[dict],
    transitions: list[tuple],
    workflow: Workflow | None = None,
    groups: list[int] = (),
) -> dict[str, Any]:
    """The POST body of the workflow admin page: main form + both inline formsets."""
    data: dict[str, Any] = {
        "code": code,
        "name_fr": f"Flux {code}",
        "name_en": "",
        "description": "",
    }
    if active:
        data["is_active"] = "on"
    saved_states = list(workflow.states.order_by("pk")) if workflow else []
    saved_transitions = list(workflow.transitions.order_by("pk")) if workflow else []
    data.update(
        {
            "states-TOTAL_FORMS": len(states),
            "states-INITIAL_FORMS": len(saved_states),
            "states-MIN_NUM_FORMS": 0,
            "states-MAX_NUM_FORMS": 1000,
            "transitions-TOTAL_FORMS": len(transitions),
            "transitions-INITIAL_FORMS": len(saved_transitions),
            "transitions-MIN_NUM_FORMS": 0,
            "transitions-MAX_NUM_FORMS": 1000,
        }
    )
    for i, row in enumerate(states):
        row = {"order": i + 1, **row}
        if workflow and i < len(saved_states):
            row.setdefault("id", saved_states[i].pk)
            row["workflow"] = workflow.pk
        for key, value in row.items():
            data[f"states-{i}-{key}"] = value
    for i, (src, dst, label, *flags) in enumerate(transitions):
        prefix = f"transitions-{i}-"
        data.update(
            {
                prefix + "order": i + 1,
                prefix + "from_code": src,
                prefix + "to_code": dst,
                prefix + "label_fr": label,
                prefix + "label_en": "",
                prefix + "allowed_groups": list(groups),
            }
        )
        if workflow and i < len(saved_transitions):
            data[prefix + "id"] = saved_transitions[i].pk
            data[prefix + "workflow"] = workflow.pk
        if "comment" in flags:
            data[prefix + "comment_required"] = "on"
        if "delete" in flags:
            data[prefix + "DELETE"] = "on"
        data[prefix + "notify_citizen"] = "on"
    return data


FOUR_STATES = [
    state("nouvelle", initial=True),
    state("inspection"),
    state("travaux"),
    state("terminee", final=True),
]
FOUR_TRANSITIONS = [
    ("nouvelle", "inspection", "Inspecter"),
    ("inspection", "travaux", "Planifier les travaux"),
    ("travaux", "terminee", "Terminer"),
    ("inspection", "terminee", "Rien à faire", "comment"),
]


def errors_of(response) -> str:
    """Every error message the admin page shows, as one text."""
    assert response.status_code == 200, "the page should be shown again with errors"
    texts = []
    for formset in response.context["inline_admin_formsets"]:
        texts.extend(str(e) for e in formset.formset.non_form_errors())
        for form_errors in formset.formset.errors:
            texts.extend(str(v) for v in form_errors.values())
    texts.extend(str(v) for v in response.context["adminform"].form.errors.values())
    return " ".join(texts)


@pytest.fixture
def admin_client(client, administrator):
    sign_in(client, administrator)
    return client


@pytest.fixture
def agent_group_ids(db):
    from django.contrib.auth.models import Group

    return [Group.objects.get(name=name).pk for name in ("agent", "supervisor")]


class TestAnAdministratorBuildsATypeAndWorkflowInTheAdminAlone:
    def test_end_to_end(
        self, admin_client, agent_group_ids, teams, agent, other_agent, citizen, town
    ):
        add_workflow = reverse("admin:service_requests_workflow_add")
        response = admin_client.post(
            add_workflow,
            workflow_post(
                code="inspection",
                active=True,
                states=FOUR_STATES,
                transitions=FOUR_TRANSITIONS,
                groups=agent_group_ids,
            ),
        )
        assert response.status_code == 302, errors_of(response)
        workflow = Workflow.objects.get(code="inspection")
        assert (
            workflow.is_active
            and workflow.states.count() == 4
            and workflow.transitions.count() == 4
        )

        from victo_crm.service_requests.models import RequestGroup

        group = RequestGroup.objects.create(code="voirie", name_fr="Rues")
        fields = [
            {
                "code": "poteau",
                "label_fr": "Numéro du poteau",
                "datatype": "string",
                "required": "on",
                "order": 1,
            },
            {"code": "hauteur", "label_fr": "Hauteur (m)", "datatype": "number", "order": 2},
            {
                "code": "etat",
                "label_fr": "État",
                "datatype": "singlevaluelist",
                "order": 3,
                "choices": "eteint | Éteint | Off\nclignote | Clignote | Flickering",
            },
        ]
        data = {
            "code": "lampadaire",
            "name_fr": "Lampadaire défectueux",
            "name_en": "Street light out",
            "group": group.pk,
            "team": teams["tp"].pk,
            "workflow": workflow.pk,
            "sla_hours": 48,
            "default_priority": 2,
            "location_required": "on",
            "location_allowed": "on",
            "photos_allowed": "on",
            "is_active": "on",
            "order": 0,
            "keywords": "lumière, poteau",
            "public_visibility": "published",
            "fields-TOTAL_FORMS": 3,
            "fields-INITIAL_FORMS": 0,
            "fields-MIN_NUM_FORMS": 0,
            "fields-MAX_NUM_FORMS": 1000,
        }
        for i, field in enumerate(fields):
            data.update({f"fields-{i}-{k}": v for k, v in field.items()})
        # A sensitive type cannot be published: refused with a message, nothing saved.
        refused = admin_client.post(
            reverse("admin:service_requests_requesttype_add"), {**data, "is_sensitive": "on"}
        )
        assert refused.status_code == 200
        assert "Un type sensible n’est jamais publié" in errors_of(refused)
        assert not RequestType.objects.filter(code="lampadaire").exists()
        response = admin_client.post(reverse("admin:service_requests_requesttype_add"), data)
        assert response.status_code == 302, errors_of(response)
        rtype = RequestType.objects.get(code="lampadaire")
        assert [f.code for f in rtype.fields.all()] == ["poteau", "hauteur", "etat"]
        assert rtype.public_visibility == "published" and not rtype.is_sensitive

        request = service_request_submit(
            request_type=rtype,
            citizen=citizen,
            field_values={"poteau": "P-1234", "etat": "eteint"},
            latitude=CENTRE_LAT,
            longitude=CENTRE_LON,
        )
        assert request.state.code == "nouvelle"
        first = Transition.objects.get(workflow=workflow, from_state__code="nouvelle")
        for refused in (other_agent, citizen):
            with pytest.raises(PermissionDenied):
                service_request_transition(request=request, transition=first, actor=refused)
            assert ServiceRequest.objects.get(pk=request.pk).state.code == "nouvelle"
        for _src, dst in (
            ("nouvelle", "inspection"),
            ("inspection", "travaux"),
            ("travaux", "terminee"),
        ):
            (t,) = [t for t in available_transitions(agent, request) if t.to_state.code == dst]
            service_request_transition(request=request, transition=t, actor=agent)
        assert ServiceRequest.objects.get(pk=request.pk).state.code == "terminee"

    def test_a_draft_may_be_incomplete_then_activated(self, admin_client, agent_group_ids):
        add = reverse("admin:service_requests_workflow_add")
        response = admin_client.post(
            add,
            workflow_post(code="brouillon", active=False, states=FOUR_STATES[:2], transitions=[]),
        )
        assert response.status_code == 302, errors_of(response)
        workflow = Workflow.objects.get(code="brouillon")
        change = reverse("admin:service_requests_workflow_change", args=[workflow.pk])
        response = admin_client.post(
            change,
            workflow_post(
                code="brouillon",
                active=True,
                workflow=workflow,
                groups=agent_group_ids,
                states=[*FOUR_STATES[:2], state("fin", final=True)],
                transitions=[
                    ("nouvelle", "inspection", "Inspecter"),
                    ("inspection", "fin", "Finir"),
                ],
            ),
        )
        assert response.status_code == 302, errors_of(response)
        workflow.refresh_from_db()
        assert workflow.is_active and workflow.states.count() == 3


class TestBrokenWorkflowsAreRefusedWithTheirReason:
    @pytest.mark.parametrize(
        ("states", "transitions", "reason"),
        [
            (
                [state("a"), state("b", final=True)],
                [("a", "b", "x")],
                "exactement un état initial (il en a 0)",
            ),
            (
                [state("a", initial=True), state("b", initial=True), state("c", final=True)],
                [("a", "c", "x"), ("b", "c", "y")],
                "exactement un état initial (il en a 2)",
            ),
            ([state("a", initial=True), state("b")], [("a", "b", "x")], "au moins un état final"),
            (
                [state("a", initial=True), state("b"), state("c", final=True)],
                [("a", "c", "x"), ("b", "c", "y")],
                "États impossibles à atteindre depuis l’état initial\u00a0: B.",
            ),
            (
                [state("a", initial=True), state("b"), state("c", final=True)],
                [("a", "b", "x"), ("a", "c", "y")],
                "Aucun état final n’est atteignable depuis\u00a0: B.",
            ),
            (
                [state("a", initial=True), state("b", final=True)],
                [("a", "b", "x"), ("a", "b", "y")],
                "Deux transitions relient les mêmes états",
            ),
            (
                [state("a", initial=True), state("b", final=True)],
                [("a", "a", "x"), ("a", "b", "y")],
                "ne peut pas partir et arriver au même état",
            ),
            ([state("a", initial=True, final=True)], [], "à la fois initial et final"),
            (
                [state("a", initial=True), state("b", final=True, role="reopened")],
                [("a", "b", "x")],
                "L’état de réouverture «\u00a0B\u00a0» ne peut pas être final.",
            ),
            (
                [state("a", initial=True, role="reopened"), state("b", final=True)],
                [("a", "b", "x")],
                "Aucune transition ne mène d’un état final à l’état de réouverture «\u00a0A\u00a0».",
            ),
            (
                [state("a", initial=True), state("b", role="duplicate"), state("c", final=True)],
                [("a", "b", "x"), ("b", "c", "y")],
                "L’état des doublons «\u00a0B\u00a0» doit être final.",
            ),
            (
                [
                    state("a", initial=True),
                    state("b", final=True, role="duplicate"),
                    state("c", final=True, role="duplicate"),
                ],
                [("a", "b", "x"), ("a", "c", "y")],
                "Un seul état par rôle\u00a0: «\u00a0doublon\u00a0: où vont les requêtes jumelées à une autre\u00a0».",
            ),
            ([state("a", initial=True), state("a", final=True)], [], "en double dans code"),
        ],
    )
    def test_on_creation(self, admin_client, agent_group_ids, states, transitions, reason):
        response = admin_client.post(
            reverse("admin:service_requests_workflow_add"),
            workflow_post(
                code="casse",
                active=True,
                states=states,
                transitions=transitions,
                groups=agent_group_ids,
            ),
        )
        assert reason in errors_of(response)
        assert not Workflow.objects.filter(code="casse").exists()
        assert not State.objects.filter(code__in=["a", "b", "c"]).exists()

    def test_a_transition_to_a_state_of_another_workflow(self, admin_client, default_workflow):
        response = admin_client.post(
            reverse("admin:service_requests_workflow_add"),
            workflow_post(
                code="casse",
                active=True,
                states=[state("a", initial=True), state("b", final=True)],
                transitions=[("a", "resolue", "x"), ("a", "b", "y")],
            ),
        )
        assert "n’est pas dans ce flux (ou qui est supprimé)\u00a0: resolue." in errors_of(response)
        assert not Workflow.objects.filter(code="casse").exists()

    def test_a_state_that_requests_are_in_cannot_be_deleted(
        self, admin_client, default_workflow, request_type, citizen, town
    ):
        service_request_submit(
            request_type=request_type,
            citizen=citizen,
            field_values={"taille": "petit"},
            latitude=CENTRE_LAT,
            longitude=CENTRE_LON,
        )
        states = [
            state(s.code, initial=s.is_initial, final=s.is_final, delete=s.code == "recue")
            for s in default_workflow.states.order_by("pk")
        ]
        transitions = [
            (t.from_state.code, t.to_state.code, t.label_fr)
            for t in default_workflow.transitions.order_by("pk")
        ]
        response = admin_client.post(
            reverse("admin:service_requests_workflow_change", args=[default_workflow.pk]),
            workflow_post(
                code="default",
                active=True,
                workflow=default_workflow,
                states=states,
                transitions=transitions,
            ),
        )
        assert "ne peut pas être supprimé\u00a0: 1 requêtes s’y trouvent" in errors_of(response)
        assert default_workflow.states.filter(code="recue").exists()

    def test_removing_the_only_way_out_of_a_state_is_refused(self, admin_client, default_workflow):
        states = [
            state(s.code, initial=s.is_initial, final=s.is_final)
            for s in default_workflow.states.order_by("pk")
        ]
        transitions = [
            (
                t.from_state.code,
                t.to_state.code,
                t.label_fr,
                *(["delete"] if t.from_state.code == "en-cours" else []),
            )
            for t in default_workflow.transitions.order_by("pk")
        ]
        response = admin_client.post(
            reverse("admin:service_requests_workflow_change", args=[default_workflow.pk]),
            workflow_post(
                code="default",
                active=True,
                workflow=default_workflow,
                states=states,
                transitions=transitions,
            ),
        )
        assert "Aucun état final n’est atteignable depuis\u00a0: En-cours." in errors_of(response)
        assert default_workflow.transitions.filter(from_state__code="en-cours").count() == 2

    def test_a_workflow_in_use_cannot_go_back_to_draft(
        self, admin_client, default_workflow, request_type
    ):
        states = [
            state(s.code, initial=s.is_initial, final=s.is_final)
            for s in default_workflow.states.order_by("pk")
        ]
        transitions = [
            (t.from_state.code, t.to_state.code, t.label_fr)
            for t in default_workflow.transitions.order_by("pk")
        ]
        response = admin_client.post(
            reverse("admin:service_requests_workflow_change", args=[default_workflow.pk]),
            workflow_post(
                code="default",
                active=False,
                workflow=default_workflow,
                states=states,
                transitions=transitions,
            ),
        )
        assert "ne peut pas redevenir un brouillon" in errors_of(response)

    def test_a_type_cannot_use_a_draft_workflow(self, admin_client, teams):
        from victo_crm.service_requests.models import RequestGroup

        draft = Workflow.objects.create(code="ebauche", name_fr="Ébauche")
        group = RequestGroup.objects.create(code="g", name_fr="G")
        response = admin_client.post(
            reverse("admin:service_requests_requesttype_add"),
            {
                "code": "t",
                "name_fr": "T",
                "group": group.pk,
                "team": teams["tp"].pk,
                "workflow": draft.pk,
                "default_priority": 2,
                "order": 0,
                "fields-TOTAL_FORMS": 0,
                "fields-INITIAL_FORMS": 0,
                "fields-MIN_NUM_FORMS": 0,
                "fields-MAX_NUM_FORMS": 1000,
            },
        )
        assert response.status_code == 200
        assert not RequestType.objects.filter(code="t").exists()


class TestBrokenFieldDefinitionsAreRefused:
    @pytest.mark.parametrize(
        ("fields", "reason"),
        [
            (
                [{"code": "c", "label_fr": "C", "datatype": "singlevaluelist", "order": 1}],
                "au moins un choix",
            ),
            (
                [
                    {
                        "code": "c",
                        "label_fr": "C",
                        "datatype": "singlevaluelist",
                        "order": 1,
                        "choices": "a|A\na|B",
                    }
                ],
                "Codes de choix en double\u00a0: a.",
            ),
            (
                [
                    {
                        "code": "c",
                        "label_fr": "C",
                        "datatype": "string",
                        "order": 1,
                        "choices": "a|A",
                    }
                ],
                "Seules les listes",
            ),
            (
                [
                    {"code": "c", "label_fr": "C", "datatype": "string", "order": 1},
                    {"code": "d", "label_fr": "D", "datatype": "string", "order": 1},
                ],
                "ordre différent",
            ),
            ([{"code": "c", "label_fr": "C", "datatype": "string", "order": 0}], "entier positif"),
        ],
    )
    def test_field_definition_errors(self, admin_client, teams, default_workflow, fields, reason):
        from victo_crm.service_requests.models import RequestGroup

        group = RequestGroup.objects.create(code="g", name_fr="G")
        data = {
            "code": "t",
            "name_fr": "T",
            "group": group.pk,
            "team": teams["tp"].pk,
            "workflow": default_workflow.pk,
            "default_priority": 2,
            "order": 0,
            "location_allowed": "on",
            "fields-TOTAL_FORMS": len(fields),
            "fields-INITIAL_FORMS": 0,
            "fields-MIN_NUM_FORMS": 0,
            "fields-MAX_NUM_FORMS": 1000,
        }
        for i, field in enumerate(fields):
            data.update({f"fields-{i}-{k}": v for k, v in field.items()})
        response = admin_client.post(reverse("admin:service_requests_requesttype_add"), data)
        assert reason in errors_of(response)
        assert not RequestType.objects.filter(code="t").exists()


def test_the_admin_speaks_french(admin_client):
    response = admin_client.get(reverse("admin:service_requests_workflow_add"))
    content = response.content.decode()
    assert "Ajout de flux de travail" in content
    assert "état initial" in content
