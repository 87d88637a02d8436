"""Web Push (VAPID) to the browsers a citizen registered through the portal's service worker
or the API. A subscription the push service says is gone (404, 410) is deactivated."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from ..models import PushDevice
from . import Channel, DeliveryError, PermanentDeliveryError

if TYPE_CHECKING:
    from ..models import Notification


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


class WebPushChannel(Channel):
    name = "push"

    def send(self, notification: Notification) -> None:
        from pywebpush import WebPushException, webpush

        if not settings.VICTO_VAPID_PRIVATE_KEY:
            raise PermanentDeliveryError("VAPID keys are not configured")
        if notification.recipient_id is None:
            raise PermanentDeliveryError("no account")
        devices = list(
            PushDevice.objects.filter(
                user_id=notification.recipient_id, is_active=True, kind=PushDevice.Kind.WEB_PUSH
            )
        )
        if not devices:
            raise PermanentDeliveryError("no active Web Push device")
        data = payload(notification)
        delivered, temporary = 0, ""
        for device in devices:
            try:
                webpush(
                    subscription_info={"endpoint": device.endpoint, "keys": device.keys},
                    data=data,
                    vapid_private_key=settings.VICTO_VAPID_PRIVATE_KEY,
                    vapid_claims={"sub": settings.VICTO_VAPID_SUBJECT},
                    ttl=settings.VICTO_WEBPUSH_TTL,
                    timeout=10,
                )
            except WebPushException as error:
                status = getattr(error.response, "status_code", None)
                if status in (404, 410):
                    PushDevice.objects.filter(pk=device.pk).update(is_active=False)
                    continue
                temporary = str(error)
                continue
            delivered += 1
            PushDevice.objects.filter(pk=device.pk).update(last_used_at=timezone.now())
        if not delivered:
            if temporary:
                raise DeliveryError(temporary)
            raise PermanentDeliveryError("every device is gone")
