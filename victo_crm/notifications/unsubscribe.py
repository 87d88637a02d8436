"""Unsubscribe links that work without signing in and cannot be forged.

The token is the recipient and the topic signed with the site's secret key
(``django.core.signing``): anyone holding the e-mail can use it, nobody can make one for
another address or another topic. What a genuine token does (turn a preference off, leave
the alert subscriptions of that topic) is ``alerts.services.unsubscribe_apply``: the alerts
sit above the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
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
