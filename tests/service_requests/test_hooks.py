"""The requests call the outbox above them through one hook, set when Django starts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.notifications.helpers import submit
from victo_crm.notifications.services import outbox_for_request_event
from victo_crm.service_requests import hooks
from victo_crm.service_requests.models import ServiceRequest

pytestmark = pytest.mark.django_db


def test_the_notifications_app_listens_to_request_events() -> None:
    assert hooks._listener is outbox_for_request_event


@pytest.mark.django_db(transaction=True)
def test_without_a_listener_a_submission_refuses_rather_than_lose_its_messages(
    seeded, request_type, citizen, town, monkeypatch
) -> None:
    """Outside any transaction, as a page or the API calls it: the submission's own
    transaction rolls back (inside a caller's, the caller's does)."""
    monkeypatch.setattr(hooks, "_listener", None)
    with pytest.raises(ImproperlyConfigured):
        submit(request_type, citizen=citizen)
    assert not ServiceRequest.objects.exists()
