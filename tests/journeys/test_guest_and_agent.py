"""Lucie, without an account, reports illegal dumping by keyboard alone, in French at her
desk; Luc, an agent, triages it by keyboard alone; every link of every e-mail Lucie gets
opens for her, and her tracking page shows the agent's reply.

The keyboard passes check where the focus lands after each refusal (the error summary, the
title starting with "Erreur :") and each success (the message, said in the title, or the
new page from its top). Each step says, in its docstring, which defect of issue 15 it would
have caught."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.journeys.conftest import (
    Tab,
    Town,
    choose_address_by_keyboard,
    choose_radio_by_keyboard,
    emails_to,
    focused_on,
    links_of,
    tab_to,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LUCIE = "lucie.roy@example.ca"
PLACE = "12, rue des Érables, Victoriaville"
PRECISION = "Dans le fossé, derrière la haie"
DESCRIPTION = "Des sacs d’ordures et un vieux matelas."
REPLY = "Merci, une équipe ramassera les sacs jeudi."
ERROR = re.compile("^Erreur\u00a0: ")


@pytest.mark.slow
def test_a_guest_reports_by_keyboard_an_agent_triages_by_keyboard(
    open_tab: Any, town_of_victoriaville: Town, tmp_path: Any, make_image: Any
) -> None:
    lucie = open_tab("Lucie (invitée)")
    reference = reports_illegal_dumping_by_keyboard(lucie, tmp_path, make_image)
    (receipt,) = emails_to(LUCIE)
    every_link_opens_for_her(lucie, receipt, reference)

    luc = open_tab("Luc (agent)", staff=town_of_victoriaville.agent)
    triages_by_keyboard(luc, reference)

    # One e-mail per event: taken in charge, the reply, the work started.
    later = [m for m in emails_to(LUCIE) if m is not receipt]
    assert [m.subject for m in later] == [
        f"Votre requête {reference}\u00a0: Prise en charge",
        f"Nouvelle réponse à votre requête {reference}",
        f"Votre requête {reference}\u00a0: Travaux en cours",
    ]
    for message in later:
        every_link_opens_for_her(lucie, message, reference, the_reply_shown=message is later[-1])


def reports_illegal_dumping_by_keyboard(lucie: Tab, tmp_path: Any, make_image: Any) -> str:
    """The type found by a word, the address typed without its accent and picked in the
        suggestions with the arrow keys, a precision; the details step sent empty first. Would
        have caught point 3 (the errors reported one round at a time: the e-mail first, the
        required group of boxes only at the second try, the photos to choose again after every
    refusal) and the keyboard findings: the error
        summary not focused, its link to a group of boxes hiding the question, and the live message
    left at "1 adresse trouvée…" after an address is picked."""
    page = lucie.page
    lucie.go("/portail/")
    tab_to(page, page.locator("main").get_by_role("link", name="Faire une requête"))
    lucie.then(lambda: page.keyboard.press("Enter"))
    tab_to(page, page.get_by_role("searchbox"))
    page.keyboard.type("dépôt sauvage")
    lucie.then(lambda: page.keyboard.press("Enter"))
    tab_to(page, page.get_by_role("link", name=re.compile("Dépôt sauvage de déchets")))
    lucie.then(lambda: page.keyboard.press("Enter"), "**/lieu/")

    box = page.get_by_role("combobox")
    tab_to(page, box)
    choose_address_by_keyboard(page, box, "12 rue des erables", PLACE)
    tab_to(page, page.get_by_label(re.compile("Précisions sur le lieu")))
    page.keyboard.type(PRECISION)
    lucie.then(lambda: page.keyboard.press("Enter"), "**/details/")
    expect(page.locator(".location-summary")).to_contain_text(f"{PLACE} — {PRECISION}")

    # A description and a photo, then the form sent without what it requires.
    tab_to(page, page.get_by_label(re.compile("^Description")))
    page.keyboard.type(DESCRIPTION)
    photo = tmp_path / "depot.jpg"
    photo.write_bytes(make_image("depot.jpg").getvalue())
    page.set_input_files("#id_photos", str(photo))
    tab_to(page, page.get_by_role("button", name="Envoyer la requête"))
    lucie.then(lambda: page.keyboard.press("Enter"))
    summary = page.locator("#error-summary")
    focused_on(page, summary, ERROR)
    # Every error at once, in the summary and next to its field.
    expect(summary).to_contain_text("Ce qui a été abandonné")
    expect(summary).to_contain_text("Votre nom")
    expect(summary).to_contain_text("Votre courriel")
    expect(page.locator(".field--invalid")).to_have_count(3)
    # What she entered is kept, her photo included: nothing to choose again.
    expect(page.get_by_label(re.compile("^Description"))).to_have_value(DESCRIPTION)
    expect(page.locator("[data-kept-photo]")).to_have_count(1)
    expect(page.locator("#kept-photos-help")).to_contain_text("Votre photo est gardée")

    # The summary's first link leads to the group of boxes: its first box takes the focus,
    # with the question and its error in view.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    first_box = page.get_by_role("checkbox", name="Sacs d’ordures")
    expect(first_box).to_be_focused()
    expect(page.get_by_role("group", name=re.compile("Ce qui a été abandonné"))).to_be_in_viewport()
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label("Votre nom"))
    page.keyboard.type("Lucie Roy")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Votre courriel")).to_be_focused()
    page.keyboard.type(LUCIE)
    lucie.then(lambda: page.keyboard.press("Enter"), "**/envoyee/")

    # Success: a new page, its title says so, and the keyboard starts again from its top.
    expect(page).to_have_title(re.compile("^Requête envoyée"))
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
    return page.locator(".reference strong").inner_text()


def every_link_opens_for_her(
    lucie: Tab, message: Any, reference: str, *, the_reply_shown: bool = False
) -> None:
    """Every link of the e-mail, followed from its body in Lucie's browser, opens: the link to
    her request is her tracking page (with the place, address then precision), the other one
    lets her stop these e-mails. Would have caught point 2 (the first e-mail linked to a
    portal page that answered 404 to a guest) and point 1 on the guest's page.

    ``the_reply_shown``: the tracking page shows the agent's reply, the state in the
    citizen's words, and her photo."""
    page = lucie.page
    links = links_of(message)
    assert any("/portail/suivi/" in link for link in links), (message.subject, links)
    assert reference in message.subject
    for link in links:
        response = lucie.go(link)
        assert response.status == 200, (message.subject, link, response.status)
        if "/portail/suivi/" not in link:
            assert "/desabonnement/" in link, link
            continue
        expect(page.locator("h1")).to_contain_text(reference)
        expect(page.locator("dl.facts")).to_contain_text(f"{PLACE} — {PRECISION}")
        if the_reply_shown:
            timeline = page.locator(".timeline")
            expect(timeline).to_contain_text(REPLY)
            expect(timeline).to_contain_text("Travaux en cours")
            expect(timeline.locator("img")).to_have_count(1)


def triages_by_keyboard(luc: Tab, reference: str) -> None:
    """The team's queue, the request taken in charge in one step, a refused action, a reply,
        a transition; after each, the focus and the title say what happened. Would have caught
        the silent desk errors (focus on <body>, no summary, same title), the success messages
        never announced, point 8 and point 1 in the queue (the place shown as "—" or the precision
        alone), point 9's "Me l’attribuer" still offered after assigning oneself, and a required
    desk field left to the browser's bubble."""
    page = luc.page
    luc.go("/bureau/")
    tab_to(page, page.get_by_role("link", name="Équipe : non attribuées"))
    luc.then(lambda: page.keyboard.press("Enter"))
    row = page.locator("tr", has=page.get_by_role("link", name=reference))
    expect(row).to_contain_text(f"{PLACE} — {PRECISION}")
    tab_to(page, row.get_by_role("link", name=reference))
    luc.then(lambda: page.keyboard.press("Enter"), f"**/{reference}/")
    expect(page.locator("#h-location + p")).to_contain_text(f"{PLACE} — {PRECISION}")

    tab_to(page, page.get_by_role("button", name="Me l’attribuer"))
    luc.then(lambda: page.keyboard.press("Enter"))
    focused_on(page, page.locator("#messages"), re.compile("^Requête prise en charge"))
    expect(page.get_by_role("button", name="Me l’attribuer")).to_have_count(0)

    # "Fermer sans suite" needs a comment: refused, the summary takes the focus, its link
    # leads to the comment box.
    actions = page.get_by_role("group", name=re.compile("^Action"))
    choose_radio_by_keyboard(page, actions, re.compile("Fermer sans suite"))
    tab_to(page, page.get_by_role("button", name="Faire l’action"))
    luc.then(lambda: page.keyboard.press("Enter"))
    summary = page.locator("#error-summary")
    focused_on(page, summary, ERROR)
    expect(summary).to_contain_text("Un commentaire est obligatoire")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#id_transition_comment")).to_be_focused()

    # He answers instead (sent empty first: the server refuses it in the summary, not the
    # browser in a bubble), then starts the work.
    tab_to(page, page.get_by_role("button", name="Envoyer la réponse"))
    luc.then(lambda: page.keyboard.press("Enter"))
    focused_on(page, summary, ERROR)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Réponse au citoyen")).to_be_focused()
    page.keyboard.type(REPLY)
    tab_to(page, page.get_by_role("button", name="Envoyer la réponse"))
    luc.then(lambda: page.keyboard.press("Enter"))
    focused_on(page, page.locator("#messages"), re.compile("^Réponse envoyée au citoyen"))

    choose_radio_by_keyboard(page, actions, re.compile("Commencer les travaux"))
    tab_to(page, page.get_by_role("button", name="Faire l’action"))
    luc.then(lambda: page.keyboard.press("Enter"))
    focused_on(page, page.locator("#messages"), re.compile("maintenant «\u00a0En cours\u00a0»"))
