"""The messages sent about a request, on the desk's request page, in a real Chromium: the
receipt to the citizen and the SLA breach to the team, readable and accessible at phone and
desktop size."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tests.conftest import DESKTOP, PHONE, axe_violations, login, screenshot
from victo_crm.notifications.sla import sla_scan

from .helpers import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_desk_request_page_lists_the_sla_breach_with_the_other_messages(
    rules: Any,
    seeded: Any,
    town: Any,
    teams: Any,
    request_type: Any,
    citizen: Any,
    agent: Any,
    page: Any,
    live_server: Any,
) -> None:
    request = submit(request_type, citizen=citizen)
    with time_machine.travel(timezone.now() + timedelta(hours=73), tick=False):
        assert sla_scan().breaches == 1
    # The mail server said it could not deliver the receipt yet (a full mailbox).
    from victo_crm.notifications.models import DeliveryReceipt, Notification

    receipt_mail = Notification.objects.get(
        request=request, kind="request_received", channel="email", recipient=citizen
    )
    DeliveryReceipt.objects.create(
        notification=receipt_mail,
        address=citizen.email,
        kind=DeliveryReceipt.Kind.SOFT_BOUNCE,
        status_code="4.2.2",
    )
    login(page, agent, live_server.url)
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.goto(f"/bureau/requetes/{request.reference}/")
        section = page.locator("#avis-envoyes")
        text = section.inner_text()
        assert "Échéance dépassée" in text and agent.email in text
        assert "Requête reçue" in text and citizen.email in text
        assert "Non livré (temporaire) (avis reçu le" in text and "4.2.2" in text
        assert axe_violations(page) == []
        section.scroll_into_view_if_needed()
        screenshot(page, f"notifications-desk-request-{size_name}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"]
