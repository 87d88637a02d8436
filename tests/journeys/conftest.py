"""The acceptance journeys' town and the tab each person works in.

The town is configuration, made the way an administrator would have made it before anyone
arrives: zones, a few streets of the address registry, the demo catalogue of request types,
collection calendars, the notification rules and alert topics, the website's skeleton, and
the staff accounts. Everything a citizen, a guest or an agent does in a journey is done
through the pages; the tests read the database or the e-mails only to check what a person
would see (an e-mail in her mailbox), never to make what she would make.

Every page a person's tab loads is checked with axe-core (WCAG 2.0/2.1 A and AA): a journey
calls ``Tab.check()`` after each page it reaches, and the tab notes every address its browser
went to, so a page left unchecked fails the journey at its end.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from tests.conftest import (
    ARTIFACTS,
    DESKTOP,
    axe_violations,
    keep_offline,
    login,
    make_user,
    square,
)
from tests.notifications.conftest import reseed_rules, reseed_topics
from victo_crm.accounts import roles
from victo_crm.accounts.models import User
from victo_crm.places.models import Address, Zone, ZoneKind
from victo_crm.places.services import addresses_locate

# A link in an e-mail: its text, its HTML version (href="…") and its headers.
URL = re.compile(r"https?://[^\s<>\"')]+")


# --- The town --------------------------------------------------------------------------------

# (civic number, street): the numbers that tripped the old search ("1" found 10 and 100 too),
# both halves of rue Notre-Dame, an accented street and a boulevard.
STREETS = [
    (100, "rue Alexandre", 46.0703, -71.9583),
    (104, "rue Alexandre", 46.0706, -71.9585),
    (1, "rue Notre-Dame Est", 46.0570, -71.9560),
    (2, "rue Notre-Dame Est", 46.0571, -71.9558),
    (10, "rue Notre-Dame Est", 46.0574, -71.9550),
    (12, "rue Notre-Dame Est", 46.0575, -71.9548),
    (100, "rue Notre-Dame Est", 46.0590, -71.9500),
    (1, "rue Notre-Dame Ouest", 46.0568, -71.9580),
    (2, "rue Notre-Dame Ouest", 46.0567, -71.9582),
    (12, "rue des Érables", 46.0600, -71.9700),
    (250, "boulevard des Bois-Francs Sud", 46.0400, -71.9300),
]


@dataclass
class Town:
    addresses: dict[str, Address]
    agent: User
    agent_env: User
    supervisor: User

    def address(self, label: str) -> Address:
        return self.addresses[label]


@pytest.fixture
def town_of_victoriaville(seeded: Any, settings: Any, live_server: Any) -> Town:
    """Victoriaville as the journeys find it: configured, with nobody in it but its staff."""
    from victo_crm.accounts.demo import load_demo_teams
    from victo_crm.alerts.demo import load_demo_alerts
    from victo_crm.service_requests.demo import load_demo_catalogue

    reseed_rules()
    reseed_topics()
    # Links in e-mails lead to the site people use: here, the live server.
    settings.SITE_URL = live_server.url
    # allauth counts confirmation e-mails per address in the cache; the website caches pages.
    cache.clear()
    mail.outbox.clear()

    for kind, code, name in (
        (ZoneKind.BOUNDARY, "victoriaville", "Victoriaville"),
        (ZoneKind.DISTRICT, "centre", "District du Centre"),
        (ZoneKind.COLLECTION_SECTOR, "secteur-a", "Secteur A"),
    ):
        zone = Zone(kind=kind, code=code, name=name, geometry=square(46.00, -72.03, 46.12, -71.87))
        zone.full_clean()
        zone.save()
    addresses = [
        Address.objects.create(
            civic_number=number, street=street, postal_code="G6P 1A1", latitude=lat, longitude=lon
        )
        for number, street, lat, lon in STREETS
    ]
    addresses_locate(addresses=addresses)
    teams = load_demo_teams()
    load_demo_catalogue()
    load_demo_alerts()
    return Town(
        addresses={a.label: a for a in addresses},
        agent=make_user(
            "luc.agent@victoriaville.ca",
            role=roles.AGENT,
            teams=(teams["travaux-publics"], teams["environnement"]),
            first_name="Luc",
            last_name="Bergeron",
        ),
        agent_env=make_user(
            "eve.agente@victoriaville.ca",
            role=roles.AGENT,
            teams=(teams["environnement"],),
            first_name="Ève",
        ),
        supervisor=make_user(
            "helene.superviseure@victoriaville.ca",
            role=roles.SUPERVISOR,
            teams=(teams["travaux-publics"],),
            first_name="Hélène",
        ),
    )


# --- A person's tab --------------------------------------------------------------------------


@dataclass
class Tab:
    """A person's browser tab. ``check()`` runs axe-core on the page now shown; the tab notes
    every address its browser navigated to, and ``unchecked()`` lists those never checked."""

    page: Any
    who: str
    visited: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("framenavigated", self._navigated)

    def _navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame and frame.url != "about:blank":
            self.visited.append(frame.url.split("#")[0])

    def check(self) -> None:
        """axe-core on the page as it is now: no WCAG A/AA violation."""
        self.page.wait_for_load_state("load")
        violations = axe_violations(self.page)
        assert violations == [], (self.who, self.page.url, violations)
        self.checked.append(self.page.url.split("#")[0])

    def go(self, url: str) -> Any:
        """Open ``url`` (as from a bookmark or an e-mail) and check the page."""
        response = self.page.goto(url)
        self.check()
        return response

    def then(self, action: Callable[[], Any], url: str | re.Pattern[str] = "**") -> None:
        """Do ``action`` (a click, Enter) that loads a page, wait for it, check it."""
        with self.page.expect_navigation(url=url, wait_until="load"):
            action()
        self.check()

    def unchecked(self) -> list[str]:
        return sorted(set(self.visited) - set(self.checked))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test, so ``open_tab`` knows whether the journey failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def open_tab(
    browser: Any, live_server: Any, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Tab]]:
    """``open_tab("Marie", viewport=PHONE, language="en")``: a person's own browser (cookies
    of her own), offline, on the live server. At the end, every page each tab loaded must have
    been checked with axe-core."""
    contexts: list[Any] = []
    tabs: list[Tab] = []

    def _open(who: str, *, viewport: dict[str, int] = DESKTOP, staff: User | None = None) -> Tab:
        context = browser.new_context(viewport=viewport, locale="fr-CA", base_url=live_server.url)
        keep_offline(context)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if staff is not None:
            # Staff sign in with both factors; that journey is tests/accounts' own.
            login(page, staff, live_server.url)
        tab = Tab(page=page, who=who)
        tabs.append(tab)
        return tab

    yield _open
    report = getattr(request.node, "report_call", None)
    failed = report is not None and report.failed
    if failed:
        # Where each person was when the journey broke: her page, as a picture and as HTML.
        folder = os.path.join(ARTIFACTS, "journeys")
        os.makedirs(folder, exist_ok=True)
        for tab in tabs:
            who = re.sub(r"\W+", "-", tab.who)
            name = f"{request.node.name}-{who}"
            tab.page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)
            with open(os.path.join(folder, f"{name}.html"), "w", encoding="utf-8") as out:
                out.write(f"<!-- {tab.page.url} -->\n{tab.page.content()}")
    for context in contexts:
        context.close()
    unchecked = {tab.who: tab.unchecked() for tab in tabs if tab.unchecked()}
    assert failed or not unchecked, f"pages visited but not checked with axe-core: {unchecked}"


# --- Keyboard and focus ----------------------------------------------------------------------


def tab_to(page: Any, target: Any, *, limit: int = 80) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user does; fail if it is not
    reached within ``limit`` presses."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} not reached in {limit} presses of Tab")


def choose_radio_by_keyboard(page: Any, group: Any, name: str | re.Pattern[str]) -> None:
    """Tab into a group of radio buttons (at its checked button, or its first), then move with
    the arrow keys until ``name`` is chosen, as a keyboard user does."""
    radios = group.get_by_role("radio")
    checked = group.locator("input[type=radio]:checked")
    tab_to(page, checked if checked.count() else radios.first)
    wanted = group.get_by_role("radio", name=name)
    for _ in range(radios.count() + 1):
        if wanted.evaluate("element => element === document.activeElement"):
            if not wanted.is_checked():
                page.keyboard.press("Space")  # tabbed onto the first, not yet chosen
            expect(wanted).to_be_checked()
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{name} not reached with the arrow keys")


def focused_on(page: Any, locator: Any, title: str | re.Pattern[str]) -> None:
    """Focus is on ``locator`` and the page's title says what happened."""
    expect(locator).to_be_focused()
    expect(page).to_have_title(title)


def choose_address_by_keyboard(page: Any, box: Any, typed: str, wanted: str) -> None:
    """Type in the address combobox, walk its suggestions with the arrow keys until
    ``wanted`` is the active one, Enter."""
    box.press_sequentially(typed, delay=15)
    listbox = page.locator(f"#{box.get_attribute('id')}-list")
    expect(listbox.get_by_role("option").first).to_be_visible()
    for _ in range(listbox.get_by_role("option").count()):
        box.press("ArrowDown")
        active = box.get_attribute("aria-activedescendant")
        if active and wanted in page.locator(f"#{active}").inner_text():
            box.press("Enter")
            expect(box).to_have_value(re.compile(re.escape(wanted)))
            # The live region says which address was chosen, not how many were found.
            expect(page.locator(f"#{box.get_attribute('id')}-status")).to_contain_text(wanted)
            return
    raise AssertionError(f"{wanted} not among the suggestions for {typed!r}")


# --- E-mail ------------------------------------------------------------------------------------


def emails_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if address in m.to]


def links_of(message: Any) -> list[str]:
    """Every link of an e-mail, as her mail app shows them: in its text, its HTML version and
    its List-Unsubscribe header; in order, without repeats."""
    texts = [message.body, *(content for content, _mime in getattr(message, "alternatives", []))]
    texts.append(message.extra_headers.get("List-Unsubscribe", ""))
    found: list[str] = []
    for text in texts:
        for match in URL.finditer(text):
            link = match.group(0).rstrip(".,;»").replace("&amp;", "&")
            if link not in found:
                found.append(link)
    return found
