"""A superuser's break-glass access to citizens' data is logged.

The admin shows no citizen's data (tests/core/test_admin_privacy.py); the one way to read it
is the desk. A superuser who holds no staff role (the technical account) sees every request
there, so the desk first asks why, writes that statement to the access log, and names it in
every read that follows, for an hour of the session.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.conftest import make_user
from tests.desk.conftest import client_for
from victo_crm.accounts import roles
from victo_crm.accounts.models import User
from victo_crm.desk.models import AccessLog, AccessWhat

pytestmark = pytest.mark.django_db

REASON = "Incident 4521 : la requête ne s’affiche plus chez l’agent"


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser(email="racine@victoriaville.ca", password="x")


def test_a_superuser_states_a_reason_before_the_desk_shows_a_request(superuser, pothole):
    client = client_for(superuser)
    page = f"/bureau/requetes/{pothole.reference}/"

    refused = client.get(page)
    assert refused.status_code == 302
    assert refused["Location"] == f"/bureau/acces-urgence/?next={quote(page, safe='')}"
    assert not AccessLog.objects.exists()  # nothing shown, nothing logged yet

    form = client.get(refused["Location"])
    assert form.status_code == 200 and "Motif de l’accès d’urgence" in form.text
    assert "marie@example.ca" not in form.text

    opened = client.post("/bureau/acces-urgence/", {"reason": REASON, "next": page})
    assert opened.status_code == 302 and opened["Location"] == page
    statement = AccessLog.objects.get()
    assert (statement.user, statement.what, statement.detail) == (
        superuser,
        AccessWhat.BREAK_GLASS,
        REASON,
    )

    shown = client.get(page)
    assert shown.status_code == 200 and "marie@example.ca" in shown.text
    read = AccessLog.objects.exclude(pk=statement.pk).get()
    assert read.what == AccessWhat.REQUEST_PAGE and read.user == superuser
    assert read.request == pothole and read.citizen == pothole.citizen
    assert read.detail == f"accès d’urgence n° {statement.pk}"


def test_an_export_and_a_citizen_search_name_the_statement_too(superuser, pothole):
    client = client_for(superuser)
    client.post("/bureau/acces-urgence/", {"reason": REASON})
    statement = AccessLog.objects.get(what=AccessWhat.BREAK_GLASS)
    assert client.get("/bureau/exporter.csv?file=all").status_code == 200
    assert client.get("/bureau/requetes/nouvelle/?citoyen=Tremblay").status_code == 200
    rows = AccessLog.objects.exclude(pk=statement.pk)
    assert {r.what for r in rows} == {AccessWhat.EXPORT, AccessWhat.CITIZEN_SEARCH}
    assert all(r.detail.startswith(f"accès d’urgence n° {statement.pk}") for r in rows)


def test_a_vague_reason_is_refused_and_opens_nothing(superuser, pothole):
    client = client_for(superuser)
    response = client.post("/bureau/acces-urgence/", {"reason": "   urgent   "})
    assert response.status_code == 400
    assert "au moins 15 caractères" in response.text
    assert not AccessLog.objects.exists()
    assert client.get(f"/bureau/requetes/{pothole.reference}/").status_code == 302


def test_each_session_states_its_own_reason(superuser, pothole):
    client_for(superuser).post("/bureau/acces-urgence/", {"reason": REASON})
    another_session = client_for(superuser)
    assert another_session.get(f"/bureau/requetes/{pothole.reference}/").status_code == 302


def test_the_statement_expires_after_an_hour(superuser, pothole, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    client = client_for(superuser)
    client.post("/bureau/acces-urgence/", {"reason": REASON})
    later = timezone.now() + timedelta(hours=1, minutes=1)
    monkeypatch.setattr("victo_crm.desk.access.timezone.now", lambda: later)
    assert client.get(f"/bureau/requetes/{pothole.reference}/").status_code == 302


def test_a_foreign_next_goes_to_the_queue(superuser):
    response = client_for(superuser).post(
        "/bureau/acces-urgence/", {"reason": REASON, "next": "https://ailleurs.example/"}
    )
    assert response["Location"] == "/bureau/"


def test_staff_roles_go_through_their_scope_without_the_statement(
    administrator, agent, pothole, superuser
):
    """Administrators (a superuser holding the role too) read as their role lets them,
    logged as usual; nobody else is offered the break-glass page."""
    superuser.groups.add(*administrator.groups.all())
    for user in (administrator, agent, superuser):
        response = client_for(user).get(f"/bureau/requetes/{pothole.reference}/")
        assert response.status_code == 200
        assert AccessLog.objects.filter(user=user).get().detail == ""
    for user in (administrator, agent):
        assert client_for(user).get("/bureau/acces-urgence/").status_code == 404


def test_a_citizen_and_an_anonymous_caller_never_reach_it(citizen):
    assert client_for(citizen).get("/bureau/acces-urgence/").status_code == 404
    anonymous = client_for(None).get("/bureau/acces-urgence/")
    assert anonymous.status_code == 302 and "/compte/login/" in anonymous["Location"]


def test_a_web_editor_who_is_superuser_states_a_reason_too(pothole):
    editor = make_user("redaction@victoriaville.ca", role=roles.WEB_EDITOR, is_superuser=True)
    assert client_for(editor).get(f"/bureau/requetes/{pothole.reference}/").status_code == 302
