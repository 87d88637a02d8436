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
from django.urls import reverse
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
    def send(self, *, to: str, body: str, status_callback: str = "") -> str:
        """Send one text; return the provider's message id. ``status_callback``: the URL the
        provider reports the text's fate to (delivered, undelivered, failed)."""
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    def send(self, *, to: str, body: str, status_callback: str = "") -> str:
        logger.info("SMS to %s: %s", to, body)
        return f"console-{uuid.uuid4().hex[:12]}"


class FileSmsBackend(SmsBackend):
    def send(self, *, to: str, body: str, status_callback: str = "") -> str:
        folder = Path(settings.VICTO_SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        ident = uuid.uuid4().hex
        (folder / f"{ident}.txt").write_text(f"To: {to}\n\n{body}\n", encoding="utf-8")
        return ident


class LocmemSmsBackend(SmsBackend):
    outbox: list[dict[str, str]] = []

    def send(self, *, to: str, body: str, status_callback: str = "") -> str:
        ident = f"locmem-{len(self.outbox) + 1}"
        LocmemSmsBackend.outbox.append(
            {"to": to, "body": body, "id": ident, "status_callback": status_callback}
        )
        return ident


class UndeliverableNumberError(PermanentDeliveryError):
    """The provider says the number can never receive a text (not a number, not a mobile,
    unknown to its carrier): the number is marked undeliverable."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


# Twilio's error codes that say the number itself can never receive a text. 21211: not a
# valid number; 21614: not a mobile number; 30005: unknown to the carrier (no such
# subscriber); 30006: a landline or a carrier that takes no texts. Not among them: 30003
# (handset off or out of reach), 30004 (blocked), 30007 (filtered), 30008 (unknown): all
# may pass next time. 21610 (the person texted STOP to the provider) is an opt-out.
PERMANENT_NUMBER_ERRORS = frozenset({"21211", "21614", "30005", "30006"})
OPTED_OUT_ERRORS = frozenset({"21610"})


class TwilioSmsBackend(SmsBackend):
    """Twilio's Messages API over HTTPS; 4xx answers are permanent, the rest temporary."""

    def __init__(self, session: Any = None) -> None:
        self.session = session or requests.Session()

    def send(self, *, to: str, body: str, status_callback: str = "") -> str:
        sid = settings.VICTO_TWILIO_ACCOUNT_SID
        token = settings.VICTO_TWILIO_AUTH_TOKEN
        sender = settings.VICTO_TWILIO_FROM_NUMBER
        if not (sid and token and sender):
            raise PermanentDeliveryError("Twilio is not configured")
        url = (
            f"{settings.VICTO_TWILIO_API_BASE.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
        )
        data = {"To": to, "From": sender, "Body": body}
        if status_callback:
            data["StatusCallback"] = status_callback
        try:
            response = self.session.post(url, data=data, auth=(sid, token), timeout=10)
        except requests.RequestException as error:
            raise DeliveryError(f"Twilio unreachable: {error}") from error
        if response.status_code >= 500 or response.status_code == 429:
            raise DeliveryError(f"Twilio answered {response.status_code}")
        if response.status_code >= 400:
            code = _error_code(response)
            if code in PERMANENT_NUMBER_ERRORS:
                raise UndeliverableNumberError(
                    f"Twilio refused the number: {code} {response.text[:200]}", code=code
                )
            raise PermanentDeliveryError(
                f"Twilio refused: {response.status_code} {response.text[:200]}"
            )
        return str(response.json().get("sid", ""))


def _error_code(response: Any) -> str:
    try:
        return str(response.json().get("code", ""))
    except ValueError:
        return ""


def status_callback_url() -> str:
    """Where the provider reports each text's fate: ``VICTO_SMS_STATUS_CALLBACK_URL``, by
    default the inbound app's webhook on ``VICTO_SITE_URL`` (named by its URL name: the
    outbox sits below the inbound app)."""
    configured = settings.VICTO_SMS_STATUS_CALLBACK_URL
    if configured is not None:
        return configured
    return settings.SITE_URL.rstrip("/") + reverse("inbound:twilio_status")


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
        self.status_callback = status_callback_url()

    def send(self, notification: Notification) -> None:
        """Send the text and note the provider's id on the row (``provider_id``), which its
        delivery reports name; the caller records it with the success."""
        from ..bounces import sms_number_mark_undeliverable, undeliverable_number
        from ..models import SmsOptOut

        recipient = notification.recipient if notification.recipient_id else None
        if recipient is None or not recipient.phone:
            raise PermanentDeliveryError("no phone number")
        to = normalize_number(recipient.phone)
        if SmsOptOut.objects.filter(number=to).exists():
            raise SkipDeliveryError("the number texted STOP")
        if undeliverable_number(to) is not None:
            # The provider said it can never receive a text: nothing more until it changes.
            raise PermanentDeliveryError("number undeliverable (provider's report)")
        try:
            ident = self.backend.send(
                to=to, body=sms_text(notification), status_callback=self.status_callback
            )
        except UndeliverableNumberError as error:
            sms_number_mark_undeliverable(number=to, code=error.code, detail=str(error))
            raise
        notification.provider_id = (ident or "")[:64]
