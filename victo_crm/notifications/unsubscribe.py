"""Unsubscribe links that work without signing in and cannot be forged.

The token is the recipient and the topic signed with the site's secret key
(``django.core.signing``): anyone holding the e-mail can use it, nobody can make one for
another address or another topic.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import get_script_prefix, reverse

SALT = "victo_crm.notifications.unsubscribe"
ALL_TOPICS = "*"


@dataclass(frozen=True)
class UnsubscribeTarget:
    user_id: int | None
    email: str
    topic: str


def make_token(*, user_id: int | None, email: str, topic: str) -> str:
    payload = {"t": topic}
    if user_id:
        payload["u"] = user_id  # type: ignore[assignment]
    else:
        payload["e"] = email.lower()
    return signing.dumps(payload, salt=SALT, compress=True)


_STANDIN = "victo-token-standin"
_url_patterns: dict[tuple[str, str], str] = {}


def unsubscribe_url(*, user_id: int | None, email: str, topic: str) -> str:
    token = make_token(user_id=user_id, email=email, topic=topic)
    # Resolving the URL once per site and script prefix, not once per e-mail of a notice.
    where = (settings.SITE_URL, get_script_prefix())
    pattern = _url_patterns.get(where)
    if pattern is None:
        pattern = settings.SITE_URL.rstrip("/") + reverse("alerts:unsubscribe", args=[_STANDIN])
        _url_patterns[where] = pattern
    return pattern.replace(_STANDIN, token)


def read_token(token: str) -> UnsubscribeTarget | None:
    """The target of a genuine token, or None for anything tampered with."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("t"), str):
        return None
    user_id = data.get("u")
    email = data.get("e", "")
    if not user_id and not email:
        return None
    return UnsubscribeTarget(
        user_id=int(user_id) if user_id else None, email=email, topic=data["t"]
    )


@transaction.atomic
def unsubscribe_apply(*, target: UnsubscribeTarget) -> None:
    """Stop e-mails of the token's topic: the citizen's preference turns off (and the e-mail
    channel leaves their alert subscriptions of that topic); a guest's address is suppressed."""
    from victo_crm.accounts.models import Channel, Topic, User
    from victo_crm.accounts.services import user_preferences_set

    from .models import EmailSuppression

    user = User.objects.filter(pk=target.user_id).first() if target.user_id else None
    if user is None:
        if target.email:
            EmailSuppression.objects.get_or_create(email=target.email.lower(), topic=target.topic)
        return
    if target.topic != ALL_TOPICS and target.topic not in Topic.values:
        # A work message (staff): no preference row exists for it; suppress the address.
        EmailSuppression.objects.get_or_create(email=user.email.lower(), topic=target.topic)
        return
    topics = Topic.values if target.topic == ALL_TOPICS else [target.topic]
    user_preferences_set(
        user=user,
        preferences={
            (topic, Channel.EMAIL.value): False for topic in topics if topic in Topic.values
        },
    )
    from victo_crm.alerts.services import subscriptions_drop_channel

    subscriptions_drop_channel(user=user, preference_topics=topics, channel=Channel.EMAIL.value)
