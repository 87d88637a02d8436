"""Web Push (VAPID) to the browsers a citizen registered through the portal's service worker
or the API. A subscription the push service says is gone (404, 410) is deactivated."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.conf import settings

from . import DeliveryError

if TYPE_CHECKING:
    from ..models import Notification, PushDevice


def payload(notification: Notification) -> str:
    return json.dumps(
        {
            "title": notification.subject,
            "body": notification.body[:300],
            "url": notification.link,
            "tag": notification.group_key or notification.kind,
            "urgent": notification.is_emergency,
        },
        ensure_ascii=False,
    )


def is_configured() -> bool:
    return bool(settings.VICTO_VAPID_PRIVATE_KEY)


def send_webpush(device: PushDevice, notification: Notification) -> None:
    """Send to one browser; ``DeviceGone`` when its subscription is no more."""
    from pywebpush import WebPushException, webpush

    from .fcm import DeviceGone

    try:
        webpush(
            subscription_info={"endpoint": device.endpoint, "keys": device.keys},
            data=payload(notification),
            vapid_private_key=settings.VICTO_VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.VICTO_VAPID_SUBJECT},
            ttl=settings.VICTO_WEBPUSH_TTL,
            timeout=10,
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in (404, 410):
            raise DeviceGone(str(error)) from error
        raise DeliveryError(str(error)) from error
