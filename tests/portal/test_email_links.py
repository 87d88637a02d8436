"""Every link of every e-mail about a request opens for the person it was sent to (issue 15,
point 2): a guest gets one e-mail per event, whose links lead to her private tracking page
(never the signed-in portal's page, which answers 404 to her); a citizen's lead through the
sign-in page to her request's page, straight there when she is signed in."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.conftest import make_user
from victo_crm.accounts import roles
from victo_crm.service_requests.models import ServiceRequest, Transition
from victo_crm.service_requests.services import service_request_transition

pytestmark = pytest.mark.django_db

URL = re.compile(r"https?://[^\s<>\"')]+")


def links_of(message: Any) -> set[str]:
    """Every link of an e-mail: its text, its HTML version and its unsubscribe header."""
    texts = [message.body, *(content for content, _mime in message.alternatives)]
    found = {m.group(0).rstrip(".,;") for text in texts for m in URL.finditer(text)}
    header = message.extra_headers.get("List-Unsubscribe", "")
    found.update(m.group(0) for m in URL.finditer(header))
    return {link.replace("&amp;", "&") for link in found}


def follow(client: Client, link: str) -> Any:
    parts = urlsplit(link)
    return client.get(parts.path + (f"?{parts.query}" if parts.query else ""), follow=True)


def assert_every_link_opens(client: Client, message: Any, sr: ServiceRequest) -> None:
    links = links_of(message)
    request_links = [link for link in links if "/desabonnement/" not in link]
    assert request_links, message.body  # at least the link to the request
    for link in links:
        response = follow(client, link)
        assert response.status_code == 200, (link, response.status_code)
        if link in request_links:
            assert sr.reference in response.content.decode(), link


def move(sr: ServiceRequest, agent: Any, to: str) -> None:
    transition = Transition.objects.get(from_state=sr.state, to_state__code=to)
    service_request_transition(request=sr, transition=transition, actor=agent, comment="")


@pytest.fixture
def agent_tp(teams: Any) -> Any:
    return make_user("luc@victoriaville.ca", role=roles.AGENT, teams=(teams["tp"],))


def test_a_guest_gets_one_e_mail_per_event_and_every_link_opens_for_her(
    request_type: Any, address: Any, agent_tp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    guest = Client()
    guest.post(
        reverse("portal:submit_location", args=[request_type.code]), {"address_id": address.pk}
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = guest.post(
            reverse("portal:submit_details", args=[request_type.code]),
            {
                "field_taille": "petit",
                "description": "Trou",
                "contact_name": "Lucie Roy",
                "contact_email": "lucie@example.ca",
            },
        )
    assert done.status_code == 302
    sr = ServiceRequest.objects.get()
    received = [m for m in mail.outbox if m.to == ["lucie@example.ca"]]
    assert len(received) == 1  # one e-mail for the submission, not two
    assert "/portail/mes-requetes/" not in received[0].body
    assert "/portail/suivi/" in received[0].body
    assert_every_link_opens(Client(), received[0], sr)
    # The confirmation page shows the same private link as the e-mail.
    tracking = next(link for link in links_of(received[0]) if "/portail/suivi/" in link)
    assert urlsplit(tracking).path in guest.get(done["Location"]).content.decode()

    # Later events: still one e-mail each, still her own working link.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        move(sr, agent_tp, "assignee")
    later = [m for m in mail.outbox if m.to == ["lucie@example.ca"]]
    assert len(later) == 1
    assert_every_link_opens(Client(), later[0], sr)


def test_a_citizens_links_open_once_she_is_signed_in(
    request_type: Any,
    address: Any,
    citizen: Any,
    agent_tp: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    marie = Client()
    marie.force_login(citizen)
    marie.post(
        reverse("portal:submit_location", args=[request_type.code]), {"address_id": address.pk}
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        marie.post(
            reverse("portal:submit_details", args=[request_type.code]),
            {"field_taille": "petit", "description": "Trou"},
        )
        sr = ServiceRequest.objects.get()
        move(sr, agent_tp, "assignee")
    received = [m for m in mail.outbox if m.to == [citizen.email]]
    assert len(received) == 2
    for message in received:
        assert "/portail/suivi/" not in message.body  # a citizen has no tracking token
        assert_every_link_opens(marie, message, sr)


def test_signed_out_the_citizens_link_asks_her_to_sign_in_then_opens_her_request(
    request_type: Any, address: Any, citizen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The portal's page answers 404 to anyone signed out (it never says whether a request
    exists): the e-mail's link goes through the sign-in page instead of that 404."""
    from allauth.account.models import EmailAddress

    from victo_crm.service_requests.services import service_request_submit

    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    with django_capture_on_commit_callbacks(execute=True):
        sr = service_request_submit(
            request_type=request_type,
            citizen=citizen,
            field_values={"taille": "petit"},
            address=address,
        )
    (receipt,) = [m for m in mail.outbox if m.to == [citizen.email]]
    (link,) = [link for link in links_of(receipt) if "/desabonnement/" not in link]
    visitor = Client()

    asked = follow(visitor, link)

    assert asked.status_code == 200 and asked.redirect_chain == []
    assert 'name="password"' in asked.content.decode()
    parts = urlsplit(link)
    signed_in = visitor.post(
        f"{parts.path}?{parts.query}",
        {"login": citizen.email, "password": "correct horse battery"},
        follow=True,
    )
    assert signed_in.redirect_chain[-1][0] == f"/portail/mes-requetes/{sr.reference}/"
    assert sr.reference in signed_in.content.decode()


def test_a_followers_e_mail_never_carries_the_guests_private_link(
    request_type: Any,
    address: Any,
    other_citizen: Any,
    agent_tp: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from victo_crm.service_requests.citizen import service_request_follow
    from victo_crm.service_requests.services import Contact, service_request_submit

    sr = service_request_submit(
        request_type=request_type,
        contact=Contact(name="Lucie Roy", email="lucie@example.ca"),
        field_values={"taille": "petit"},
        address=address,
    )
    service_request_follow(request=sr, user=other_citizen)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        move(sr, agent_tp, "assignee")
    to_jean = [m for m in mail.outbox if m.to == [other_citizen.email]]
    assert to_jean and all("/portail/suivi/" not in m.body for m in to_jean)
    to_lucie = [m for m in mail.outbox if m.to == ["lucie@example.ca"]]
    assert len(to_lucie) == 1 and "/portail/suivi/" in to_lucie[0].body


def test_without_an_acknowledgement_rule_the_portal_still_sends_her_link_once(
    request_type: Any, address: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from victo_crm.notifications.models import NotificationRule

    for rule in NotificationRule.objects.filter(event="request_received"):
        rule.is_active = False
        rule.save()  # through save(): the rules kept in memory are forgotten
    guest = Client()
    guest.post(
        reverse("portal:submit_location", args=[request_type.code]), {"address_id": address.pk}
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        guest.post(
            reverse("portal:submit_details", args=[request_type.code]),
            {
                "field_taille": "petit",
                "contact_name": "Lucie Roy",
                "contact_email": "lucie@example.ca",
            },
        )
    sr = ServiceRequest.objects.get()
    received = [m for m in mail.outbox if m.to == ["lucie@example.ca"]]
    assert len(received) == 1 and "/portail/suivi/" in received[0].body
    assert_every_link_opens(Client(), received[0], sr)
