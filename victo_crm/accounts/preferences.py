"""Communication preferences: what a citizen hears about, and how.

A citizen starts at the most private setting (Law 25, privacy by default): nothing is on
except what a request they filed needs — its updates by e-mail and in the portal. A stored
``CommunicationPreference`` row overrides the default for its (topic, channel).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .models import Channel, CommunicationPreference, Topic

if TYPE_CHECKING:
    from .models import User

Key = tuple[str, str]

DEFAULTS: dict[Key, bool] = {
    (topic, channel): False for topic in Topic.values for channel in Channel.values
}
DEFAULTS[(Topic.REQUEST_UPDATES.value, Channel.EMAIL.value)] = True
DEFAULTS[(Topic.REQUEST_UPDATES.value, Channel.IN_APP.value)] = True


def effective_preferences(user: User) -> dict[Key, bool]:
    """Every (topic, channel) with its effective value: the stored row, else the default."""
    values = dict(DEFAULTS)
    if user.pk is None:
        return values
    for topic, channel, enabled in CommunicationPreference.objects.filter(user=user).values_list(
        "topic", "channel", "enabled"
    ):
        if (topic, channel) in values:
            values[(topic, channel)] = enabled
    return values


def wants(user: User, *, topic: str, channel: str) -> bool:
    """Whether ``user`` wants to hear about ``topic`` on ``channel``."""
    row = (
        CommunicationPreference.objects.filter(user=user, topic=topic, channel=channel)
        .values_list("enabled", flat=True)
        .first()
    )
    return DEFAULTS.get((topic, channel), False) if row is None else bool(row)
