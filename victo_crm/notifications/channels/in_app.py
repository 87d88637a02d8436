"""In-app: the notification row is the inbox entry; delivering it makes it visible."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Channel, PermanentDeliveryError

if TYPE_CHECKING:
    from ..models import Notification


class InAppChannel(Channel):
    name = "in_app"

    def send(self, notification: Notification) -> None:
        if notification.recipient_id is None:
            raise PermanentDeliveryError("no account to show it in")
