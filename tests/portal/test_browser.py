"""The portal in a real Chromium: sign-up to a filed request, the guest flow, reopen and
rating, axe-core on every page in both languages, and screenshots at phone and desktop size.

Map tiles come from the Internet (OpenStreetMap's by default), which the test machine does
not have: the browser gets a stand-in image for each tile (``keep_offline``) and any other
outside request is refused."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from tests.conftest import DESKTOP, PHONE, axe_violations, login, screenshot
from tests.portal.conftest import close_request
from victo_crm.accounts.models import User
from victo_crm.service_requests.models import ServiceRequest
from victo_crm.service_requests.services import Contact, service_request_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(seeded: Any, town: Any, address: Any, request_type: Any, citizen: Any) -> dict[str, Any]:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    return {"address": address, "type": request_type, "citizen": citizen}


@pytest.fixture
def tab(page: Any) -> Any:
    page.route(re.compile(r"https?://(?!127\.0\.0\.1|localhost).*"), lambda route: route.abort())
    return page


def photo_file(tmp_path: Any, name: str, make_image: Any, fmt: str = "JPEG") -> str:
    path = tmp_path / name
    path.write_bytes(make_image(name, fmt=fmt).getvalue())
    return str(path)


def choose_address(page: Any, field: str, text: str) -> None:
    """Type in the combobox, then pick the first suggestion with the keyboard."""
    box = page.locator(f"#{field}")
    box.fill("")
    box.type(text, delay=20)
    page.wait_for_selector(f"#{field}-list [role=option]")
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant")
    box.press("Enter")


def test_sign_up_verify_set_address_and_file_a_request_with_two_photos(
    tab: Any, world: dict[str, Any], tmp_path: Any, make_image: Any, live_server: Any
) -> None:
    page = tab
    mail.outbox.clear()
    cache.clear()  # allauth limits confirmation e-mails per address, in the cache
    page.goto("/portail/")
    page.get_by_role("link", name="Créer un compte").first.click()
    page.fill("#id_email", "nadia@example.ca")
    page.fill("#id_password1", "une longue phrase de passe")
    page.fill("#id_password2", "une longue phrase de passe")
    page.locator("form.account-form button[type=submit]").click()
    page.wait_for_url("**/compte/confirm-email/")
    assert "Confirmez votre adresse courriel" in page.locator("h1").inner_text()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nadia@example.ca"]
    code = re.search(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b", mail.outbox[0].body)
    assert code, mail.outbox[0].body
    page.get_by_label("Code de confirmation").fill(code.group(0))
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url("**/portail/")
    nadia = User.objects.get(email="nadia@example.ca")
    assert nadia.preferred_language == "fr"

    # Set an address with the accessible autocomplete.
    page.get_by_role("link", name="Mon profil").first.click()
    page.fill("#id_first_name", "Nadia")
    choose_address(page, "id_address_query", "1 notre")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_selector("text=Votre profil est à jour.")
    nadia.refresh_from_db()
    assert nadia.address == world["address"]

    # File a request: search the type, say where, fill the fields, attach two photos.
    page.get_by_role("link", name="Faire une requête").first.click()
    page.fill("#id_q", "chaussée")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name=re.compile("Nid-de-poule")).click()
    choose_address(page, "id_address_query", "1 notre")
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/details/")
    page.get_by_label("Moyen").check()
    page.get_by_label("Nord").check()
    page.fill("#id_field_nombre", "2")
    page.fill("#id_description", "Deux trous profonds devant le 1")
    page.set_input_files(
        "#id_photos",
        [
            photo_file(tmp_path, "a.jpg", make_image),
            photo_file(tmp_path, "b.png", make_image, "PNG"),
        ],
    )
    assert page.locator(".photo-preview li").count() == 2
    page.get_by_role("button", name="Envoyer la requête").click()
    page.wait_for_url("**/requete/envoyee/")
    sr = ServiceRequest.objects.get(citizen=nadia)
    assert sr.reference in page.locator(".reference").inner_text()
    assert sr.attachments.count() == 2 and sr.field_values["voies"] == ["nord"]
    page.get_by_role("link", name="Mes requêtes").first.click()
    assert sr.reference in page.locator(".request-list").inner_text()
    assert axe_violations(page) == []


def test_a_guest_files_with_the_keyboard_and_follows_with_the_tracking_link(
    tab: Any, world: dict[str, Any], live_server: Any, tmp_path: Any, make_image: Any
) -> None:
    page = tab
    mail.outbox.clear()
    page.goto("/portail/requete/")
    page.keyboard.press("Tab")  # the skip link comes first
    page.focus("#id_q")
    page.keyboard.type("nid")
    page.keyboard.press("Enter")
    page.get_by_role("link", name=re.compile("Nid-de-poule")).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/lieu/")
    choose_address(page, "id_address_query", "1 notre")
    # The live region says what was chosen, not "1 adresse trouvée…".
    live = page.locator("#id_address_query-status, [data-address-autocomplete] [role=status]")
    expect(live.first).to_have_text("Adresse choisie\u00a0: 1, rue Notre-Dame Est, Victoriaville")
    page.keyboard.press("Tab")
    page.locator("#id_location_text").focus()
    page.keyboard.type("Devant l’entrée")
    page.keyboard.press("Enter")
    page.wait_for_url("**/details/")
    # First try: two photos, but no size and no e-mail. Every error shows, the photos stay.
    page.set_input_files(
        "#id_photos",
        [
            photo_file(tmp_path, "trou.jpg", make_image),
            photo_file(tmp_path, "autre.jpg", make_image),
        ],
    )
    page.locator("#id_description").focus()
    page.keyboard.type("Un trou dangereux")
    page.locator("#id_contact_name").focus()
    page.keyboard.type("Lucie Roy")
    page.get_by_role("button", name="Envoyer la requête").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#error-summary")).to_be_focused()
    summary = page.locator("#error-summary").inner_text()
    assert "Taille" in summary and "Votre courriel" in summary
    assert page.locator("#id_description").input_value() == "Un trou dangereux"
    assert page.locator(".kept-photo img").count() == 2
    # "Retirer" drops one kept photo without sending the form, and says so.
    page.get_by_role("button", name="Retirer la photo autre.jpg").click()
    expect(page.locator(".kept-photo")).to_have_count(1)
    expect(page.locator("#portal-status")).to_contain_text("Photo «\u00a0autre.jpg\u00a0» retirée.")
    page.locator("#id_field_taille_0").focus()
    page.keyboard.press("Space")
    page.locator("#id_contact_email").focus()
    page.keyboard.type("lucie@example.ca")
    page.get_by_role("button", name="Envoyer la requête").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/requete/envoyee/")
    sr = ServiceRequest.objects.get(contact_email="lucie@example.ca")
    assert sr.citizen is None and sr.location_text == "Devant l’entrée"
    assert [a.original_name for a in sr.attachments.all()] == ["trou.jpg"]  # never chosen again
    link = page.locator(".tracking-link a").inner_text()
    # The e-mail's link is on the configured site (VICTO_SITE_URL), the page's on this server.
    assert urlsplit(link).path in mail.outbox[-1].body
    page.goto(link)
    assert sr.reference in page.locator("h1").inner_text()
    assert "Requête reçue" in page.locator(".timeline").inner_text()
    assert axe_violations(page) == []
    page.goto(link[:-3] + "xyz")
    assert "Page introuvable" in page.locator("h1").inner_text()


def test_marie_rates_and_reopens_a_resolved_request(
    tab: Any, world: dict[str, Any], agent: Any, live_server: Any
) -> None:
    page = tab
    sr = service_request_submit(
        request_type=world["type"],
        citizen=world["citizen"],
        field_values={"taille": "grand"},
        address=world["address"],
        description="Trou au coin",
    )
    close_request(sr, agent)
    login(page, world["citizen"], live_server.url)
    page.goto(f"/portail/mes-requetes/{sr.reference}/")
    assert "Réglée" in page.locator(".badge").first.inner_text()
    page.get_by_label("4 — Satisfait").check()
    page.fill("#id_comment", "Rapide, merci")
    page.get_by_role("button", name="Envoyer mon évaluation").click()
    page.wait_for_selector("text=Merci pour votre évaluation\u00a0!")
    page.get_by_role("button", name="Rouvrir la requête").click()
    assert "Expliquez en quelques mots" in page.locator(".error-summary").first.inner_text()
    page.fill("#id_reason", "Le trou s’est rouvert après la pluie")
    page.get_by_role("button", name="Rouvrir la requête").click()
    page.wait_for_selector("text=Votre requête est rouverte.")
    sr.refresh_from_db()
    assert sr.state.code == "rouverte" and sr.rating == 4
    assert "Nouvel état\u00a0: Rouverte" in page.locator(".timeline").inner_text()


def test_offline_submission_is_kept_and_sent_when_the_connection_returns(
    tab: Any, world: dict[str, Any], live_server: Any
) -> None:
    page = tab
    login(page, world["citizen"], live_server.url)
    page.goto(f"/portail/requete/{world['type'].code}/lieu/")
    choose_address(page, "id_address_query", "1 notre")
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/details/")
    page.get_by_label("Petit").check()
    page.fill("#id_description", "Écrit sans réseau")
    page.context.set_offline(True)
    page.get_by_role("button", name="Envoyer la requête").click()
    page.wait_for_selector("text=Votre requête est gardée sur cet appareil")
    assert not ServiceRequest.objects.exists()
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("text=Votre requête gardée sur cet appareil a été envoyée")
    assert ServiceRequest.objects.get().description == "Écrit sans réseau"


# --- Accessibility and looks on every page ---------------------------------------------------


def _pages(
    world: dict[str, Any], agent: Any, guest_token: str, sr: Any, closed: Any
) -> dict[str, list[str]]:
    code = world["type"].code
    return {
        "anonymous": [
            "/portail/",
            "/portail/requete/",
            "/portail/requete/?q=trou",
            f"/portail/requete/{code}/lieu/",
            f"/portail/requete/{code}/details/",
            f"/portail/suivi/{guest_token}/",
            "/portail/suivi/jeton-inconnu/",
            "/portail/hors-ligne/",
            "/compte/login/",
            "/compte/signup/",
            "/compte/password/reset/",
        ],
        "signed_in": [
            "/portail/",
            "/portail/mes-requetes/",
            f"/portail/mes-requetes/{sr.reference}/",
            f"/portail/mes-requetes/{closed.reference}/",
            "/portail/requete/",
            f"/portail/requete/{code}/lieu/",
            f"/portail/requete/{code}/details/",
            "/portail/profil/",
            "/portail/preferences/",
            "/portail/mes-donnees/",
            "/portail/mes-donnees/supprimer/",
            "/compte/email/",
            "/compte/password/change/",
            "/compte/2fa/",
            "/compte/2fa/totp/activate/",
            "/compte/logout/",
        ],
    }


@pytest.fixture
def populated(world: dict[str, Any], agent: Any, make_image: Any) -> dict[str, Any]:
    sr = service_request_submit(
        request_type=world["type"],
        citizen=world["citizen"],
        field_values={"taille": "grand", "voies": ["nord"]},
        address=world["address"],
        description="Un gros trou <script>alert(1)</script>",
        photos=[make_image("a.jpg")],
    )
    closed = service_request_submit(
        request_type=world["type"],
        citizen=world["citizen"],
        field_values={"taille": "petit"},
        address=world["address"],
    )
    close_request(closed, agent)
    guest = service_request_submit(
        request_type=world["type"],
        contact=Contact(name="Lucie", email="lucie@example.ca"),
        field_values={"taille": "petit"},
        address=world["address"],
        photos=[make_image("g.jpg")],
    )
    return {"sr": sr, "closed": closed, "token": guest.tracking_token}


@pytest.mark.slow
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_portal_page_passes_axe_anonymous_and_signed_in(
    tab: Any,
    world: dict[str, Any],
    populated: dict[str, Any],
    agent: Any,
    live_server: Any,
    language: str,
) -> None:
    page = tab
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    pages = _pages(world, agent, populated["token"], populated["sr"], populated["closed"])
    failures = {}
    for who in ("anonymous", "signed_in"):
        if who == "signed_in":
            login(page, world["citizen"], live_server.url)
            # The location step fills the session so the details step can be shown.
            page.goto(f"/portail/requete/{world['type'].code}/lieu/")
            choose_address(page, "id_address_query", "1 notre")
            page.get_by_role("button", name=re.compile("Continuer|Continue")).click()
            page.wait_for_url("**/details/")
        else:
            page.goto(f"/portail/requete/{world['type'].code}/lieu/")
            page.fill("#id_address_query", "1 notre-dame est")
            page.locator("form.location-form button[type=submit]").click()
            page.wait_for_url("**/details/")
        for url in pages[who]:
            page.goto(url)
            assert page.locator("html").get_attribute("lang") == language, url
            violations = axe_violations(page)
            if violations:
                failures[f"{who} {url}"] = violations
        # Pages with messages shown: refused forms.
        if who == "anonymous":
            page.goto(f"/portail/requete/{world['type'].code}/details/")
            page.locator("form.details-form button[type=submit]").click()
            page.wait_for_selector(".error-summary")
            if violations := axe_violations(page):
                failures[f"{who} details refused"] = violations
            page.goto(f"/portail/requete/{world['type'].code}/lieu/")
            page.locator("details.map-block summary").click()
            page.wait_for_selector("#map.leaflet-container")
            page.locator("[data-map-centre]").click()
            if violations := axe_violations(page):
                failures[f"{who} map open"] = violations
    assert failures == {}


def test_script_tags_are_text_in_the_browser(
    tab: Any, world: dict[str, Any], populated: dict[str, Any], live_server: Any
) -> None:
    page = tab
    alerts: list[str] = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    login(page, world["citizen"], live_server.url)
    page.goto(f"/portail/mes-requetes/{populated['sr'].reference}/")
    assert "<script>alert(1)</script>" in page.locator(".description").inner_text()
    assert alerts == []


SCREENS = {
    "accueil": "/portail/",
    "type": "/portail/requete/",
    "lieu": "/portail/requete/{code}/lieu/",
    "details": "/portail/requete/{code}/details/",
    "mes-requetes": "/portail/mes-requetes/",
    "requete": "/portail/mes-requetes/{ref}/",
    "requete-fermee": "/portail/mes-requetes/{closed}/",
    "profil": "/portail/profil/",
    "preferences": "/portail/preferences/",
    "mes-donnees": "/portail/mes-donnees/",
    "connexion": "/compte/login/",
    "inscription": "/compte/signup/",
    "suivi-invite": "/portail/suivi/{token}/",
}


def test_screenshots_of_the_main_pages_at_phone_and_desktop_size(
    tab: Any, world: dict[str, Any], populated: dict[str, Any], live_server: Any
) -> None:
    page = tab

    def sign_in_and_start() -> None:
        login(page, world["citizen"], live_server.url)
        page.goto(f"/portail/requete/{world['type'].code}/lieu/")
        choose_address(page, "id_address_query", "1 notre")
        page.get_by_role("button", name="Continuer").click()
        page.wait_for_url("**/details/")

    values = {
        "code": world["type"].code,
        "ref": populated["sr"].reference,
        "closed": populated["closed"].reference,
        "token": populated["token"],
    }
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        sign_in_and_start()
        for name, url in SCREENS.items():
            if name in ("connexion", "inscription"):
                page.context.clear_cookies()
            page.goto(url.format(**values))
            path = screenshot(page, f"portal-{name}-{size_name}")
            assert path.endswith(".png")
            # Nothing wider than the screen: no sideways scrolling on a phone.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= size["width"], f"{name} {size_name}: {width}px"
            if name == "accueil" and size_name == "phone":
                # Signed in, the header was five lines (212 px) on a phone: the menu now
                # keeps one line of its own that scrolls sideways.
                header = page.locator(".site-header").bounding_box()
                assert header is not None and header["height"] <= 130, header
                page.get_by_role("link", name="Déconnexion").focus()
                assert page.get_by_role("link", name="Déconnexion").is_visible()
            if name == "lieu":
                page.locator("details.map-block summary").click()
                page.wait_for_selector("#map.leaflet-container")
                page.locator("[data-map-centre]").click()
                screenshot(page, f"portal-lieu-carte-{size_name}")
