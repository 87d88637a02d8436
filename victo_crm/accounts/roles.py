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


def team_ids(user: User) -> frozenset[int]:
    cached = getattr(user, "_victo_team_ids", None)
    if cached is None:
        if not user.is_authenticated:
            cached = frozenset()
        else:
            cached = frozenset(user.teams.values_list("pk", flat=True))
        setattr(user, "_victo_team_ids", cached)  # noqa: B010
    return cached
