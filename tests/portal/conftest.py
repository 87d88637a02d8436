"""Portal personas and requests: Marie (citizen) filed requests; Jean (other_citizen) did not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from tests.conftest import CENTRE_LAT, CENTRE_LON
from victo_crm.service_requests.models import ServiceRequest, Transition
from victo_crm.service_requests.services import Contact, service_request_submit


@pytest.fixture
def verified(citizen: Any, other_citizen: Any) -> None:
    """Both citizens' e-mails are verified, as after a real sign-up."""
    for user in (citizen, other_citizen):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


@pytest.fixture
def marie(client: Client, citizen: Any, verified: None) -> Client:
    client.force_login(citizen)
    return client


@pytest.fixture
def jean(other_citizen: Any, verified: None) -> Client:
    c = Client()
    c.force_login(other_citizen)
    return c


@pytest.fixture
def marie_request(citizen: Any, request_type: Any, address: Any, make_image: Any) -> ServiceRequest:
    return service_request_submit(
        request_type=request_type,
        citizen=citizen,
        description="Un gros trou devant chez moi",
        field_values={"taille": "grand"},
        address=address,
        photos=[make_image("trou.jpg")],
    )


@pytest.fixture
def guest_request(request_type: Any, town: Any, make_image: Any) -> ServiceRequest:
    return service_request_submit(
        request_type=request_type,
        contact=Contact(name="Invitée Roy", email="invitee@example.ca"),
        description="Trou signalé sans compte",
        field_values={"taille": "petit"},
        latitude=CENTRE_LAT + 0.0003,
        longitude=CENTRE_LON,
        photos=[make_image("invite.jpg")],
    )


def close_request(sr: ServiceRequest, actor: Any, *, days_ago: int = 0) -> ServiceRequest:
    """Move a request to Résolue through the engine, then age its closing if asked."""
    from victo_crm.service_requests.services import service_request_transition

    transition = Transition.objects.get(
        workflow=sr.state.workflow, from_state=sr.state, to_state__code="resolue"
    )
    service_request_transition(request=sr, transition=transition, actor=actor)
    if days_ago:
        ServiceRequest.objects.filter(pk=sr.pk).update(
            closed_at=timezone.now() - timedelta(days=days_ago)
        )
    return ServiceRequest.objects.select_related("state", "request_type").get(pk=sr.pk)
