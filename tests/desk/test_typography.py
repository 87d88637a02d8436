"""The desk's timeline says a state change with the punctuation of the reader's language
(it read "Status change : …" on English pages; core.typography)."""

from __future__ import annotations

import pytest

from tests.desk.conftest import client_for, transition
from victo_crm.core.typography import NBSP


@pytest.mark.django_db
def test_the_desk_timeline_says_a_state_change_in_the_reader_s_language(pothole, agent) -> None:
    client = client_for(agent)
    step = transition("recue", "assignee")
    client.post(
        f"/bureau/requetes/{pothole.reference}/action/",
        {"version": pothole.version, "transition": step.pk},
    )
    french = client.get(f"/bureau/requetes/{pothole.reference}/").content.decode()
    assert f"</strong>{NBSP}: Reçue → Assignée" in french
    client.cookies["django_language"] = "en"
    english = client.get(f"/bureau/requetes/{pothole.reference}/").content.decode()
    assert "Status change</strong>: " in english and "</strong> : " not in english


@pytest.mark.django_db
def test_the_desk_says_the_hour_the_quebec_way_in_french(pothole, agent) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from victo_crm.service_requests.models import ServiceRequest

    received = datetime(2026, 3, 2, 9, 5, tzinfo=ZoneInfo("America/Toronto"))
    ServiceRequest.objects.filter(pk=pothole.pk).update(created_at=received)
    client = client_for(agent)
    french = client.get(f"/bureau/requetes/{pothole.reference}/").content.decode()
    assert f"2{NBSP}mars{NBSP}2026, 9{NBSP}h{NBSP}05</time>" in french and ", 09:05" not in french
    client.cookies["django_language"] = "en"
    english = client.get(f"/bureau/requetes/{pothole.reference}/").content.decode()
    assert f"March{NBSP}2, 2026, 09:05" in english
