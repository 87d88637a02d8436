"""My notices in a real Chromium: the page on a 375 px phone passes axe-core and never
scrolls sideways; Marie marks a notice read with its button, then all of them, without
any script of ours being needed."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import DESKTOP, axe_violations, login, screenshot
from victo_crm.notifications.models import Notification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_PHONE = {"width": 375, "height": 740}


@pytest.fixture
def tab(page: Any) -> Any:
    # No Internet on the test machine: anything off the live server is refused.
    page.route(re.compile(r"https?://(?!127\.0\.0\.1|localhost).*"), lambda route: route.abort())
    return page


@pytest.fixture
def notices(citizen: Any) -> list[Notification]:
    """Marie's inbox: an urgent notice and a request update unread, two older ones read."""
    now = timezone.now()
    rows = [
        (
            "Avis d’ébullition préventif — secteur Ouest",
            "Faites bouillir l’eau du robinet une minute avant de la boire.\n"
            "L’avis reste en vigueur jusqu’à nouvel ordre.",
            True,
            None,
            "/alertes/",
        ),
        (
            "Votre requête VIC-2026-000123 est en cours",
            "Une équipe des Travaux publics s’en occupe. Nous vous écrirons quand ce sera réglé.",
            False,
            None,
            "/portail/mes-requetes/",
        ),
        (
            "Rappel : collecte des matières recyclables demain",
            "Sortez votre bac bleu avant 7 h.",
            False,
            now - timedelta(days=1),
            "",
        ),
        (
            "Votre requête VIC-2026-000098 est résolue",
            "Merci de nous l’avoir signalé.",
            False,
            now - timedelta(days=3),
            "/portail/mes-requetes/",
        ),
    ]
    made = []
    for age, (subject, body, urgent, read_at, link) in enumerate(rows):
        n = Notification.objects.create(
            recipient=citizen,
            channel="in_app",
            status="sent",
            kind="notice" if urgent else "request_update",
            dedup_key=f"browser-inbox:{age}",
            subject=subject,
            body=body,
            is_emergency=urgent,
            read_at=read_at,
            link=link,
        )
        Notification.objects.filter(pk=n.pk).update(created_at=now - timedelta(hours=age * 20))
        made.append(n)
    return made


def nav(page: Any) -> Any:
    return page.locator(".site-header__nav")


def test_the_inbox_on_a_375px_phone_passes_axe_and_fits_the_screen(
    tab: Any, citizen: Any, notices: list[Notification], live_server: Any
) -> None:
    page = tab
    page.set_viewport_size(SMALL_PHONE)
    login(page, citizen, live_server.url)
    page.goto("/portail/avis/")

    assert page.locator("h1").inner_text() == "Mes avis"
    nav_link = nav(page).locator("a[aria-current=page]")
    assert nav_link.inner_text().startswith("Mes avis (2")
    assert page.locator(".inbox-item").count() == 4
    assert page.locator(".inbox-item--unread").count() == 2
    assert page.locator(".inbox-item--urgent .badge", has_text="Urgent").count() == 1
    assert nav(page).get_by_role("link", name="Alertes et collectes").count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SMALL_PHONE["width"], f"{width}px"
    assert axe_violations(page) == []
    screenshot(page, "portal-avis-phone")

    # The other pages keep a usable nav at this width too.
    for url in ("/portail/", "/portail/mes-requetes/"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    page.context.clear_cookies()
    page.goto("/portail/")
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    assert nav(page).get_by_role("link", name="Alertes et collectes").count() == 1
    assert axe_violations(page) == []


def test_marie_marks_one_notice_read_then_all(
    tab: Any, citizen: Any, notices: list[Notification], live_server: Any
) -> None:
    page = tab
    page.set_viewport_size(DESKTOP)
    login(page, citizen, live_server.url)
    page.goto("/portail/avis/")
    screenshot(page, "portal-avis-desktop")
    urgent, update = notices[0], notices[1]

    page.get_by_role("button", name=re.compile(f"Marquer comme lu : {update.subject}")).click()
    page.wait_for_selector("text=L’avis est marqué comme lu.")

    update.refresh_from_db()
    urgent.refresh_from_db()
    assert update.read_at is not None and urgent.read_at is None
    assert page.locator(f"#avis-{update.pk}").get_attribute("class") == "inbox-item"
    assert "Non lu" in page.locator(f"#avis-{urgent.pk}").inner_text()
    assert nav(page).locator("a[aria-current=page]").inner_text().startswith("Mes avis (1")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Tout marquer comme lu").click()
    page.wait_for_selector("text=Tous vos avis sont marqués comme lus.")
    assert not Notification.objects.filter(recipient=citizen, read_at__isnull=True).exists()
    assert page.locator(".inbox-item--unread").count() == 0
    assert nav(page).locator("a[aria-current=page]").inner_text() == "Mes avis"
    assert page.get_by_role("button", name="Tout marquer comme lu").count() == 0


def test_the_empty_inbox_passes_axe(tab: Any, citizen: Any, live_server: Any) -> None:
    page = tab
    page.set_viewport_size(SMALL_PHONE)
    login(page, citizen, live_server.url)
    page.goto("/portail/avis/")
    assert "Vous n’avez aucun avis pour l’instant." in page.locator("main").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "portal-avis-vide-phone")
