"""Every e-mail carries an unsubscribe link that works without signing in and cannot be
forged."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail, signing

from victo_crm.accounts.models import CommunicationPreference
from victo_crm.notifications.models import EmailSuppression, Notification
from victo_crm.notifications.unsubscribe import make_token, read_token
from victo_crm.service_requests.services import Contact

from .helpers import submit

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://[^/\s]+(/alertes/desabonnement/[^/\s]+/)")


def mailed(request_type, django_capture_on_commit_callbacks, **who):
    with django_capture_on_commit_callbacks(execute=True):
        submit(request_type, **who)
    return mail.outbox[-1]


def link_in(message) -> str:
    text_link = LINK.search(message.body).group(1)
    html_link = LINK.search(message.alternatives[0][0]).group(1)
    assert text_link == html_link
    return text_link


class TestTheLink:
    def test_it_works_without_signing_in(
        self, client, request_type, citizen, town, django_capture_on_commit_callbacks
    ):
        path = link_in(mailed(request_type, django_capture_on_commit_callbacks, citizen=citizen))

        page = client.get(path)
        assert page.status_code == 200
        assert "Confirmer le désabonnement" in page.text
        assert not CommunicationPreference.objects.filter(
            user=citizen
        ).exists()  # GET changes nothing

        done = client.post(path)
        assert done.status_code == 200
        assert "C’est fait" in done.text
        assert (
            CommunicationPreference.objects.get(
                user=citizen, topic="request_updates", channel="email"
            ).enabled
            is False
        )

        with django_capture_on_commit_callbacks(execute=True):
            later = submit(request_type, citizen=citizen)
        assert Notification.objects.get(request=later, channel="email").status == "skipped"

    def test_a_guest_can_unsubscribe_too(
        self, client, request_type, town, django_capture_on_commit_callbacks
    ):
        message = mailed(
            request_type,
            django_capture_on_commit_callbacks,
            contact=Contact(name="Paul Roy", email="paul@example.ca"),
        )
        client.post(link_in(message))
        assert EmailSuppression.objects.filter(email="paul@example.ca").exists()
        later = submit(request_type, contact=Contact(name="Paul Roy", email="paul@example.ca"))
        assert Notification.objects.get(request=later).status == "skipped"

    def test_mail_clients_one_click_post_needs_no_csrf_token(
        self, request_type, citizen, town, django_capture_on_commit_callbacks
    ):
        from django.test import Client

        path = link_in(mailed(request_type, django_capture_on_commit_callbacks, citizen=citizen))
        response = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200


class TestForgery:
    def test_a_tampered_token_is_refused_and_changes_nothing(self, client, citizen, other_citizen):
        token = make_token(user_id=citizen.pk, email=citizen.email, topic="request_updates")
        # Same signature, another person's payload: what a forger would try.
        payload = signing.b64_encode(
            json.dumps({"t": "request_updates", "u": other_citizen.pk}).encode()
        ).decode()
        forged = payload + token[token.index(":") :]
        for bad in (forged, token[:-2] + "xx", "n-importe-quoi"):
            response = client.post(f"/alertes/desabonnement/{bad}/")
            assert response.status_code == 400
        assert not CommunicationPreference.objects.exists()

    def test_a_token_made_with_another_key_is_refused(self, citizen, settings):
        token = make_token(user_id=citizen.pk, email=citizen.email, topic="request_updates")
        settings.SECRET_KEY = "une-autre-cle-" * 4
        assert read_token(token) is None
