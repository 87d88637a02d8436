"""The rules admin: a preview for a chosen request before saving; a broken template refused."""

from __future__ import annotations

import pytest

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
    client.force_login(administrator)
    request = submit(request_type, citizen=citizen)
    before = NotificationRule.objects.count()
    response = client.post(
        "/admin/notifications/notificationrule/add/",
        form_data(preview_reference=request.reference, _preview="Aperçu"),
    )
    assert response.status_code == 200
    assert NotificationRule.objects.count() == before
    assert f"Réponse à {request.reference}" in response.text
    assert "Bonjour Marie Tremblay, votre requête est « Reçue »." in response.text
    assert "marie@example.ca" in response.text
    assert "srcdoc=" in response.text  # the HTML e-mail, sandboxed


def test_an_invalid_template_is_refused_with_its_error(client, administrator):
    client.force_login(administrator)
    response = client.post(
        "/admin/notifications/notificationrule/add/", form_data(body_fr="Bonjour {{ nom }}")
    )
    assert response.status_code == 200
    assert "Champ inconnu « nom »" in response.text
    assert not NotificationRule.objects.filter(name="Réponse du personnel (test)").exists()


def test_a_valid_rule_is_saved(client, administrator):
    client.force_login(administrator)
    response = client.post("/admin/notifications/notificationrule/add/", form_data())
    assert response.status_code == 302
    rule = NotificationRule.objects.get(name="Réponse du personnel (test)")
    assert rule.channels == ["email"] and rule.priorities == []
