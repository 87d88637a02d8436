"""The /alertes/ pages in a real Chromium: every page, anonymous, as a citizen and as staff,
in French and in English, passes axe-core (WCAG 2.0/2.1 A and AA), fits a 390-pixel phone
without sideways scrolling, and is screenshotted on the same visit at phone and desktop size
for a person to look at (test-artifacts/screenshots/alerts-*.png)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import DESKTOP, PHONE, axe_violations, login, make_user, screenshot
from tests.notifications.conftest import reseed_topics
from victo_crm.accounts import roles
from victo_crm.accounts.models import User
from victo_crm.alerts.models import (
    AlertTopic,
    CollectionCalendar,
    CollectionException,
    Notice,
    Subscription,
)
from victo_crm.alerts.services import notice_publish, notice_save_draft, notice_withdraw
from victo_crm.notifications.unsubscribe import make_token
from victo_crm.places.models import Address
from victo_crm.places.services import addresses_locate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def next_weekday(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7)


@pytest.fixture
def world(seeded: Any, town: Any, address: Any, citizen: Any) -> dict[str, Any]:
    """Marie lives at 1 rue Notre-Dame Est (sector A) and follows her mother's address too.
    Garbage every Monday, recycling every other Thursday; next Monday's garbage moves to
    Tuesday (a holiday) and a recycling day is cancelled (a storm)."""
    reseed_topics()
    topics = {t.code: t for t in AlertTopic.objects.all()}
    today = timezone.localdate()
    monday = next_weekday(today - timedelta(days=14), 0)
    thursday = next_weekday(today - timedelta(days=14), 3)
    garbage = CollectionCalendar.objects.create(
        zone=town["sector"], topic=topics["ordures"], weekday=0, reference_date=monday
    )
    recycling = CollectionCalendar.objects.create(
        zone=town["sector"],
        topic=topics["recyclage"],
        frequency="biweekly",
        weekday=3,
        reference_date=thursday,
    )
    holiday = next_weekday(today + timedelta(days=1), 0)
    CollectionException.objects.create(
        calendar=garbage,
        kind="moved",
        date=holiday,
        new_date=holiday + timedelta(days=1),
        reason_fr="Jour férié",
        reason_en="Holiday",
    )
    storm = next_weekday(today + timedelta(days=15), 3)
    CollectionException.objects.create(
        calendar=recycling,
        kind="cancelled",
        date=storm if (storm - thursday).days % 14 == 0 else storm + timedelta(days=7),
        reason_fr="Tempête de neige",
        reason_en="Snowstorm",
    )
    mother = Address.objects.create(
        civic_number=250,
        street="boulevard des Bois-Francs Sud",
        postal_code="G6P 4S9",
        latitude=46.04,
        longitude=-71.93,
    )
    addresses_locate(addresses=[mother])
    citizen.address = address
    citizen.save(update_fields=["address"])
    Subscription.objects.create(
        user=citizen, topic=topics["ordures"], address=address, channels=["email", "in_app"]
    )
    Subscription.objects.create(
        user=citizen,
        topic=topics["travaux"],
        address=mother,
        label="Chez ma mère",
        channels=["email"],
    )
    editor = make_user(
        "communications@victoriaville.ca", role=roles.WEB_EDITOR, first_name="Sophie"
    )
    # Publishing notices that reach the whole town (the sector holds every address here)
    # and emergencies is a supervisor's permission.
    chief = make_user("direction@victoriaville.ca", role=roles.SUPERVISOR, first_name="Hélène")
    now = timezone.now()

    def notice(**values: Any) -> Notice:
        defaults: dict[str, Any] = {
            "topic": topics["travaux"],
            "title_fr": "Fermeture de la rue Notre-Dame Est",
            "title_en": "Rue Notre-Dame Est closed",
            "body_fr": "La rue sera fermée entre les rues Girouard et Saint-Jean-Baptiste.\n"
            "Un détour est indiqué.",
            "body_en": "The street will be closed between Girouard and Saint-Jean-Baptiste.\n"
            "A detour is signposted.",
            "area_kind": "zones",
            "starts_at": now - timedelta(hours=1),
            "ends_at": now + timedelta(days=3),
        }
        defaults.update(values)
        return notice_save_draft(notice=Notice(**defaults), actor=editor, zones=[town["sector"]])

    works = notice_publish(notice=notice(), actor=chief)
    boil = notice_publish(
        notice=notice(
            topic=topics["urgences"],
            severity="emergency",
            title_fr="Avis d’ébullition préventif",
            title_en="Precautionary boil-water notice",
            body_fr="Faites bouillir l’eau une minute avant de la boire.",
            body_en="Boil water for one minute before drinking it.",
            area_kind="town",
            ends_at=None,
        ),
        actor=chief,
    )
    draft = notice(
        severity="warning",
        title_fr="Travaux d’aqueduc, rue des Érables",
        title_en="Water main work, rue des Érables",
    )
    old = notice_publish(
        notice=notice(title_fr="Collecte reportée", title_en="Collection postponed"),
        actor=chief,
    )
    notice_withdraw(notice=old, actor=editor)
    return {
        "citizen": citizen,
        "editor": editor,
        "address": address,
        "works": works,
        "boil": boil,
        "draft": draft,
        "withdrawn": old,
        "unsubscribe": make_token(user_id=citizen.pk, email=citizen.email, topic="collections"),
    }


@pytest.fixture
def tab(page: Any) -> Any:
    page.route(re.compile(r"https?://(?!127\.0\.0\.1|localhost).*"), lambda route: route.abort())
    return page


def public_pages(world: dict[str, Any]) -> dict[str, str]:
    return {
        "accueil": "/alertes/",
        "avis-urgence": f"/alertes/en-vigueur/{world['boil'].pk}/",
        "avis-travaux": f"/alertes/en-vigueur/{world['works'].pk}/",
        "avis-retire": f"/alertes/en-vigueur/{world['withdrawn'].pk}/",
        "collectes-recherche": "/alertes/collectes/",
        "collectes-adresse-inconnue": "/alertes/collectes/?q=999+rue+Inexistante",
        "collectes-adresse": f"/alertes/collectes/adresse/{world['address'].pk}/",
        "desabonnement": f"/alertes/desabonnement/{world['unsubscribe']}/",
        "desabonnement-invalide": "/alertes/desabonnement/pas-un-jeton/",
    }


def citizen_pages(world: dict[str, Any]) -> dict[str, str]:
    return {
        "accueil-connecte": "/alertes/",
        "abonnements": "/alertes/abonnements/",
        "mon-calendrier": "/alertes/mon-calendrier/",
    }


def staff_pages(world: dict[str, Any]) -> dict[str, str]:
    return {
        "avis-liste": "/alertes/avis/",
        "avis-nouveau": "/alertes/avis/nouveau/",
        "avis-brouillon": f"/alertes/avis/{world['draft'].pk}/",
        "avis-modifier": f"/alertes/avis/{world['draft'].pk}/modifier/",
        "avis-publie": f"/alertes/avis/{world['works'].pk}/",
    }


def refused_forms(page: Any, who: str) -> dict[str, Any]:
    """Forms sent empty or wrong, so the error summaries are checked too."""
    shown: dict[str, Any] = {}
    if who == "citizen":
        page.goto("/alertes/abonnements/")
        page.fill("#id_address", "999 rue Inexistante")
        page.locator("form[method=post] button[type=submit]").last.click()
        page.wait_for_selector(".error-summary")
        shown["abonnements-refuse"] = page
    if who == "staff":
        page.goto("/alertes/avis/nouveau/")
        page.fill("#id_title_fr", "")
        page.locator("main form button[type=submit]").click()
        page.wait_for_selector(".error-summary")
        shown["avis-refuse"] = page
    return shown


def visit(page: Any, who: str, world: dict[str, Any], live_server: Any) -> dict[str, str]:
    """Sign the right person in and return the pages they see."""
    page.context.clear_cookies()
    if who == "anonymous":
        return public_pages(world)
    login(page, world["citizen" if who == "citizen" else "editor"], live_server.url)
    return citizen_pages(world) if who == "citizen" else staff_pages(world)


def check(
    page: Any,
    name: str,
    size: dict[str, int],
    failures: dict[str, Any],
    too_wide: dict[str, int],
) -> None:
    """axe-core at this size (a phone's layout is not the desktop's), and on a phone,
    nothing wider than the screen and every button in reach without scrolling sideways."""
    label = f"{name} {size['width']}px"
    if violations := axe_violations(page):
        failures[label] = violations
    if size is PHONE:
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[label] = width
        hidden = page.evaluate(
            """() => [...document.querySelectorAll('main button, main a.button')]
                .filter(b => b.offsetParent !== null)
                .filter(b => { const r = b.getBoundingClientRect();
                               return r.right > window.innerWidth || r.left < 0; })
                .map(b => b.textContent.trim())"""
        )
        if hidden:
            too_wide[f"{label} buttons {hidden}"] = width


def shoot(page: Any, name: str, language: str, size: dict[str, int]) -> None:
    """A screenshot for a person to look at: French at both sizes, English on the phone
    (the longer words), taken on the visit that axe-core checks."""
    if language == "en" and size is not PHONE:
        return
    suffix = ("phone" if size is PHONE else "desktop") + ("-en" if language == "en" else "")
    assert screenshot(page, f"alerts-{name}-{suffix}").endswith(".png")


@pytest.mark.slow
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_alerts_page_passes_axe_and_fits_a_phone(
    tab: Any, world: dict[str, Any], live_server: Any, language: str
) -> None:
    page = tab
    failures: dict[str, Any] = {}
    too_wide: dict[str, int] = {}
    for who in ("anonymous", "citizen", "staff"):
        pages = visit(page, who, world, live_server)
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        for size in (PHONE, DESKTOP):
            page.set_viewport_size(size)
            for name, url in pages.items():
                response = page.goto(url)
                assert response is not None
                expected = 400 if name == "desabonnement-invalide" else 200
                assert response.status == expected, (who, url, response.status)
                assert page.locator("html").get_attribute("lang") == language, url
                check(page, f"{who} {name}", size, failures, too_wide)
                shoot(page, name, language, size)
            for name, shown in refused_forms(page, who).items():
                check(shown, f"{who} {name}", size, failures, too_wide)
                shoot(shown, name, language, size)
    assert failures == {}
    assert too_wide == {}


def test_the_confirmation_and_approval_pages_at_phone_and_desktop_size(
    tab: Any, world: dict[str, Any], live_server: Any
) -> None:
    """A supervisor about to send an emergency to the whole town sees who it reaches, per
    channel, and a box to tick; under the two-person rule, another supervisor sees the
    request to approve. French, 390 and 1280 pixels wide; axe-core clean."""
    from victo_crm.alerts.models import NoticePolicy

    page = tab
    topics = {t.code: t for t in AlertTopic.objects.all()}
    chief = User.objects.get(email="direction@victoriaville.ca")
    second = make_user("direction.adjointe@victoriaville.ca", role=roles.SUPERVISOR)
    emergency = notice_save_draft(
        notice=Notice(
            topic=topics["urgences"],
            severity="emergency",
            title_fr="Avis d’ébullition préventif",
            body_fr="Faites bouillir l’eau une minute avant de la boire.",
            area_kind="town",
            starts_at=timezone.now(),
        ),
        actor=chief,
    )
    NoticePolicy(require_second_approval=True).save()
    pending = notice_publish(
        notice=notice_save_draft(
            notice=Notice(
                topic=topics["urgences"],
                severity="emergency",
                title_fr="Fermeture du pont Gamache",
                body_fr="Le pont est fermé.",
                area_kind="town",
                starts_at=timezone.now(),
            ),
            actor=chief,
        ),
        actor=chief,
    )
    failures: dict[str, Any] = {}
    too_wide: dict[str, int] = {}
    for who, user, name, url in (
        ("chief", chief, "avis-confirmer", f"/alertes/avis/{emergency.pk}/publier/"),
        ("second", second, "avis-a-approuver", f"/alertes/avis/{pending.pk}/"),
        ("second", second, "avis-liste-approbation", "/alertes/avis/"),
    ):
        page.context.clear_cookies()
        login(page, user, live_server.url)
        for size in (PHONE, DESKTOP):
            page.set_viewport_size(size)
            response = page.goto(url)
            assert response is not None and response.status == 200, (who, url)
            check(page, f"{who} {name}", size, failures, too_wide)
            suffix = "phone" if size is PHONE else "desktop"
            screenshot(page, f"alerts-{name}-{suffix}")
        if name == "avis-confirmer":
            assert page.get_by_text("Messages prévus, par canal").is_visible()
            assert page.get_by_label(re.compile("je confirme son envoi")).is_visible()
    assert failures == {}
    assert too_wide == {}
