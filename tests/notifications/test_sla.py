"""SLA warnings and breaches: the periodic scan tells the team once per request and due
date, through the seeded rules, and never about closed requests or a paused clock.

Marie's pothole (type target: 72 h) is filed on Monday 2026-03-02 at 09:00 (Eastern time):
due Thursday 09:00. The warning window is min(24 h, 25 % of 72 h) = 18 h, so the "due soon"
message goes out from Wednesday 15:00 and the "overdue" one from Thursday 09:00.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client

from tests.conftest import sign_in
from victo_crm.notifications.models import Notification, NotificationRule, SlaAlert
from victo_crm.notifications.sla import sla_scan, warning_window
from victo_crm.notifications.tasks import scan_sla
from victo_crm.service_requests.models import ServiceRequest, State
from victo_crm.service_requests.services import service_request_transition

from .helpers import submit, transition

EASTERN = ZoneInfo("America/Toronto")
FILED = datetime(2026, 3, 2, 9, 0, tzinfo=EASTERN)
DUE = FILED + timedelta(hours=72)


def at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def sla_rows(request: ServiceRequest, kind: str | None = None) -> list[Notification]:
    qs = Notification.objects.filter(request=request, kind__startswith="sla_")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("pk"))


@pytest.fixture
def pothole(request_type, citizen, agent, town) -> ServiceRequest:
    """Filed by Marie; Luc (agent of Travaux publics, which has no team address) is the team."""
    with at(FILED):
        request = submit(request_type, citizen=citizen)
    assert request.due_at == DUE
    return request


pytestmark = pytest.mark.django_db


class TestTheWarning:
    def test_nothing_is_said_before_the_warning_window(self, pothole):
        with at(DUE - timedelta(hours=19)):
            report = sla_scan()
        assert (report.warnings, report.breaches) == (0, 0)
        assert sla_rows(pothole) == []

    def test_the_team_is_warned_once_inside_the_window(self, pothole, agent):
        with at(DUE - timedelta(hours=17)):
            report = sla_scan()
        assert (report.warnings, report.breaches, report.notifications) == (1, 0, 1)
        [warning] = sla_rows(pothole)
        assert (warning.kind, warning.address, warning.topic, warning.status) == (
            "sla_warning",
            agent.email,
            "staff",
            "pending",
        )
        assert warning.rule.name == "Échéance bientôt dépassée (équipe)"
        # The due date the Québec way, French typography in the words of the seeded rule.
        assert warning.subject == (
            f"[{pothole.reference}] Échéance proche\u00a0: 5\u00a0mars\u00a02026, 9\u00a0h\u00a000"
        )
        assert f"/bureau/requetes/{pothole.reference}/" in warning.link
        assert warning.event_id is None

    def test_a_rerun_of_the_scan_sends_nothing_twice(self, pothole):
        with at(DUE - timedelta(hours=17)):
            sla_scan()
        with at(DUE - timedelta(hours=16, minutes=55)):
            report = sla_scan()
        with at(DUE - timedelta(hours=1)):
            later = sla_scan()
        assert (report.warnings, report.notifications) == (0, 0)
        assert (later.warnings, later.notifications) == (0, 0)
        assert len(sla_rows(pothole, "sla_warning")) == 1
        assert SlaAlert.objects.filter(request=pothole).count() == 1

    def test_a_short_target_warns_closer_to_its_due_date(self, request_type, citizen, agent, town):
        request_type.sla_hours = 4
        request_type.save(update_fields=["sla_hours"])
        assert warning_window(4) == timedelta(hours=1)
        with at(FILED):
            request = submit(request_type, citizen=citizen)
        with at(FILED + timedelta(minutes=5)):
            assert sla_scan().warnings == 0
        with at(FILED + timedelta(hours=3, minutes=1)):
            assert sla_scan().warnings == 1
        assert len(sla_rows(request, "sla_warning")) == 1

    def test_the_window_is_a_setting(self, pothole, settings):
        settings.VICTO_SLA_WARNING_HOURS = 2
        with at(DUE - timedelta(hours=3)):
            assert sla_scan().warnings == 0
        with at(DUE - timedelta(hours=2)):
            assert sla_scan().warnings == 1


class TestTheBreach:
    def test_the_team_is_told_once_when_the_due_date_passes(self, pothole, agent):
        with at(DUE - timedelta(hours=17)):
            sla_scan()
        with at(DUE - timedelta(seconds=1)):
            assert sla_scan().breaches == 0
        with at(DUE + timedelta(minutes=1)):
            report = sla_scan()
        with at(DUE + timedelta(minutes=6)):
            rerun = sla_scan()
        assert (report.warnings, report.breaches, report.notifications) == (0, 1, 1)
        assert (rerun.warnings, rerun.breaches, rerun.notifications) == (0, 0, 0)
        [breach] = sla_rows(pothole, "sla_breached")
        assert breach.subject == f"[{pothole.reference}] Échéance dépassée"
        assert breach.address == agent.email
        assert len(sla_rows(pothole)) == 2  # the warning, then the breach

    def test_a_scan_that_comes_late_sends_the_breach_only(self, pothole):
        with at(DUE + timedelta(hours=2)):
            report = sla_scan()
        assert (report.warnings, report.breaches) == (0, 1)
        assert [n.kind for n in sla_rows(pothole)] == ["sla_breached"]

    def test_breaches_older_than_the_lookback_are_not_dug_up(self, pothole, settings):
        settings.VICTO_SLA_BREACH_LOOKBACK_HOURS = 72
        with at(DUE + timedelta(hours=73)):
            assert sla_scan().breaches == 0
        assert sla_rows(pothole) == []

    def test_the_english_speaking_assignee_reads_english(self, pothole, agent, other_agent, teams):
        from victo_crm.service_requests.services import service_request_assign

        agent.preferred_language = "en"
        agent.save(update_fields=["preferred_language"])
        with at(FILED + timedelta(hours=1)):
            service_request_assign(request=pothole, actor=agent, assignee=agent)
        with at(DUE + timedelta(minutes=1)):
            sla_scan()
        [breach] = sla_rows(pothole, "sla_breached")
        assert (breach.language, breach.subject) == ("en", f"[{pothole.reference}] Overdue")


class TestWhatIsIgnored:
    def test_a_closed_request_is_never_announced(self, pothole, agent):
        with at(FILED + timedelta(hours=1)):
            service_request_transition(
                request=pothole, transition=transition("recue", "resolue"), actor=agent
            )
        with at(DUE - timedelta(hours=17)):
            first = sla_scan()
        with at(DUE + timedelta(hours=1)):
            second = sla_scan()
        assert (first.warnings, second.breaches) == (0, 0)
        assert sla_rows(pothole) == []

    def test_a_paused_clock_is_ignored_and_its_new_due_date_warns_again(self, pothole, agent):
        """En analyse stops the clock here; resuming moves the due date by the pause."""
        State.objects.filter(workflow__code="default", code="en-analyse").update(sla_running=False)
        with at(DUE - timedelta(hours=17)):
            assert sla_scan().warnings == 1
        with at(DUE - timedelta(hours=10)):
            service_request_transition(
                request=pothole, transition=transition("recue", "en-analyse"), actor=agent
            )
        with at(DUE + timedelta(hours=20)):
            paused = sla_scan()
        assert (paused.warnings, paused.breaches) == (0, 0)
        # Back to work after 30 h paused: due 30 h later than before.
        with at(DUE + timedelta(hours=20)):
            service_request_transition(
                request=pothole, transition=transition("en-analyse", "assignee"), actor=agent
            )
        pothole.refresh_from_db()
        assert pothole.due_at == DUE + timedelta(hours=30)
        with at(DUE + timedelta(hours=21)):
            again = sla_scan()
        with at(DUE + timedelta(hours=30, minutes=1)):
            breach = sla_scan()
        assert (again.warnings, breach.breaches) == (1, 1)
        assert [n.kind for n in sla_rows(pothole)] == [
            "sla_warning",
            "sla_warning",
            "sla_breached",
        ]
        assert len({n.dedup_key for n in sla_rows(pothole)}) == 3

    def test_a_state_whose_clock_does_not_run_is_ignored_even_without_a_pause_mark(self, pothole):
        State.objects.filter(pk=pothole.state_id).update(sla_running=False)
        with at(DUE + timedelta(minutes=1)):
            assert sla_scan().breaches == 0

    def test_a_request_without_due_date_is_ignored(self, pothole):
        ServiceRequest.objects.filter(pk=pothole.pk).update(due_at=None)
        with at(DUE + timedelta(minutes=1)):
            assert sla_scan().breaches == 0

    def test_an_inactive_rule_sends_nothing_but_the_due_date_is_announced_once(self, pothole):
        for rule in NotificationRule.objects.filter(event="sla_warning"):
            rule.is_active = False
            rule.save()  # a save, not an update: the rules are kept in memory until one
        with at(DUE - timedelta(hours=17)):
            report = sla_scan()
        assert (report.warnings, report.notifications) == (1, 0)
        for rule in NotificationRule.objects.filter(event="sla_warning"):
            rule.is_active = True
            rule.save()
        with at(DUE - timedelta(hours=16)):
            assert sla_scan().warnings == 0


class TestWhereItShows:
    def test_the_desk_request_page_lists_the_sla_messages(self, pothole, agent):
        with at(DUE + timedelta(minutes=1)):
            sla_scan()
        client = Client()
        sign_in(client, agent)
        page = client.get(f"/bureau/requetes/{pothole.reference}/", HTTP_ACCEPT_LANGUAGE="fr")
        assert page.status_code == 200
        html = page.content.decode()
        start = html.index('id="avis-envoyes"')
        section = html[start : html.index("</section>", start)]
        assert "Échéance dépassée" in section
        assert agent.email in section
        assert "Accusé de réception" not in section  # the label is the event, not the rule
        assert "Requête reçue" in section  # Marie's receipt, listed as well

    def test_the_beat_task_runs_the_scan(self, pothole, settings):
        assert settings.CELERY_BEAT_SCHEDULE["notifications-sla-scan"] == {
            "task": "notifications.sla_scan",
            "schedule": 300.0,
        }
        with at(DUE + timedelta(minutes=1)):
            result = scan_sla.delay().get()
        assert result == {"warnings": 0, "breaches": 1, "notifications": 1}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_announce_each_due_date_once(
    rules, seeded, town, teams, request_type, citizen, agent
):
    """Two beat instances by mistake, or a retried task: the marker row decides."""
    with at(FILED):
        requests = [submit(request_type, citizen=citizen) for _ in range(20)]
    reports = []
    barrier = threading.Barrier(2)

    def scan() -> None:
        try:
            barrier.wait()
            reports.append(sla_scan())
        finally:
            connection.close()

    # time-machine moves the clock of the whole process, so travel once around both threads.
    with at(DUE + timedelta(minutes=1)):
        threads = [threading.Thread(target=scan) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sum(r.breaches for r in reports) == len(requests)
    assert Notification.objects.filter(kind="sla_breached").count() == len(requests)
    assert SlaAlert.objects.count() == len(requests)
