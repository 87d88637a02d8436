"""Bulk actions: each item through the same service; a refusal never blocks the others."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.desk.conftest import client_for, transition
from victo_crm.service_requests.bulk import (
    service_requests_bulk_assign,
    service_requests_bulk_transition,
)
from victo_crm.service_requests.models import ServiceRequest
from victo_crm.service_requests.services import service_request_transition

pytestmark = pytest.mark.django_db


def loaded(*requests):
    return list(
        ServiceRequest.objects.select_related("state")
        .filter(pk__in=[r.pk for r in requests])
        .order_by("pk")
    )


class TestBulkTransition:
    def test_moves_the_ones_it_can_and_reports_why_the_others_were_refused(
        self, submit, agent, teams
    ):
        a, b, closed, elsewhere = submit(), submit(), submit(), submit()
        service_request_transition(
            request=closed, transition=transition("recue", "resolue"), actor=agent
        )
        ServiceRequest.objects.filter(pk=elsewhere.pk).update(team=teams["env"])

        report = service_requests_bulk_transition(
            requests=loaded(a, b, closed, elsewhere), actor=agent, to_state="en-analyse"
        )

        assert report.done == [a.reference, b.reference]
        refused = dict(report.refused)
        assert set(refused) == {closed.reference, elsewhere.reference}
        assert "depuis l’état «\u00a0Résolue\u00a0»" in refused[closed.reference]
        assert "autre équipe" in refused[elsewhere.reference]
        states = dict(ServiceRequest.objects.values_list("reference", "state__code"))
        assert states[a.reference] == states[b.reference] == "en-analyse"
        assert states[closed.reference] == "resolue" and states[elsewhere.reference] == "recue"

    def test_a_required_comment_missing_refuses_each_item_with_the_reason(self, submit, agent):
        a = submit()
        report = service_requests_bulk_transition(
            requests=loaded(a), actor=agent, to_state="fermee-sans-suite"
        )
        assert report.done == [] and "commentaire est obligatoire" in report.refused[0][1]


class TestBulkAssign:
    def test_assigns_every_request_in_scope(self, submit, agent, other_agent, teams):
        a, b = submit(), submit()
        report = service_requests_bulk_assign(requests=loaded(a, b), actor=agent, assignee=agent)
        assert report.done == [a.reference, b.reference] and report.refused == []
        refused = service_requests_bulk_assign(requests=loaded(a), actor=other_agent, assignee=None)
        assert refused.done == [] and refused.refused[0][0] == a.reference


class TestTheBulkForm:
    def test_the_report_lists_the_refusals(self, submit, agent):
        a, closed = submit(), submit()
        service_request_transition(
            request=closed, transition=transition("recue", "resolue"), actor=agent
        )
        response = client_for(agent).post(
            "/bureau/actions-groupees/",
            {
                "action": "transition",
                "to_state": "en-analyse",
                "ids": [a.pk, closed.pk],
                "comment": "",
            },
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "1 requête traitée" in html and "1 refusée" in html
        assert closed.reference in html and "Résolue" in html

    def test_no_request_is_read_again_one_relation_at_a_time(self, submit, agent):
        """The form loads the checked requests with what their notices are worded from; the
        transitions hand them to the outbox as they are: resolving four requests (the
        requester is told) reads no more users, types or addresses one by one than two."""

        def move(count: int) -> list[str]:
            ids = [submit().pk for _ in range(count)]
            client = client_for(agent)
            with CaptureQueriesContext(connection) as queries:
                response = client.post(
                    "/bureau/actions-groupees/",
                    {"action": "transition", "to_state": "resolue", "ids": ids, "comment": ""},
                )
            assert f"{count} requêtes traitées" in response.content.decode()
            return [q["sql"] for q in queries]

        lone = re.compile(
            r'^SELECT .* FROM "(accounts_user|service_requests_requesttype|places_address)"'
            r' WHERE "\1"\."id" = '
        )
        two, four = (
            [sql for sql in move(count) if lone.match(sql) and " JOIN " not in sql]
            for count in (2, 4)
        )
        assert len(four) == len(two), four

    def test_nothing_checked_is_explained(self, agent):
        response = client_for(agent).post("/bureau/actions-groupees/", {"action": "assign"})
        assert (
            response.status_code == 400
            and "Cochez au moins une requête" in response.content.decode()
        )
