"""Push notifications to every active device of a person: browsers by Web Push (VAPID) and
the mobile app by Firebase Cloud Messaging (HTTP v1). A device whose service is not
configured is left out; when none of a person's devices can be served, the message is
skipped with the reason rather than failed."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.utils import timezone

from ..models import PushDevice
from . import Channel, DeliveryError, PermanentDeliveryError, SkipDeliveryError
from . import webpush as web
from .fcm import DeviceGone, DeviceRefused, FcmClient

if TYPE_CHECKING:
    from ..models import Notification


class PushChannel(Channel):
    name = "push"
    kinds: ClassVar[tuple[str, ...]] = (PushDevice.Kind.WEB_PUSH, PushDevice.Kind.FCM)

    def __init__(self) -> None:
        self._fcm: FcmClient | None = None
        self._fcm_loaded = False

    def fcm(self) -> FcmClient | None:
        if not self._fcm_loaded:
            self._fcm, self._fcm_loaded = FcmClient.from_settings(), True
        return self._fcm

    def _sender(self, device: PushDevice) -> str:
        """The service that serves this device ("" when it is not configured)."""
        if device.kind == PushDevice.Kind.WEB_PUSH and web.is_configured():
            return "webpush"
        if device.kind == PushDevice.Kind.FCM and self.fcm() is not None:
            return "fcm"
        return ""

    def send(self, notification: Notification) -> None:
        if notification.recipient_id is None:
            raise PermanentDeliveryError("no account")
        devices = list(
            PushDevice.objects.filter(
                user_id=notification.recipient_id, is_active=True, kind__in=self.kinds
            ).order_by("pk")
        )
        if not devices:
            raise PermanentDeliveryError("no active push device")
        servable = [(device, self._sender(device)) for device in devices]
        servable = [(device, sender) for device, sender in servable if sender]
        if not servable:
            kinds = ", ".join(sorted({d.get_kind_display() for d in devices}))
            raise SkipDeliveryError(f"no push service configured for: {kinds}")
        delivered, temporary, permanent = 0, "", ""
        for device, sender in servable:
            try:
                if sender == "webpush":
                    web.send_webpush(device, notification)
                else:
                    client = self.fcm()
                    assert client is not None
                    client.send(device_token=device.endpoint, notification=notification)
            except DeviceRefused as error:
                PushDevice.objects.filter(pk=device.pk).update(is_active=False)
                permanent = f"device {device.pk} refused: {error}"
                continue
            except DeviceGone:
                PushDevice.objects.filter(pk=device.pk).update(is_active=False)
                continue
            except PermanentDeliveryError as error:
                permanent = str(error)
                continue
            except DeliveryError as error:
                temporary = str(error)
                continue
            delivered += 1
            PushDevice.objects.filter(pk=device.pk).update(last_used_at=timezone.now())
        if not delivered:
            if temporary:
                raise DeliveryError(temporary)
            raise PermanentDeliveryError(permanent or "every device is gone")


class WebPushChannel(PushChannel):
    """Browsers only."""

    kinds = (PushDevice.Kind.WEB_PUSH,)
