"""The living demo (issue 15): after ``load_demo`` the desk, the dashboard and the map have
a few hundred requests of the past months, in every state, with replies, notes, photos,
ratings and a reopened one; nobody is e-mailed; loading again adds nothing."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from tests.conftest import sign_in
from tests.notifications.conftest import reseed_rules, reseed_topics
from victo_crm.desk.demo import CITIZEN_DOMAIN, REQUESTS
from victo_crm.notifications.models import Notification
from victo_crm.service_requests.models import (
    Attachment,
    EventKind,
    RequestEvent,
    ServiceRequest,
    State,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _migrations_data(seeded: Any) -> None:
    """What the migrations seeded (the default workflow, notification rules, alert topics),
    which an earlier transactional test's flush emptied."""
    reseed_rules()
    reseed_topics()


def counts() -> dict[str, int]:
    return {
        "requests": ServiceRequest.objects.count(),
        "events": RequestEvent.objects.count(),
        "photos": Attachment.objects.count(),
        "notifications": Notification.objects.count(),
    }


@pytest.mark.slow
def test_the_demo_history_fills_every_state_once(django_capture_on_commit_callbacks, client):
    french = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=french)
    first = counts()
    # The operator's report is French by default, with French typography.
    assert "Données de démonstration à jour." in french.getvalue()
    assert "Citoyen (anglais)" in french.getvalue()
    assert REQUESTS * 0.9 <= first["requests"] <= REQUESTS

    # Every state of the workflow has requests.
    states = Counter(ServiceRequest.objects.values_list("state__code", flat=True))
    workflow_states = set(State.objects.values_list("code", flat=True))
    assert set(states) == workflow_states, states
    # Replies, notes, photos, ratings and a reopened request: each page has something to show.
    kinds = Counter(RequestEvent.objects.values_list("kind", flat=True))
    assert kinds[EventKind.PUBLIC_REPLY] >= 20 and kinds[EventKind.INTERNAL_NOTE] >= 20
    assert first["photos"] >= 20
    assert ServiceRequest.objects.filter(rating__isnull=False).count() >= 20
    assert states["rouverte"] >= 1
    # Spread over the past months, in order, never in the future.
    now = timezone.now()
    dates = list(ServiceRequest.objects.order_by("reference").values_list("created_at", flat=True))
    assert min(dates) < now - timedelta(days=90) and max(dates) <= now
    assert dates == sorted(dates)  # the references follow the dates
    for sr in ServiceRequest.objects.filter(closed_at__isnull=False)[:50]:
        assert sr.created_at <= sr.closed_at <= now
        events = list(sr.events.order_by("pk").values_list("created_at", flat=True))
        assert events == sorted(events) and events[0] == sr.created_at
    # History is not delivered: no e-mail went out, none waits to go.
    assert mail.outbox == []
    assert not Notification.objects.filter(status="pending").exclude(channel="in_app").exists()
    assert ServiceRequest.objects.filter(citizen__email__endswith=CITIZEN_DOMAIN).exists()

    # The desk shows them: the agent of Travaux publics has a queue and a map.
    from victo_crm.accounts.models import User

    sign_in(client, User.objects.get(email="agent.tp@victoriaville.ca"))
    queue = client.get("/bureau/?file=team")
    assert queue.status_code == 200 and queue.text.count("/bureau/requetes/") >= 10

    assert f"Requêtes (historique)\u00a0: {first['requests']} requête(s)" in french.getvalue()

    # Run again, in English: nothing is added, and the report is all English (it was French
    # whatever the operator asked).
    english = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--language=en", stdout=english)
    assert counts() == first
    report = english.getvalue()
    assert f"Requests (history): {first['requests']} request(s)" in report
    assert "Demo accounts" in report and "Citizen (English)" in report
    assert "Role" in report and "Password" in report and "Demo data up to date." in report
    for french_word in ("Requêtes", "Comptes", "Rôle", "Mot de passe", "Citoyen", "créées"):
        assert french_word not in report, french_word
