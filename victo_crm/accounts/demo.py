"""Demonstration teams and accounts for Victoriaville.

Every loader is idempotent: running it again updates the same rows instead of adding new
ones, so a demo database can be refreshed at any time.
"""

from __future__ import annotations

from typing import TypedDict

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from victo_crm.accounts import roles
from victo_crm.accounts.models import Language, Team, User
from victo_crm.places.models import Address

# code, name (French), name (English), team e-mail
TEAMS: list[tuple[str, str, str, str]] = [
    ("travaux-publics", "Travaux publics", "Public Works", "travauxpublics@victoriaville.ca"),
    ("environnement", "Environnement", "Environment", "environnement@victoriaville.ca"),
    ("urbanisme", "Urbanisme", "Urban Planning", "urbanisme@victoriaville.ca"),
    (
        "loisirs",
        "Loisirs, culture et vie communautaire",
        "Recreation, Culture and Community Life",
        "loisirs@victoriaville.ca",
    ),
    ("greffe", "Greffe", "City Clerk", "greffe@victoriaville.ca"),
    (
        "securite-publique",
        "Sécurité publique",
        "Public Safety",
        "securitepublique@victoriaville.ca",
    ),
]


class AccountDef(TypedDict):
    role: Promise  # printed by load_demo in the operator's language
    email: str
    # Demo-only passwords: they are printed by the demo command and must never be used
    # on a server that holds real citizens' data.
    password: str
    first_name: str
    last_name: str
    phone: str
    preferred_language: str
    is_staff: bool
    groups: list[str]
    teams: list[str]


# Phone numbers are in the 555-01xx range, reserved for fiction.
ACCOUNTS: list[AccountDef] = [
    {
        "role": _("Administratrice (configuration)"),
        "email": "admin@victoriaville.ca",
        "password": "Victo-admin-2026!",
        "first_name": "Isabelle",
        "last_name": "Roy",
        "phone": "819 555-0101",
        "preferred_language": Language.FR,
        "is_staff": True,
        "groups": [roles.ADMINISTRATOR],
        "teams": [],
    },
    {
        "role": _("Agent — Travaux publics"),
        "email": "agent.tp@victoriaville.ca",
        "password": "Victo-agent-tp-2026!",
        "first_name": "Luc",
        "last_name": "Pellerin",
        "phone": "819 555-0102",
        "preferred_language": Language.FR,
        "is_staff": True,
        "groups": [roles.AGENT],
        "teams": ["travaux-publics"],
    },
    {
        "role": _("Agente — Environnement"),
        "email": "agent.env@victoriaville.ca",
        "password": "Victo-agent-env-2026!",
        "first_name": "Julie",
        "last_name": "Lemieux",
        "phone": "819 555-0103",
        "preferred_language": Language.FR,
        "is_staff": True,
        "groups": [roles.AGENT],
        "teams": ["environnement"],
    },
    {
        "role": _("Superviseur — Travaux publics et Environnement"),
        "email": "superviseur@victoriaville.ca",
        "password": "Victo-superviseur-2026!",
        "first_name": "Marc-André",
        "last_name": "Beaudoin",
        "phone": "819 555-0104",
        "preferred_language": Language.FR,
        "is_staff": True,
        "groups": [roles.SUPERVISOR],
        "teams": ["travaux-publics", "environnement"],
    },
    {
        "role": _("Citoyenne (français)"),
        "email": "marie.tremblay@example.ca",
        "password": "Victo-marie-2026!",
        "first_name": "Marie",
        "last_name": "Tremblay",
        "phone": "819 555-0142",
        "preferred_language": Language.FR,
        "is_staff": False,
        "groups": [],
        "teams": [],
    },
    {
        "role": _("Citoyen (anglais)"),
        "email": "jean.gagnon@example.ca",
        "password": "Victo-jean-2026!",
        "first_name": "Jean",
        "last_name": "Gagnon",
        "phone": "819 555-0187",
        "preferred_language": Language.EN,
        "is_staff": False,
        "groups": [],
        "teams": [],
    },
]

CITIZEN_STREET = "rue Notre-Dame Est"


@transaction.atomic
def load_demo_teams() -> dict[str, Team]:
    """Create or update the six demo teams; return them by code."""
    teams: dict[str, Team] = {}
    for code, name_fr, name_en, email in TEAMS:
        team, _created = Team.objects.update_or_create(
            code=code,
            defaults={"name_fr": name_fr, "name_en": name_en, "email": email, "is_active": True},
        )
        teams[code] = team
    return teams


@transaction.atomic
def load_demo_accounts() -> list[tuple[str, str, str]]:
    """Create or update the demo accounts; return (role in French, e-mail, password) rows.

    The password is reset on every run so that the printed one always works, even after
    someone changed it while exploring the demo.
    """
    teams = load_demo_teams()
    citizen_addresses = _citizen_addresses()
    rows: list[tuple[str, str, str]] = []
    citizen_index = 0
    for account in ACCOUNTS:
        user, _created = User.objects.get_or_create(email=account["email"])
        user.first_name = account["first_name"]
        user.last_name = account["last_name"]
        user.phone = account["phone"]
        user.preferred_language = account["preferred_language"]
        user.is_staff = account["is_staff"]
        user.is_superuser = False
        user.is_active = True
        if not account["is_staff"] and citizen_addresses:
            user.address = citizen_addresses[citizen_index % len(citizen_addresses)]
            citizen_index += 1
        user.set_password(account["password"])
        user.save()
        # Verified, as a real account would be after its first confirmation: sign-in requires
        # a verified address (ACCOUNT_EMAIL_VERIFICATION = "mandatory").
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        for name in account["groups"]:
            group, _created = Group.objects.get_or_create(name=name)
            user.groups.add(group)
        for code in account["teams"]:
            teams[code].members.add(user)
        rows.append((str(account["role"]), account["email"], account["password"]))
    return rows


def _citizen_addresses() -> list[Address]:
    """Two addresses for the demo citizens, always the same ones; empty without a registry.

    Prefers the first civic numbers of rue Notre-Dame Est (the downtown street everyone
    knows) and falls back to any addresses, so the places demo is optional.
    """
    addresses = list(
        Address.objects.filter(street__iexact=CITIZEN_STREET).order_by(
            "civic_number", "civic_suffix", "unit", "pk"
        )[:2]
    )
    if not addresses:
        addresses = list(Address.objects.order_by("street", "civic_number", "pk")[:2])
    return addresses
