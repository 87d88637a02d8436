"""Exports, the map and the dashboard: the filtered selection, within the user's scope."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from tests.desk.conftest import client_for, transition
from victo_crm.desk.dashboard import dashboard_stats
from victo_crm.service_requests.models import ServiceRequest
from victo_crm.service_requests.services import (
    Contact,
    service_request_reply,
    service_request_transition,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


class TestExports:
    def test_csv_has_the_filtered_rows_and_neutralises_formulas(self, submit, supervisor):
        phone = submit(channel="phone", description='=HYPERLINK("http://mal.example")')
        submit()
        response = client_for(supervisor).get("/bureau/exporter.csv?file=team&channel=phone")
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        lines = text.strip().splitlines()
        assert lines[0].startswith("Référence,Reçue le,Type")
        assert len(lines) == 2 and phone.reference in lines[1]
        assert "'=HYPERLINK" in lines[1]

    def test_excel_opens_with_the_same_rows(self, submit, supervisor):
        first = submit(contact=Contact(name="Gérard Côté", email="g@example.ca"))
        response = client_for(supervisor).get("/bureau/exporter.xlsx?file=team")
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.values)
        assert rows[0][0] == "Référence" and rows[1][0] == first.reference
        assert "Gérard Côté" in rows[1]

    def test_agents_do_not_export(self, agent):
        assert client_for(agent).get("/bureau/exporter.csv").status_code == 403


class TestMap:
    def test_points_are_the_filtered_located_requests_of_the_scope(
        self, submit, agent, other_agent
    ):
        located = submit()
        data = client_for(agent).get("/bureau/carte/points.json?file=team").json()
        assert [p["ref"] for p in data["points"]] == [located.reference]
        assert data["points"][0]["url"] == f"/bureau/requetes/{located.reference}/"
        assert (
            client_for(other_agent).get("/bureau/carte/points.json?file=team").json()["points"]
            == []
        )

    def test_the_page_loads_leaflet_and_the_clusters(self, agent):
        html = client_for(agent).get("/bureau/carte/").content.decode()
        assert "leaflet.js" in html and "leaflet.markercluster.js" in html


class TestDashboard:
    def test_figures_for_the_supervisors_teams(self, submit, agent, supervisor):
        a, b, c = submit(), submit(), submit()
        service_request_reply(request=a, actor=agent, text="Nous y allons.")
        service_request_transition(
            request=a, transition=transition("recue", "resolue"), actor=agent
        )
        service_request_transition(
            request=b, transition=transition("recue", "resolue"), actor=agent
        )
        ServiceRequest.objects.filter(pk=b.pk).update(due_at=timezone.now() - timedelta(days=10))
        stats = dashboard_stats(supervisor, use_cache=False)
        assert stats["backlog"] == [{"team": "Travaux publics", "open": 1}]
        assert stats["sla"] == {"total": 2, "on_time": 1, "percent": 50.0}
        assert stats["volumes"][0]["type"] == "Nid-de-poule" and stats["volumes"][0]["total"] == 3
        assert stats["medians"][0]["type"] == "Nid-de-poule"
        assert stats["medians"][0]["first"] is not None
        assert stats["zones"] == [{"zone": "District Ouest", "open": 1}]
        assert c.reference  # the third stays open

    def test_the_page_shows_charts_and_the_same_numbers_as_tables(self, submit, supervisor):
        submit()
        client = client_for(supervisor)
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/bureau/tableau-de-bord/").content.decode()
        assert "chart.umd.min.js" in html and "<canvas" in html
        assert "<table" in html and "Travaux publics" in html
        assert len(queries) <= 15

    def test_another_team_sees_nothing_of_ours(self, submit, administrator, teams):
        from tests.conftest import make_user
        from victo_crm.accounts import roles

        submit()
        env_supervisor = make_user(
            "sup.env@victoriaville.ca", role=roles.SUPERVISOR, teams=(teams["env"],)
        )
        assert dashboard_stats(env_supervisor, use_cache=False)["backlog"] == []
        assert dashboard_stats(administrator, use_cache=False)["backlog"][0]["open"] == 1
