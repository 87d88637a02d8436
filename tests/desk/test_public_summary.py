"""The public summary on the request page (issue 14): the description is the citizen's own
words and is never published; an agent of the team writes or redacts what the public may
read, and approves it. Personas: Luc (agent of Travaux publics, the pothole's team), Paul
(agent of another team), an anonymous caller reading Open311."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.desk.conftest import client_for
from victo_crm.service_requests.models import EventKind

pytestmark = pytest.mark.django_db


def url(pothole) -> str:
    return f"/bureau/requetes/{pothole.reference}/resume-public/"


def open311_description(pothole) -> str:
    response = Client().get(f"/open311/v2/requests/{pothole.reference}.json")
    return json.loads(response.content)[0]["description"]


def test_luc_approves_a_redacted_summary_and_open311_publishes_it(pothole, agent):
    client = client_for(agent)
    page = client.get(f"/bureau/requetes/{pothole.reference}/").content.decode()
    assert "Résumé public" in page and "Aucun résumé approuvé" in page
    assert open311_description(pothole) == ""

    response = client.post(url(pothole), {"summary": "Nid-de-poule rue Notre-Dame", "version": 1})

    assert response.status_code == 302
    assert response["Location"].endswith("#resume-public")
    pothole.refresh_from_db()
    assert pothole.public_summary == "Nid-de-poule rue Notre-Dame"
    assert pothole.public_summary_approved_by == agent
    assert pothole.events.filter(kind=EventKind.PUBLIC_SUMMARY, is_public=False).exists()
    assert open311_description(pothole) == "Nid-de-poule rue Notre-Dame"
    page = client.get(f"/bureau/requetes/{pothole.reference}/").content.decode()
    assert "Approuvé par" in page

    assert client.post(url(pothole), {"summary": "", "version": 2}).status_code == 302
    assert open311_description(pothole) == ""


def test_paul_of_another_team_cannot_approve(pothole, other_agent):
    response = client_for(other_agent).post(url(pothole), {"summary": "Résumé", "version": 1})
    assert response.status_code == 404
    pothole.refresh_from_db()
    assert pothole.public_summary_approved_at is None


def test_an_empty_first_summary_is_refused_with_a_message(pothole, agent):
    response = client_for(agent).post(url(pothole), {"summary": "  ", "version": 1})
    assert response.status_code == 400
    assert "Écrivez le résumé à publier." in response.content.decode()


def test_a_summary_written_while_someone_else_changed_the_request_is_kept(pothole, agent):
    client = client_for(agent)
    client.post(f"/bureau/requetes/{pothole.reference}/priorite/", {"priority": 3, "version": 1})

    response = client.post(url(pothole), {"summary": "Texte à garder", "version": 1})

    assert response.status_code == 409
    assert "Texte à garder" in response.content.decode()
    pothole.refresh_from_db()
    assert pothole.public_summary == ""
