"""Template helpers about accounts."""

from __future__ import annotations

from typing import Any

from django import template

from victo_crm.accounts import roles

register = template.Library()


@register.filter
def requires_two_factor(user: Any) -> bool:
    """Staff may not turn two-factor authentication off: the pages do not offer it."""
    return roles.requires_two_factor(user)
