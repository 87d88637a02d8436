"""Shared personas and a small town for every test.

The personas follow STYLE.md: a citizen, another citizen, an agent of the right team, an
agent of another team, a supervisor and an administrator. The town is a square boundary
around Victoriaville with two districts, so location checks are real without the demo data.
"""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from PIL import Image

from victo_crm.accounts import roles
from victo_crm.accounts.models import Team, User
from victo_crm.places.models import Address, Zone, ZoneKind
from victo_crm.places.services import addresses_locate
from victo_crm.service_requests.models import RequestGroup, RequestType, RequestTypeField, Workflow

# Victoriaville's centre; the test town is a square of about 11 km around it.
CENTRE_LAT, CENTRE_LON = 46.057, -71.958
OUTSIDE_TOWN = (45.5017, -73.5673)  # Montréal


def square(lat0: float, lon0: float, lat1: float, lon1: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]],
    }


def pytest_configure(config: pytest.Config) -> None:
    # WhiteNoise warns at every new request handler when STATIC_ROOT does not exist (nothing
    # was collected on a fresh checkout): an empty directory says "nothing collected".
    from pathlib import Path

    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    _flush_by_delete()


def _flush_by_delete() -> None:
    """On PostgreSQL, the flush after each transactional test (live server, browser) empties
    every table with ``DELETE FROM`` in one transaction instead of one ``TRUNCATE`` of them
    all. The result is the same (every row of every table gone, sequences left as they are,
    as ``TRUNCATE`` without ``RESTART IDENTITY`` leaves them): the foreign keys Django creates
    are checked at commit, and no table has a trigger on delete
    (``test_the_flush_deletes_every_row``). But ``TRUNCATE`` makes new files for each of the
    114 tables and their indexes, about 2 s per test on this machine's disk even when the
    tables are empty; ``DELETE`` of the few rows a test leaves costs milliseconds. A flush
    asking for more (``RESTART IDENTITY``, ``CASCADE``) still truncates."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(
        self: Any,
        style: Any,
        tables: list[str],
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        if reset_sequences or allow_cascade:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [f"DELETE FROM {self.quote_name(table)};" for table in tables]  # noqa: S608

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]


def _database_group(item: pytest.Item) -> int:
    """pytest-django's order: tests in a rolled-back transaction (0), transactional tests,
    which empty the database after them (1), tests without a database (2)."""
    from pytest_django.plugin import validate_django_db

    fixtures = getattr(item, "fixturenames", [])
    marker = item.get_closest_marker("django_db")
    transactional = "transactional_db" in fixtures or "live_server" in fixtures
    if marker:
        transaction, reset_sequences, *_rest = validate_django_db(marker)
        transactional = transactional or transaction or reset_sequences
    if transactional:
        return 1
    return 0 if marker or "db" in fixtures else 2


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` go first in their group of pytest-django's order (which stays):
    with pytest-xdist, a test of a minute handed out last would keep one worker busy while
    the other has nothing left to do.

    Every test that drives Chromium (through the ``browser`` fixture, as ``page`` does) is
    marked ``browser``, so that ``-m "not browser"`` leaves none of them in (.ci/run's second
    Python).

    Tests that need PostgreSQL skip on SQLite, unless CI asked for every service."""
    items.sort(key=lambda item: (_database_group(item), item.get_closest_marker("slow") is None))
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()) and not item.get_closest_marker(
            "browser"
        ):
            item.add_marker(pytest.mark.browser)
    if connection.vendor == "postgresql" or os.environ.get("DATABASE_URL", "").startswith(
        "postgres"
    ):
        return
    require = os.environ.get("VICTO_REQUIRE_SERVICES") == "1"
    for item in items:
        if "postgres" in item.keywords:
            if require:
                item.add_marker(
                    pytest.mark.xfail(reason="PostgreSQL required", strict=True, run=False)
                )
            else:
                item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))


# --- The town ------------------------------------------------------------------------------


@pytest.fixture
def town(db: None) -> dict[str, Zone]:
    boundary = Zone(
        kind=ZoneKind.BOUNDARY,
        code="victoriaville",
        name="Victoriaville",
        geometry=square(46.00, -72.03, 46.12, -71.87),
    )
    west = Zone(
        kind=ZoneKind.DISTRICT,
        code="ouest",
        name="District Ouest",
        geometry=square(46.00, -72.03, 46.12, -71.95),
    )
    east = Zone(
        kind=ZoneKind.DISTRICT,
        code="est",
        name="District Est",
        geometry=square(46.00, -71.95, 46.12, -71.87),
    )
    sector = Zone(
        kind=ZoneKind.COLLECTION_SECTOR,
        code="secteur-a",
        name="Secteur A",
        geometry=square(46.00, -72.03, 46.12, -71.87),
    )
    for zone in (boundary, west, east, sector):
        zone.full_clean()
        zone.save()
    return {"boundary": boundary, "west": west, "east": east, "sector": sector}


@pytest.fixture
def address(town: dict[str, Zone]) -> Address:
    addr = Address.objects.create(
        civic_number=1,
        street="rue Notre-Dame Est",
        postal_code="G6P 1A1",
        latitude=CENTRE_LAT,
        longitude=CENTRE_LON,
    )
    addresses_locate(addresses=[addr])
    return addr


# --- People -----------------------------------------------------------------------------------


@pytest.fixture
def teams(db: None) -> dict[str, Team]:
    return {
        "tp": Team.objects.create(
            code="travaux-publics", name_fr="Travaux publics", name_en="Public Works"
        ),
        "env": Team.objects.create(
            code="environnement", name_fr="Environnement", name_en="Environment"
        ),
    }


def make_user(
    email: str, *, role: str | None = None, teams: tuple[Team, ...] = (), **extra: Any
) -> User:
    user = User.objects.create_user(email=email, password="correct horse battery", **extra)
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    for team in teams:
        team.members.add(user)
    return user


@pytest.fixture
def citizen(db: None) -> User:
    return make_user("marie@example.ca", first_name="Marie", last_name="Tremblay")


@pytest.fixture
def other_citizen(db: None) -> User:
    return make_user(
        "jean@example.ca", first_name="Jean", last_name="Gagnon", preferred_language="en"
    )


@pytest.fixture
def agent(teams: dict[str, Team]) -> User:
    """An agent of Travaux publics, the team of the ``request_type`` fixture."""
    return make_user(
        "agent.tp@victoriaville.ca", role=roles.AGENT, teams=(teams["tp"],), first_name="Luc"
    )


@pytest.fixture
def other_agent(teams: dict[str, Team]) -> User:
    """An agent of Environnement: another team."""
    return make_user("agent.env@victoriaville.ca", role=roles.AGENT, teams=(teams["env"],))


@pytest.fixture
def supervisor(teams: dict[str, Team]) -> User:
    return make_user("superviseur@victoriaville.ca", role=roles.SUPERVISOR, teams=(teams["tp"],))


@pytest.fixture
def administrator(db: None) -> User:
    return make_user("admin@victoriaville.ca", role=roles.ADMINISTRATOR)


# --- Configuration -------------------------------------------------------------------------


@pytest.fixture
def default_workflow(db: None) -> Workflow:
    return Workflow.objects.get(code="default")


@pytest.fixture
def request_type(teams: dict[str, Team], default_workflow: Workflow) -> RequestType:
    """Nid-de-poule, with a field of each kind a test needs."""
    group = RequestGroup.objects.create(
        code="voirie", name_fr="Rues et trottoirs", name_en="Streets"
    )
    rtype = RequestType.objects.create(
        code="nid-de-poule",
        name_fr="Nid-de-poule",
        name_en="Pothole",
        group=group,
        keywords="trou, chaussée",
        team=teams["tp"],
        workflow=default_workflow,
        sla_hours=72,
        # A pothole is a public place: published, description once a summary is approved.
        public_visibility="published",
    )
    RequestTypeField.objects.create(
        request_type=rtype,
        code="taille",
        label_fr="Taille",
        label_en="Size",
        datatype="singlevaluelist",
        required=True,
        order=1,
        choices="petit | Petit | Small\nmoyen | Moyen | Medium\ngrand | Grand | Large",
    )
    RequestTypeField.objects.create(
        request_type=rtype, code="nombre", label_fr="Nombre de trous", datatype="number", order=2
    )
    RequestTypeField.objects.create(
        request_type=rtype, code="releve", label_fr="Constaté le", datatype="datetime", order=3
    )
    RequestTypeField.objects.create(
        request_type=rtype,
        code="voies",
        label_fr="Voies touchées",
        datatype="multivaluelist",
        order=4,
        choices="nord | Nord\nsud | Sud",
    )
    return rtype


@pytest.fixture
def make_type(request_type: RequestType) -> Callable[..., RequestType]:
    """Another type like the pothole, with its own public visibility:
    ``make_type("nuisance-sonore", sensitive=True)``, ``make_type("bac-brise")`` (hidden,
    the default), ``make_type("graffiti", visibility="no_description")``."""

    def _make(code: str, *, visibility: str = "hidden", sensitive: bool = False) -> RequestType:
        return RequestType.objects.create(
            code=code,
            name_fr=code.replace("-", " ").capitalize(),
            group=request_type.group,
            team=request_type.team,
            workflow=request_type.workflow,
            public_visibility=visibility,
            is_sensitive=sensitive,
        )

    return _make


# --- Files ----------------------------------------------------------------------------------------


@pytest.fixture
def make_image() -> Callable[..., io.BytesIO]:
    def _make(
        name: str = "photo.jpg",
        fmt: str = "JPEG",
        size: tuple[int, int] = (64, 48),
        exif: bool = False,
    ) -> io.BytesIO:
        buffer = io.BytesIO()
        image = Image.new("RGB", size, (200, 30, 30))
        kwargs: dict[str, Any] = {}
        if exif:
            info = Image.Exif()
            info[0x8825] = {2: (46.0, 3.0, 25.0), 1: "N"}  # GPSInfo: the citizen's home
            info[0x010F] = "PhoneMaker"
            kwargs["exif"] = info.tobytes()
        image.save(buffer, format=fmt, **kwargs)
        buffer.seek(0)
        buffer.name = name
        return buffer

    return _make


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Uploaded files of a test land in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _french_after_each_test() -> Any:
    """A page served to an English-speaking persona (Jean) leaves English active in the
    thread (the middleware sets the language at the start of each request, never resets it
    at the end): the next test would read English where it expects French."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _configuration_from_the_database() -> None:
    """Each test starts from its own database: the configuration a process keeps in memory
    (core.config_cache) is forgotten, since rolled-back rows send no signal."""
    from victo_crm.core.config_cache import clear_local

    clear_local()


@pytest.fixture
def seeded(transactional_db: None) -> Workflow:
    """The default workflow and roles in a transactional test: the flush between such tests
    empties the tables that migrations filled, so seed them again."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "victo_crm.service_requests.migrations.0002_default_workflow"
    )
    migration.seed(apps, None)
    # Later data migrations that change the seeded workflow, replayed in order.
    importlib.import_module(
        "victo_crm.service_requests.migrations.0008_transition_takes_charge"
    ).flag_default_take_in_charge(apps, None)
    importlib.import_module("victo_crm.service_requests.migrations.0012_state_role").give_roles(
        apps, None
    )
    return Workflow.objects.get(code="default")


# --- Browser tests: Debian's Chromium driven by Playwright ------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-artifacts")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def browser() -> Any:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("VICTO_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (apt-get install -y chromium)")
        pytest.skip("needs Debian's chromium (apt-get install -y chromium)")
    # Playwright's sync API runs an event loop in this thread; the live server's ORM calls
    # happen in its own thread, but Django's guard looks at this one.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _stand_in_tile() -> bytes:
    """A 256 px tile: pale ground crossed by two white "streets", so a screenshot shows
    where the base map is without fetching one."""
    from PIL import ImageDraw

    tile = Image.new("RGB", (256, 256), (236, 232, 223))
    draw = ImageDraw.Draw(tile)
    draw.line([(0, 128), (256, 128)], fill=(255, 255, 255), width=10)
    draw.line([(128, 0), (128, 256)], fill=(255, 255, 255), width=6)
    buffer = io.BytesIO()
    tile.save(buffer, format="PNG")
    return buffer.getvalue()


def keep_offline(context: Any) -> None:
    """Tests never reach the internet: base-map tiles (OpenStreetMap's by default) get a
    stand-in image, any other outside request is refused."""
    tile = _stand_in_tile()

    def answer(route: Any) -> None:
        if route.request.resource_type == "image":
            route.fulfill(status=200, content_type="image/png", body=tile)
        else:
            route.abort()

    context.route(re.compile(r"^https?://(?!(127\.0\.0\.1|localhost)[:/])"), answer)


@pytest.fixture
def page(browser: Any, live_server: Any) -> Any:
    """A fresh browser context on the live server, in French, at desktop size, offline."""
    context = browser.new_context(viewport=DESKTOP, locale="fr-CA", base_url=live_server.url)
    keep_offline(context)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    # Only the violations come back: the passes of every rule on every node are most of what
    # axe would otherwise hand back and Playwright would carry over, page after page.
    "resultTypes": ["violations"],
}


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """WCAG 2.0/2.1 A and AA violations axe-core finds on the page as it is now."""
    from axe_playwright_python.base import AXE_SCRIPT

    # axe-core is injected once per document (a page reached by a link is a new document).
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    violations = page.evaluate(
        "options => axe.run(document, options).then(results => results.violations)", AXE_OPTIONS
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
    ]


def screenshot(page: Any, name: str) -> str:
    """Save a full-page screenshot under test-artifacts/screenshots/ for a person to look at."""
    folder = os.path.join(ARTIFACTS, "screenshots")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}.png")
    page.screenshot(path=path, full_page=True)
    return path


def enrol_totp(user: User) -> str:
    """Turn two-factor authentication on for ``user`` as allauth's activation page does (an
    authenticator app and its recovery codes); return the app's secret, for ``totp_code``."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.mfa.utils import decrypt

    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        return decrypt(existing.data["secret"])
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def totp_code(secret: str) -> str:
    """The six digits the person's authenticator app shows now.

    allauth accepts only the current 30-second period (MFA_TOTP_TOLERANCE 0): a code read in
    a period's last seconds can be checked in the next one and refused, as happened once in CI.
    A person would wait for the next code; so does this, when under 5 s of the period are left.
    """
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 5:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def sign_in(client: Any, user: User) -> Any:
    """Sign ``user`` in as the sign-in page would, without typing: the password step, and for
    staff (``roles.requires_two_factor``) the two-factor step with their authenticator app,
    enrolled first if needed. allauth records both steps in the session; the middleware reads
    that record, so a bare ``force_login`` leaves a staff member at the enrolment page."""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator
    from django.test import RequestFactory

    client.force_login(user)
    if roles.requires_two_factor(user):
        enrol_totp(user)
        totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        request = RequestFactory().get("/")
        request.session = client.session
        record_authentication(request, user, "password", email=user.email)
        record_authentication(request, user, "mfa", id=totp.pk, type=totp.type)
        request.session.save()
    return client


@pytest.fixture
def admin_client(db: None, admin_user: User) -> Any:
    """pytest-django's, signed in with both factors like every staff member."""
    from django.test import Client

    return sign_in(Client(), admin_user)


def login(page: Any, user: User, base_url: str) -> None:
    """Sign a user in by giving the browser a session cookie (faster than the form)."""
    from django.conf import settings as django_settings
    from django.test import Client

    client = sign_in(Client(), user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )
