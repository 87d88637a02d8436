"""Reads of accounts: a citizen's own for the portal and the mobile API; which accounts
are staff for the admin."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from . import roles
from .models import Channel, Consent, ConsentPurpose, Topic, User
from .preferences import effective_preferences


@dataclass
class ConsentStatus:
    purpose: str
    label: str
    active: Consent | None
    history: list[Consent]


def consents_overview(user: User) -> list[ConsentStatus]:
    """Each purpose with the consent in force (if any) and its history, newest first."""
    rows = list(Consent.objects.filter(user=user).order_by("-given_at", "-pk"))
    overview = []
    for purpose, label in ConsentPurpose.choices:
        history = [c for c in rows if c.purpose == purpose]
        active = next((c for c in history if c.withdrawn_at is None), None)
        overview.append(ConsentStatus(purpose, str(label), active, history))
    return overview


@dataclass
class PreferenceRow:
    topic: str
    label: str
    cells: list[tuple[str, str, bool]]  # (channel, channel label, enabled)


def preference_rows(user: User) -> list[PreferenceRow]:
    """The topic-by-channel grid with the effective value of each cell."""
    values = effective_preferences(user)
    return [
        PreferenceRow(
            topic,
            str(label),
            [
                (channel, str(clabel), values[(topic, channel)])
                for channel, clabel in Channel.choices
            ],
        )
        for topic, label in Topic.choices
    ]


def staff_accounts_q() -> Q:
    """Accounts of the town's staff: a staff role, admin access or superuser. Every other
    account is a citizen's, administered by nobody (the citizen keeps it on the portal)."""
    return (
        Q(is_staff=True)
        | Q(is_superuser=True)
        | Q(groups__name__in=(*roles.STAFF_ROLES, roles.WEB_EDITOR))
    )


def staff_accounts() -> QuerySet[User]:
    return User.objects.filter(pk__in=User.objects.filter(staff_accounts_q()).values("pk"))
