"""Configuration in the admin: reply templates and assignment rules, without code."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.desk.conftest import client_for
from victo_crm.desk.admin import AssignmentRuleForm
from victo_crm.desk.models import CannedResponse
from victo_crm.service_requests.models import AssignmentRule, RequestGroup

pytestmark = pytest.mark.django_db


class TestCannedResponses:
    def test_an_unknown_placeholder_is_refused_with_the_allowed_ones(self):
        canned = CannedResponse(title="x", body_fr="Bonjour {nom}, {reference}")
        with pytest.raises(ValidationError) as error:
            canned.full_clean()
        assert "{nom}" in str(error.value) and "{citizen_name}" in str(error.value)

    def test_administrators_manage_them_in_the_admin(self, administrator):
        client = client_for(administrator)
        response = client.post(
            "/admin/desk/cannedresponse/add/",
            {
                "title": "Réglé",
                "body_fr": "Bonjour {citizen_name}",
                "body_en": "",
                "is_active": "on",
                "order": 0,
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert CannedResponse.objects.filter(title="Réglé").exists()


class TestAssignmentRules:
    def form(self, **data):
        return AssignmentRuleForm(
            data={"name": "Règle", "order": 0, "is_active": "on", "strategy": "team", **data}
        )

    def test_a_team_is_required(self):
        form = self.form()
        assert not form.is_valid() and "team" in form.errors

    def test_a_type_outside_the_chosen_group_is_refused(self, request_type, teams):
        other = RequestGroup.objects.create(code="parcs", name_fr="Parcs")
        form = self.form(team=teams["tp"].pk, request_type=request_type.pk, group=other.pk)
        assert not form.is_valid() and "ne s’appliquerait jamais" in str(form.errors["group"])

    def test_round_robin_needs_agents_in_the_team(self, teams):
        form = self.form(team=teams["env"].pk, strategy="round_robin")
        assert not form.is_valid() and "aucun agent actif" in str(form.errors["strategy"])

    def test_a_zone_rule_with_an_agent_team_is_saved_from_the_admin(
        self, administrator, teams, agent, town
    ):
        response = client_for(administrator).post(
            "/admin/service_requests/assignmentrule/add/",
            {
                "name": "Ouest → TP",
                "order": 1,
                "is_active": "on",
                "zone": town["west"].pk,
                "team": teams["tp"].pk,
                "strategy": "round_robin",
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        # The migrations seed one rule already (mail to the town's address goes to intake).
        assert AssignmentRule.objects.get(name="Ouest → TP").zone == town["west"]
