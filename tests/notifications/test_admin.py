"""The rules admin: a preview for a chosen request before saving; a broken template refused."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in
from victo_crm.notifications.models import NotificationRule

from .helpers import submit

pytestmark = pytest.mark.django_db


def form_data(**changes):
    data = {
        "name": "Réponse du personnel (test)",
        "event": "public_reply",
        "is_active": "on",
        "order": "5",
        "to_requester": "on",
        "channels": ["email"],
        "subject_fr": "Réponse à {{ reference }}",
        "body_fr": "Bonjour {{ citizen_name }}, votre requête est « {{ state }} ».",
        "subject_en": "",
        "body_en": "",
        "fixed_addresses": "",
        "preview_language": "fr",
    }
    data.update(changes)
    return data


def test_a_preview_renders_the_rule_for_a_request_without_saving(
    client, administrator, request_type, citizen, town
):
    sign_in(client, administrator)
    request = submit(request_type, citizen=citizen)
    before = NotificationRule.objects.count()
    response = client.post(
        "/admin/notifications/notificationrule/add/",
        form_data(preview_reference=request.reference, _preview="Aperçu"),
    )
    assert response.status_code == 200
    assert NotificationRule.objects.count() == before
    assert f"Réponse à {request.reference}" in response.text
    assert "Bonjour [nom du demandeur], votre requête est «\u00a0Reçue\u00a0»." in response.text
    assert "1 citoyen (demandeur ou abonné)" in response.text
    assert "srcdoc=" in response.text  # the HTML e-mail, sandboxed


def test_a_preview_shows_no_personal_data_of_the_request(
    client, administrator, request_type, citizen, town
):
    """The preview is a configuration tool: the requester's name, e-mail, location and
    description never show, whatever the template names; staff recipients do."""
    sign_in(client, administrator)
    request = submit(
        request_type,
        citizen=citizen,
        description="Mon voisin Roger au 12",
        location_text="12 rue des Érables",
    )
    response = client.post(
        "/admin/notifications/notificationrule/add/",
        form_data(
            preview_reference=request.reference,
            _preview="Aperçu",
            body_fr="{{ citizen_name }} | {{ location }} | {{ message }} | {{ reference }}",
            to_team="on",
            fixed_addresses="travaux@victoriaville.ca",
        ),
    )
    assert response.status_code == 200
    text = response.text
    for personal in ("Marie", "Tremblay", "marie@example.ca", "Roger", request.location_text):
        assert personal and personal not in text, personal
    assert "[lieu de la requête]" in text and request.reference in text
    assert "travaux@victoriaville.ca" in text


def test_an_invalid_template_is_refused_with_its_error(client, administrator):
    sign_in(client, administrator)
    response = client.post(
        "/admin/notifications/notificationrule/add/", form_data(body_fr="Bonjour {{ nom }}")
    )
    assert response.status_code == 200
    assert "Champ inconnu «\u00a0nom\u00a0»" in response.text
    assert not NotificationRule.objects.filter(name="Réponse du personnel (test)").exists()


def test_a_valid_rule_is_saved(client, administrator):
    sign_in(client, administrator)
    response = client.post("/admin/notifications/notificationrule/add/", form_data())
    assert response.status_code == 302
    rule = NotificationRule.objects.get(name="Réponse du personnel (test)")
    assert rule.channels == ["email"] and rule.priorities == []


def follower_form_data(**changes):
    values = {
        "to_followers": "on",
        "follower_subject_fr": "Requête suivie {{ reference }}",
        "follower_body_fr": "La requête {{ reference }} que vous suivez est « {{ state }} ».",
        "follower_subject_en": "",
        "follower_body_en": "",
    }
    values.update(changes)
    return form_data(**values)


def test_a_requester_placeholder_in_the_follower_message_is_refused_in_the_admin(
    client, administrator
):
    sign_in(client, administrator)
    response = client.post(
        "/admin/notifications/notificationrule/add/",
        follower_form_data(follower_body_fr="Marie est {{ citizen_name }}"),
    )
    assert response.status_code == 200
    assert (
        "Le champ «\u00a0citizen_name\u00a0» est interdit dans le message aux abonnés"
        in response.text
    )
    assert not NotificationRule.objects.filter(name="Réponse du personnel (test)").exists()


def test_ticking_the_followers_asks_for_their_own_message(client, administrator):
    sign_in(client, administrator)
    response = client.post(
        "/admin/notifications/notificationrule/add/",
        follower_form_data(follower_subject_fr="", follower_body_fr=""),
    )
    assert response.status_code == 200
    assert "Les abonnés reçoivent un message à eux" in response.text
    assert not NotificationRule.objects.filter(name="Réponse du personnel (test)").exists()


def test_a_rule_with_a_follower_message_is_saved(client, administrator):
    sign_in(client, administrator)
    response = client.post("/admin/notifications/notificationrule/add/", follower_form_data())
    assert response.status_code == 302
    rule = NotificationRule.objects.get(name="Réponse du personnel (test)")
    assert rule.tells_followers


def test_the_preview_shows_what_a_follower_would_get_apart(
    client, administrator, request_type, citizen, other_citizen, town
):
    from victo_crm.service_requests.models import RequestFollower

    sign_in(client, administrator)
    request = submit(request_type, citizen=citizen)
    RequestFollower.objects.create(request=request, user=other_citizen)
    response = client.post(
        "/admin/notifications/notificationrule/add/",
        follower_form_data(preview_reference=request.reference, _preview="Aperçu"),
    )
    assert response.status_code == 200
    page = response.text
    assert "Aperçu du message aux abonnés" in page
    followers_part = page.split("Aperçu du message aux abonnés")[1]
    assert (
        f"La requête {request.reference} que vous suivez est «\u00a0Reçue\u00a0»." in followers_part
    )
    # Followers are citizens: counted, never named (the admin shows no personal data).
    assert "1 citoyen (demandeur ou abonné)" in followers_part
    assert "jean@example.ca" not in page
    assert "Marie" not in followers_part and "marie@example.ca" not in followers_part
    # The requester's part shows her name as the placeholder's label; Jean is not counted.
    requester_part = page.split("Aperçu du message aux abonnés")[0]
    assert "Bonjour [nom du demandeur]" in requester_part
    assert "1 citoyen (demandeur ou abonné)" in requester_part
