"""Delivery channels behind one interface, one module each.

A channel is opened once per batch (an SMTP connection is reused for many messages), sends
one notification at a time, and raises ``DeliveryError`` for a failure worth retrying or
``PermanentDeliveryError`` for one that is not (no phone number, a device that is gone).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..models import Notification


class DeliveryError(Exception):
    """The message did not go out; trying again later may work."""


class PermanentDeliveryError(DeliveryError):
    """The message cannot go out, ever: do not retry."""


class SkipDeliveryError(PermanentDeliveryError):
    """Nothing is wrong with the message: this installation cannot serve it (no push service
    configured for the person's devices). Recorded as skipped, with the reason."""


class Channel:
    name = ""

    def open(self) -> None:
        """Prepare for a batch (open a connection)."""

    def close(self) -> None:
        """Release what ``open`` took."""

    def send(self, notification: Notification) -> None:
        raise NotImplementedError

    def __enter__(self) -> Channel:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def get_channel(name: str) -> Channel:
    from .email import EmailChannel
    from .in_app import InAppChannel
    from .push import PushChannel
    from .sms import SmsChannel

    channels: dict[str, type[Channel]] = {
        "email": EmailChannel,
        "sms": SmsChannel,
        "push": PushChannel,
        "in_app": InAppChannel,
    }
    try:
        return channels[name]()
    except KeyError:
        raise PermanentDeliveryError(f"unknown channel {name!r}") from None
