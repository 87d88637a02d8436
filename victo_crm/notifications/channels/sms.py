"""Texts (SMS) behind a backend interface chosen by ``VICTO_SMS_BACKEND``.

Backends: ``ConsoleSmsBackend`` (logs, for development), ``FileSmsBackend`` (one file per
text under ``VICTO_SMS_FILE_PATH``), ``LocmemSmsBackend`` (tests read ``outbox``), and
``TwilioSmsBackend``, a real provider reached with plain HTTPS (account, token and sender
number from settings).
"""

from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
from django.conf import settings
from django.utils.module_loading import import_string

from . import Channel, DeliveryError, PermanentDeliveryError, SkipDeliveryError

if TYPE_CHECKING:
    from ..models import Notification

logger = logging.getLogger(__name__)
MAX_LENGTH = 320  # two SMS segments; longer texts point to the link


def normalize_number(raw: str) -> str:
    """E.164 for North American numbers typed the usual ways ("819 758-0555")."""
    digits = re.sub(r"\D", "", raw or "")
    if len(digits) == 10:
        digits = "1" + digits
    if len(digits) != 11 or not digits.startswith("1"):
        raise PermanentDeliveryError(f"not a North American number: {raw!r}")
    return "+" + digits


class SmsBackend:
    def send(self, *, to: str, body: str) -> str:
        """Send one text; return the provider's message id."""
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    def send(self, *, to: str, body: str) -> str:
        logger.info("SMS to %s: %s", to, body)
        return f"console-{uuid.uuid4().hex[:12]}"


class FileSmsBackend(SmsBackend):
    def send(self, *, to: str, body: str) -> str:
        folder = Path(settings.VICTO_SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        ident = uuid.uuid4().hex
        (folder / f"{ident}.txt").write_text(f"To: {to}\n\n{body}\n", encoding="utf-8")
        return ident


class LocmemSmsBackend(SmsBackend):
    outbox: list[dict[str, str]] = []

    def send(self, *, to: str, body: str) -> str:
        ident = f"locmem-{len(self.outbox) + 1}"
        LocmemSmsBackend.outbox.append({"to": to, "body": body, "id": ident})
        return ident


class TwilioSmsBackend(SmsBackend):
    """Twilio's Messages API over HTTPS; 4xx answers are permanent, the rest temporary."""

    def __init__(self, session: Any = None) -> None:
        self.session = session or requests.Session()

    def send(self, *, to: str, body: str) -> str:
        sid = settings.VICTO_TWILIO_ACCOUNT_SID
        token = settings.VICTO_TWILIO_AUTH_TOKEN
        sender = settings.VICTO_TWILIO_FROM_NUMBER
        if not (sid and token and sender):
            raise PermanentDeliveryError("Twilio is not configured")
        url = (
            f"{settings.VICTO_TWILIO_API_BASE.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
        )
        try:
            response = self.session.post(
                url, data={"To": to, "From": sender, "Body": body}, auth=(sid, token), timeout=10
            )
        except requests.RequestException as error:
            raise DeliveryError(f"Twilio unreachable: {error}") from error
        if response.status_code >= 500 or response.status_code == 429:
            raise DeliveryError(f"Twilio answered {response.status_code}")
        if response.status_code >= 400:
            raise PermanentDeliveryError(
                f"Twilio refused: {response.status_code} {response.text[:200]}"
            )
        return str(response.json().get("sid", ""))


def get_backend() -> SmsBackend:
    return import_string(settings.VICTO_SMS_BACKEND)()


def sms_text(notification: Notification) -> str:
    parts = [notification.subject.strip(), notification.body.strip()]
    text = " — ".join(p for p in parts if p)
    link = notification.link
    room = MAX_LENGTH - (len(link) + 1 if link else 0)
    if len(text) > room:
        text = text[: max(room - 1, 0)].rstrip() + "…"
    return f"{text} {link}".strip() if link else text


class SmsChannel(Channel):
    name = "sms"

    def open(self) -> None:
        self.backend = get_backend()

    def send(self, notification: Notification) -> None:
        recipient = notification.recipient if notification.recipient_id else None
        if recipient is None or not recipient.phone:
            raise PermanentDeliveryError("no phone number")
        to = normalize_number(recipient.phone)
        from ..models import SmsOptOut

        if SmsOptOut.objects.filter(number=to).exists():
            raise SkipDeliveryError("the number texted STOP")
        self.backend.send(to=to, body=sms_text(notification))
