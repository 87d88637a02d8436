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
