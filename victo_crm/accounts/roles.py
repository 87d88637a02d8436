"""Staff roles are Django groups, named by these stable codes.

A user may hold several; ``administrator`` sees and may do everything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import User

AGENT = "agent"
SUPERVISOR = "supervisor"
ADMINISTRATOR = "administrator"
WEB_EDITOR = "web_editor"
STAFF_ROLES = (AGENT, SUPERVISOR, ADMINISTRATOR)


def role_names(user: User) -> frozenset[str]:
    """The user's group names, cached on the instance for the request's lifetime."""
    cached = getattr(user, "_victo_roles", None)
    if cached is None:
        if not user.is_authenticated:
            cached = frozenset()
        else:
            cached = frozenset(user.groups.values_list("name", flat=True))
        setattr(user, "_victo_roles", cached)  # noqa: B010 - a per-request cache on the instance
    return cached


def is_administrator(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or ADMINISTRATOR in role_names(user)))


def is_staff_member(user: User) -> bool:
    return is_administrator(user) or bool(role_names(user) & {AGENT, SUPERVISOR})


def may_publish_notices(user: User) -> bool:
    """Notices (/alertes/avis/) reach the subscribers of a topic in an area by e-mail, text
    and push: agents, supervisors, administrators and web editors write and publish them
    (town-wide ones and emergencies also need ``alerts.publish_townwide_notice``)."""
    return is_staff_member(user) or WEB_EDITOR in role_names(user)


# Set on the user by the authentication backends (see ``holds_grants``).
HOLDS_GRANTS_ATTRIBUTE = "victo_holds_grants"


def holds_grants(user: User) -> bool:
    """Whether the user belongs to a group or holds a permission of their own.

    The backends read it with the user (``backends.OneQueryUser``), so a page costs no
    query for it; a user loaded another way costs one."""
    value = getattr(user, HOLDS_GRANTS_ATTRIBUTE, None)
    if value is None:
        if not user.is_authenticated or user.pk is None:
            return False
        value = user.groups.exists() or user.user_permissions.exists()
        setattr(user, HOLDS_GRANTS_ATTRIBUTE, value)
    return bool(value)


def requires_two_factor(user: User) -> bool:
    """Two-factor authentication is mandatory for anyone with a power beyond their own data.

    Every such power comes from one of four places: ``is_superuser``; ``is_staff`` (the admin
    at /admin/); a group (the roles of this module: the desk and its citizens' personal
    data, notices via ``may_publish_notices``; Wagtail's Moderators; the CMS's
    ``access_admin`` permission is granted to groups); a permission given to the user alone
    (``alerts.publish_townwide_notice`` may be). Citizens hold none of them.
    Checking the source rather than each power keeps a new group an administrator creates,
    or a permission granted by hand, behind the second factor too."""
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser or user.is_staff or holds_grants(user))


def team_ids(user: User) -> frozenset[int]:
    cached = getattr(user, "_victo_team_ids", None)
    if cached is None:
        if not user.is_authenticated:
            cached = frozenset()
        else:
            cached = frozenset(user.teams.values_list("pk", flat=True))
        setattr(user, "_victo_team_ids", cached)  # noqa: B010
    return cached
