"""Web Push (VAPID) to the browsers a citizen registered through the portal's service worker
or the API. A subscription the push service says is gone (404, 410) is deactivated.

Whatever is stored, the endpoint is checked again before each send (https, an allowed push
service) and the POST goes through ``public_only_session``, which refuses a host resolving to
a private, loopback, link-local or reserved address: a refused device is deactivated
(``DeviceRefused``) and nothing is sent to it."""

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
    """Send to one browser; ``DeviceGone`` when its subscription is no more, ``DeviceRefused``
    when its endpoint may not be reached."""
    from django.core.exceptions import ValidationError
    from pywebpush import WebPushException, webpush

    from ..push_endpoints import PushAddressRefused, public_only_session, validate_push_endpoint
    from .fcm import DeviceGone, DeviceRefused

    try:
        validate_push_endpoint(kind=device.kind, endpoint=device.endpoint)
    except ValidationError as error:
        raise DeviceRefused(" ".join(error.messages)) from error
    try:
        webpush(
            subscription_info={"endpoint": device.endpoint, "keys": device.keys},
            data=payload(notification),
            vapid_private_key=settings.VICTO_VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.VICTO_VAPID_SUBJECT},
            ttl=settings.VICTO_WEBPUSH_TTL,
            timeout=10,
            requests_session=public_only_session(),
        )
    except PushAddressRefused as error:
        raise DeviceRefused(str(error)) from error
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in (404, 410):
            raise DeviceGone(str(error)) from error
        raise DeliveryError(str(error)) from error
