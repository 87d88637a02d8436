"""Mail to the town's request address becomes a request in the triage type, routed by the
assignment rules to the intake team; staff give it its right type and place in one step."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail as django_mail

from tests.conftest import make_user, sign_in
from tests.inbound.conftest import REQUEST_ADDRESS, compose, image_bytes, last_sent_to
from victo_crm.accounts import roles
from victo_crm.accounts.models import Team
from victo_crm.inbound.models import InboundMessage, Status
from victo_crm.service_requests.models import Channel, EventKind, RequestEvent, ServiceRequest
from victo_crm.service_requests.services import service_request_reclassify

LETTER = """Bonjour,

Il y a un gros nid-de-poule devant le 1 rue Notre-Dame Est depuis une semaine.

Merci,
Paul Côté
"""


@pytest.fixture
def intake_agent(db: None) -> Any:
    return make_user(
        "accueil@victoriaville.ca", role=roles.AGENT, teams=(Team.objects.get(code="accueil"),)
    )


def test_a_stranger_writes_and_gets_a_guest_request_with_a_tracking_link(
    mailer, default_workflow, django_capture_on_commit_callbacks, make_image
):
    with django_capture_on_commit_callbacks(execute=True):
        mailer.smtp(
            compose(
                sender="Paul Côté <paul@example.com>",
                to=REQUEST_ADDRESS,
                subject="Nid-de-poule rue Notre-Dame",
                text=LETTER,
                attachments=[("trou.png", "image/png", image_bytes(make_image, fmt="PNG"))],
            )
        )
    message = InboundMessage.objects.get()
    assert message.status == Status.CREATED, message.detail
    sr = ServiceRequest.objects.get()
    assert message.request == sr
    assert sr.request_type.code == "a-trier" and sr.channel == Channel.EMAIL
    assert sr.team.code == "accueil"  # the seeded assignment rule
    assert sr.citizen is None and sr.contact_email == "paul@example.com"
    assert sr.contact_name == "Paul Côté"
    assert sr.description.startswith("Nid-de-poule rue Notre-Dame\n\nBonjour,")
    assert sr.attachments.count() == 1
    submitted = RequestEvent.objects.get(request=sr, kind=EventKind.SUBMITTED)
    assert submitted.data["inbound_message"] == message.pk
    receipt = last_sent_to("paul@example.com")
    assert "/portail/suivi/" in receipt.body  # the guest's tracking link
    assert receipt.extra_headers["Reply-To"].startswith("reponse+")


def test_a_citizen_with_a_verified_address_finds_it_in_her_portal(
    mailer, default_workflow, citizen, client, django_capture_on_commit_callbacks
):
    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    with django_capture_on_commit_callbacks(execute=True):
        mailer.lmtp(
            compose(sender=citizen.email, to=REQUEST_ADDRESS, subject="Lampadaire", text="Éteint.")
        )
    sr = ServiceRequest.objects.get()
    assert sr.citizen == citizen and not sr.tracking_token_hash
    client.force_login(citizen)
    assert sr.reference in client.get("/portail/mes-requetes/").content.decode()


def test_an_unverified_address_does_not_reach_an_account(
    mailer, default_workflow, citizen, django_capture_on_commit_callbacks
):
    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=False, primary=True)
    mailer.lmtp(compose(sender=citizen.email, to=REQUEST_ADDRESS, text="Bonjour"))
    sr = ServiceRequest.objects.get()
    assert sr.citizen is None  # a guest request: nobody reaches an account by its address


def test_the_acknowledgement_is_in_the_writers_language(
    mailer, default_workflow, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mailer.lmtp(
            compose(
                sender="john@example.com",
                to=REQUEST_ADDRESS,
                text="There is a broken bench.",
                headers={"Content-Language": "en"},
            )
        )
    assert ServiceRequest.objects.get().language == "en"
    french = [m for m in django_mail.outbox if "john@example.com" in m.to]
    assert french and all("requête" not in m.subject.lower() for m in french)


def test_staff_reclassify_to_the_right_type_and_place_in_one_step(
    mailer, default_workflow, request_type, address, intake_agent, client
):
    mailer.lmtp(compose(sender="paul@example.com", to=REQUEST_ADDRESS, text=LETTER))
    sr = ServiceRequest.objects.get()
    sign_in(client, intake_agent)
    page = client.get(f"/bureau/requetes/{sr.reference}/").content.decode()
    assert 'id="reclasser"' in page
    response = client.post(
        f"/bureau/requetes/{sr.reference}/reclasser/",
        {
            "version": sr.version,
            "request_type": request_type.code,
            "address_query": "1 rue Notre-Dame Est",
        },
    )
    assert response.status_code == 302
    sr.refresh_from_db()
    assert sr.request_type == request_type and sr.address == address
    assert sr.team == request_type.team  # routed again: the pothole's team
    assert sr.due_at == sr.created_at + __import__("datetime").timedelta(hours=72)
    event = RequestEvent.objects.get(request=sr, kind=EventKind.RECLASSIFIED)
    assert event.data["from_type"] == "a-trier" and not event.is_public


def test_reclassifying_needs_a_place_when_the_type_does(
    mailer, default_workflow, request_type, intake_agent
):
    from django.core.exceptions import ValidationError

    mailer.lmtp(compose(sender="paul@example.com", to=REQUEST_ADDRESS, text=LETTER))
    sr = ServiceRequest.objects.get()
    with pytest.raises(ValidationError) as refused:
        service_request_reclassify(request=sr, actor=intake_agent, request_type=request_type)
    assert "location" in refused.value.message_dict
