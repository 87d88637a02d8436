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


@register.simple_tag
def staff_menu(user: Any) -> dict[str, bool]:
    """What the one staff menu offers this person (``includes/staff_nav.html``): the desk
    pages to agents, supervisors and administrators, the dashboard to supervisors, the
    notices to whoever may publish them (web editors too)."""
    if not user.is_authenticated:
        return {"desk": False, "dashboard": False, "notices": False}
    return {
        "desk": roles.is_staff_member(user),
        "dashboard": roles.is_administrator(user) or roles.SUPERVISOR in roles.role_names(user),
        "notices": roles.may_publish_notices(user),
    }
