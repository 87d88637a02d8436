"""Small helpers of the /alertes/ templates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from victo_crm.accounts import roles

register = template.Library()


@register.filter
def channel_labels(channels: Iterable[str]) -> str:
    """ "Courriel, Texto" for ["email", "sms"], in the page's language."""
    from ..forms import CHANNEL_LABELS

    return ", ".join(str(CHANNEL_LABELS.get(code, code)) for code in channels or [])


@register.filter
def is_desk_staff(user: Any) -> bool:
    """Agents, supervisors and administrators also work in the desk (web editors do not)."""
    return bool(user.is_authenticated and roles.is_staff_member(user))
