"""Personas and requests for the desk's tests (the shared ones come from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import CENTRE_LAT, CENTRE_LON, make_user, sign_in
from victo_crm.accounts import roles
from victo_crm.desk.models import CannedResponse
from victo_crm.service_requests.grants import AccessGrant, GrantLevel
from victo_crm.service_requests.models import ServiceRequest, Transition
from victo_crm.service_requests.services import service_request_submit


@pytest.fixture
def submit(request_type, citizen, town) -> Callable[..., ServiceRequest]:
    """File a pothole report as Marie (or as someone else) through the real service."""

    def _submit(**kwargs: Any) -> ServiceRequest:
        values: dict[str, Any] = {
            "request_type": request_type,
            "citizen": citizen,
            "field_values": {"taille": "grand"},
            "description": "Un gros nid-de-poule devant l’école, rue Notre-Dame.",
            "latitude": CENTRE_LAT,
            "longitude": CENTRE_LON,
        }
        values.update(kwargs)
        if values.get("contact") is not None:
            values["citizen"] = None
        return service_request_submit(**values)

    return _submit


@pytest.fixture
def pothole(submit) -> ServiceRequest:
    return submit()


@pytest.fixture
def canned(db: None) -> CannedResponse:
    return CannedResponse.objects.create(
        title="Prise en charge",
        body_fr="Bonjour {citizen_name}, votre requête {reference} ({type}) est prise en charge.",
        body_en="Hello {citizen_name}, your request {reference} ({type}) is being handled.",
    )


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client


def transition(from_code: str, to_code: str) -> Transition:
    return Transition.objects.get(
        workflow__code="default", from_state__code=from_code, to_state__code=to_code
    )


# --- Access grants: agents of Environnement to whom an administrator opened Travaux publics ---


def grant(*, team: Any, level: str = GrantLevel.READ, **kwargs: Any) -> AccessGrant:
    """An access grant as the admin saves it (validated first)."""
    types, zones = kwargs.pop("request_types", ()), kwargs.pop("zones", ())
    access = AccessGrant(team=team, level=level, **kwargs)
    access.full_clean()
    access.save()
    access.request_types.set(types)
    access.zones.set(zones)
    return access


@pytest.fixture
def grant_reader(teams) -> Any:
    """An agent of Environnement who may read Travaux publics' requests."""
    user = make_user("lecteur.env@victoriaville.ca", role=roles.AGENT, teams=(teams["env"],))
    grant(team=teams["tp"], grantee=user, level=GrantLevel.READ, reason="Audit")
    return user


@pytest.fixture
def grant_actor(teams) -> Any:
    """An agent of Environnement who may read and act on Travaux publics' requests."""
    user = make_user("renfort.env@victoriaville.ca", role=roles.AGENT, teams=(teams["env"],))
    grant(team=teams["tp"], grantee=user, level=GrantLevel.ACT, reason="Renfort")
    return user


@pytest.fixture
def grant_expired(teams) -> Any:
    """An agent of Environnement whose acting grant on Travaux publics ended yesterday."""
    user = make_user("ancien.env@victoriaville.ca", role=roles.AGENT, teams=(teams["env"],))
    access = grant(team=teams["tp"], grantee=user, level=GrantLevel.ACT)
    yesterday = timezone.localdate() - timedelta(days=1)
    AccessGrant.objects.filter(pk=access.pk).update(ends_on=yesterday)  # saved before it ended
    return user
