"""Marie's journey, in English, on a 390 x 844 phone: she creates her account and confirms it
with the code of the e-mail, says where she lives and what she wants to hear about, files a pothole with a
photo (the address picked from the search, plus a precision), signs out; an agent answers and
closes it; the e-mail brings her back, she signs in, reads the answer in her timeline, rates
it and reopens it; then a road-works notice for her street reaches her.

Each step says, in its docstring, which defect of issue 15 it would have caught."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import PHONE
from tests.journeys.conftest import Tab, Town, emails_to, focused_on, links_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARIE = "marie.tremblay@example.ca"
PASSWORD = "a long enough passphrase 42"
HOME = "100, rue Alexandre, Victoriaville"
PRECISION = "In front of the entrance, north side"
REPLY = "A crew will fill it this week."


@pytest.mark.slow
def test_marie_in_english_on_her_phone(
    open_tab: Any, town_of_victoriaville: Town, tmp_path: Any, make_image: Any
) -> None:
    town = town_of_victoriaville
    marie = open_tab("Marie", viewport=PHONE)
    signs_up_in_english(marie)
    says_where_she_lives_and_what_she_wants_to_hear(marie)
    reference = files_a_pothole_with_a_photo(marie, tmp_path, make_image)
    signs_out(marie)

    luc = open_tab("Luc (agent)", staff=town.agent)
    answers_and_closes(luc, reference)

    comes_back_from_the_email_and_signs_in(marie, reference)
    reads_the_answer_rates_and_reopens(marie)

    publishes_road_works_on_rue_alexandre(luc)
    the_notice_reaches_her(marie)


def signs_up_in_english(marie: Tab) -> None:
    """Sign-up, the confirmation code read in the e-mail and typed on the page, in English
    chosen on the first page. Would have caught: point 6's "no sign-in or sign-up link" on the portal
    home, point 9's empty ``aria-describedby`` on the password (axe), and any break of the
    mandatory e-mail verification."""
    page = marie.page
    marie.go("/portail/")
    marie.then(lambda: page.get_by_role("button", name="English").click())
    expect(page.locator("html")).to_have_attribute("lang", "en")
    marie.then(lambda: page.get_by_role("link", name="Create an account").first.click())
    page.locator("#id_email").fill(MARIE)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    marie.then(lambda: page.get_by_role("button", name="Create my account").click())
    expect(page.locator("h1")).to_contain_text("Confirm")
    (confirmation,) = emails_to(MARIE)
    assert confirmation.subject == "Confirm your email address"
    code = re.search(r"Your confirmation code: ([A-Z0-9]{4}-[A-Z0-9]{4})", confirmation.body)
    assert code and not links_of(confirmation), confirmation.body
    page.get_by_label("Confirmation code").fill(code.group(1))
    marie.then(lambda: page.get_by_role("button", name="Confirm", exact=True).click())
    expect(page.locator("h1")).to_contain_text("Hello")


def says_where_she_lives_and_what_she_wants_to_hear(marie: Tab) -> None:
    """Her address (picked from the search) and "Road work" by e-mail in her preferences;
    her portal home then says which alerts she will receive, and where. Would have caught
    point 5's missing "which alerts she will receive and where"."""
    page = marie.page
    marie.then(lambda: page.get_by_role("link", name="My profile").last.click())
    page.get_by_label("First name").fill("Marie")
    page.get_by_label("Name", exact=True).fill("Tremblay")
    box = page.get_by_role("combobox")
    box.press_sequentially("100 alexandre", delay=15)
    page.get_by_role("option", name=re.compile("100, rue Alexandre")).click()
    marie.then(lambda: page.get_by_role("button", name="Save", exact=True).click())
    focused_on(page, page.locator("#messages"), re.compile("^Your profile is up to date"))

    marie.go("/portail/preferences/")
    page.get_by_role("group", name="Road work").get_by_label("Email").check()
    marie.then(lambda: page.get_by_role("button", name="Save my preferences").click())
    focused_on(page, page.locator("#messages"), re.compile(".+"))
    marie.go("/portail/")
    alerts = page.locator("section.my-alerts")
    expect(alerts).to_contain_text("Road work")
    expect(alerts).to_contain_text(HOME)


def files_a_pothole_with_a_photo(marie: Tab, tmp_path: Any, make_image: Any) -> str:
    """The type found by a word, the address picked from the search plus a precision, a choice
    answered in English, a photo. Her request page shows the address AND the precision, the
    choice in English, the photo. Would have caught point 1 (the chosen address disappears:
    only the precision shown) and point 7 (choice answers stay in French)."""
    page = marie.page
    marie.then(lambda: page.get_by_role("link", name="Make a request").first.click())
    page.get_by_role("searchbox").fill("pothole")
    marie.then(lambda: page.get_by_role("button", name="Search").click())
    marie.then(lambda: page.get_by_role("link", name=re.compile("Pothole")).first.click())
    box = page.get_by_role("combobox")
    box.press_sequentially("100 rue alexandre", delay=15)
    page.get_by_role("option", name=re.compile("100, rue Alexandre")).click()
    expect(page.get_by_role("status").filter(has_text="Address chosen")).to_contain_text(HOME)
    page.get_by_label(re.compile("Location details")).fill(PRECISION)
    marie.then(lambda: page.get_by_role("button", name="Continue").click(), "**/details/")
    expect(page.locator(".location-summary")).to_contain_text(HOME)
    page.get_by_label("Medium (30 to 60 cm)").check()
    page.get_by_label(re.compile("Description")).fill("A deep hole where people cross.")
    photo = tmp_path / "pothole.jpg"
    photo.write_bytes(make_image("pothole.jpg").getvalue())
    page.set_input_files("#id_photos", str(photo))
    marie.then(lambda: page.get_by_role("button", name="Send the request").click())
    expect(page).to_have_title(re.compile("^Request sent"))
    reference = page.locator(".reference strong").inner_text()
    (receipt,) = [m for m in emails_to(MARIE) if reference in m.subject]
    assert f"{HOME} — {PRECISION}" in receipt.body  # point 1: the e-mail says where, too

    marie.then(lambda: page.get_by_role("link", name="View my request").click())
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(f"{HOME} — {PRECISION}")
    expect(facts).to_contain_text("Approximate size")
    expect(facts).to_contain_text("Medium (30 to 60 cm)")
    expect(page.locator(".timeline img")).to_have_count(1)
    return reference


def signs_out(marie: Tab) -> None:
    page = marie.page
    marie.then(lambda: page.get_by_role("link", name="Sign out").first.click())
    marie.then(lambda: page.get_by_role("button", name=re.compile("Sign me out|Sign out")).click())


def answers_and_closes(luc: Tab, reference: str) -> None:
    """The agent's side, in French at his desk: the queue shows where the request is (address
    then precision), the answer in French for him, a reply, then "Marquer comme réglée".
    Would have caught point 1 and point 8 in the desk's queue and request page, and point 7
    for a French reader of an English request."""
    page = luc.page
    luc.go("/bureau/?file=team")
    row = page.locator("tr", has=page.get_by_role("link", name=reference))
    expect(row).to_contain_text(f"{HOME} — {PRECISION}")
    luc.then(lambda: row.get_by_role("link", name=reference).click())
    expect(page.locator("#h-location + p")).to_contain_text(f"{HOME} — {PRECISION}")
    expect(page.locator(".desk-dl").first).to_contain_text("Moyen (de 30 à 60 cm)")
    page.get_by_label("Réponse au citoyen").fill(REPLY)
    luc.then(lambda: page.get_by_role("button", name="Envoyer la réponse").click())
    page.get_by_role("radio", name=re.compile("Marquer comme réglée")).check()
    luc.then(lambda: page.get_by_role("button", name="Faire l’action").click())
    focused_on(page, page.locator("#messages"), re.compile("Réglée|Résolue"))


def comes_back_from_the_email_and_signs_in(marie: Tab, reference: str) -> None:
    """The e-mail of the reply brings her to her request's page through the sign-in form.
    Would have caught a link that answers 404 (point 2, for an account holder)."""
    page = marie.page
    (reply_email,) = [m for m in emails_to(MARIE) if REPLY in m.body]
    (link,) = [link for link in links_of(reply_email) if reference in link]
    marie.go(link)
    page.locator("#id_login").fill(MARIE)
    page.locator("#id_password").fill(PASSWORD)
    marie.then(lambda: page.get_by_role("button", name="Sign in").click(), f"**/{reference}/")


def reads_the_answer_rates_and_reopens(marie: Tab) -> None:
    """Her timeline shows the agent's reply and the new state; she rates, then reopens: a
    refused reopening (no reason) focuses its error summary. Would have caught a reply the
    citizen never sees, and a silent refusal."""
    page = marie.page
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text(REPLY)
    expect(timeline).to_contain_text("Resolved")
    page.get_by_label("4 — Satisfied").check()
    marie.then(lambda: page.get_by_role("button", name=re.compile("Send my rating")).click())
    focused_on(page, page.locator("#messages"), re.compile("^Thank you"))
    marie.then(lambda: page.get_by_role("button", name="Reopen the request").click())
    focused_on(page, page.locator("#error-summary"), re.compile("^Error"))
    # The summary's link leads to the box to fill.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("textbox", name=re.compile("What isn’t resolved"))).to_be_focused()
    page.keyboard.type("The hole opened again after the rain.")
    marie.then(lambda: page.get_by_role("button", name="Reopen the request").click())
    focused_on(page, page.locator("#messages"), re.compile("reopened"))
    expect(page.locator(".badge").first).to_have_text("Reopened")


def publishes_road_works_on_rue_alexandre(luc: Tab) -> None:
    """An agent writes a road-works notice for rue Alexandre through the notice pages; its
    preview and its confirmation count Marie (her profile address and her preferences are a
    subscription). Would have caught point 5: "envoi en cours à 0 personne(s)"."""
    page = luc.page
    luc.then(lambda: page.get_by_role("link", name="Avis").first.click())
    luc.then(lambda: page.locator("main").get_by_role("link", name="Rédiger un avis").click())
    page.get_by_label("Sujet").select_option(label="Travaux routiers")
    page.get_by_label("Titre (français)").fill("Travaux rue Alexandre")
    page.get_by_label("Titre (anglais)").fill("Road work on rue Alexandre")
    page.get_by_label("Message (français)").fill("Rue fermée de 7 h à 17 h.")
    page.get_by_label("Message (anglais)").fill("Closed from 7 a.m. to 5 p.m.")
    page.get_by_label("Secteur visé").select_option(label="Une liste de rues")
    page.get_by_label("Rues").fill("Rue Alexandre")
    luc.then(lambda: page.get_by_role("button", name="Enregistrer et voir l’aperçu").click())
    expect(page.get_by_role("status")).to_contain_text("Cet avis joindra 1 personne.")
    luc.then(lambda: page.get_by_role("link", name="Publier et envoyer…").click())
    page.get_by_label(re.compile("je confirme son envoi à 1 personne")).check()
    luc.then(lambda: page.get_by_role("button", name="Publier et envoyer").click())
    focused_on(page, page.locator("#messages"), re.compile("envoi en cours à 1 personne"))


def the_notice_reaches_her(marie: Tab) -> None:
    """The notice's e-mail is in her mailbox, in English, and its link opens."""
    (notice,) = [m for m in emails_to(MARIE) if "rue Alexandre" in m.subject]
    assert notice.subject.startswith("Road work") or "Road work" in notice.body
    for link in links_of(notice):
        response = marie.go(link)
        assert response.status == 200, link
