"""The follower's view in a real Chromium, on a phone, in French and in English: the request
page and the in-app inbox show the state changes and the message published to followers,
nothing of the requester; axe-core finds nothing; screenshots for a person to look at."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from allauth.account.models import EmailAddress

from tests.conftest import PHONE, axe_violations, login, screenshot
from tests.notifications.conftest import reseed_rules
from tests.portal.conftest import close_request
from victo_crm.service_requests.citizen import (
    service_request_follow,
    service_request_rate,
    service_request_reopen,
)
from victo_crm.service_requests.models import ServiceRequest
from victo_crm.service_requests.services import service_request_reply, service_request_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLISHED = "Les réparations de la rue Notre-Dame sont prévues la semaine prochaine."
SECRETS = ("Marie", "Tremblay", "819 555-0142", "devant chez moi", "Trop lent")


@pytest.fixture
def tell_story(
    seeded: Any,
    town: Any,
    address: Any,
    request_type: Any,
    citizen: Any,
    other_citizen: Any,
    agent: Any,
) -> Callable[[], ServiceRequest]:
    """Marie files, Jean follows, the agent writes to Marie then to the followers; resolved,
    rated and reopened with a phone number. Told once Jean's language is set: messages are
    written in each person's language when they are sent."""
    reseed_rules()
    for user in (citizen, other_citizen):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    def tell() -> ServiceRequest:
        sr = service_request_submit(
            request_type=request_type,
            citizen=citizen,
            description="Un gros trou devant chez moi",
            field_values={"taille": "grand"},
            address=address,
        )
        service_request_follow(request=sr, user=other_citizen)
        service_request_reply(request=sr, actor=agent, text="Bonjour Madame Tremblay, jeudi.")
        service_request_reply(request=sr, actor=agent, text=PUBLISHED, for_followers=True)
        sr = close_request(ServiceRequest.objects.get(pk=sr.pk), agent)
        service_request_rate(request=sr, citizen=citizen, rating=2, comment="Trop lent")
        service_request_reopen(request=sr, citizen=citizen, reason="Rappelez-moi au 819 555-0142.")
        return sr

    return tell


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_followers_request_page_and_inbox_on_a_phone(
    page: Any,
    live_server: Any,
    tell_story: Callable[[], ServiceRequest],
    other_citizen: Any,
    language: str,
) -> None:
    other_citizen.preferred_language = language
    other_citizen.save(update_fields=["preferred_language"])
    followed = tell_story()
    page.route(re.compile(r"https?://(?!127\.0\.0\.1|localhost).*"), lambda route: route.abort())
    page.set_viewport_size(PHONE)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    login(page, other_citizen, live_server.url)

    page.goto(f"/portail/mes-requetes/{followed.reference}/")
    assert page.locator("html").get_attribute("lang") == language
    text = page.locator("main").inner_text()
    for secret in SECRETS:
        assert secret not in text, secret
    assert PUBLISHED in text
    assert ("Rouverte" if language == "fr" else "Reopened") in text
    assert axe_violations(page) == []
    screenshot(page, f"portal-follower-request-{language}-phone")

    page.goto("/portail/avis/")
    text = page.locator("main").inner_text()
    for secret in SECRETS:
        assert secret not in text, secret
    assert PUBLISHED in text
    assert ("Requête suivie" if language == "fr" else "Request you follow") in text
    assert axe_violations(page) == []
    screenshot(page, f"portal-follower-inbox-{language}-phone")
