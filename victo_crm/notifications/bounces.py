"""What did not arrive: delivery status notifications (RFC 3464) read into receipts, and
addresses that bounced for good marked undeliverable, so no more mail goes to them; the SMS
provider's status reports read the same way, numbers that can never receive a text marked
undeliverable."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.message import Message

from django.conf import settings
from django.db import transaction

from .models import (
    DeliveryReceipt,
    Notification,
    NotificationChannel,
    SmsOptOut,
    UndeliverableAddress,
    UndeliverableNumber,
)


@dataclass
class Bounce:
    address: str
    status: str
    action: str
    detail: str
    original_message_id: str

    @property
    def kind(self) -> str:
        if self.action == "delivered":
            return DeliveryReceipt.Kind.DELIVERED
        if self.status.startswith("5") or (self.action == "failed" and not self.status):
            return DeliveryReceipt.Kind.HARD_BOUNCE
        return DeliveryReceipt.Kind.SOFT_BOUNCE


def _fields(block: object) -> dict[str, str]:
    found: dict[str, str] = {}
    if isinstance(block, Message):
        for key, value in block.items():
            found[key.lower()] = str(value)
    return found


def read_report(message: Message) -> list[Bounce]:
    """The per-recipient parts of a multipart/report (delivery-status)."""
    if message.get_content_type() != "multipart/report":
        return []
    original_id = ""
    recipients: list[dict[str, str]] = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            payload = part.get_payload()
            blocks = payload if isinstance(payload, list) else []
            recipients.extend(f for f in (_fields(b) for b in blocks[1:]) if f)
        elif kind in ("message/rfc822", "text/rfc822-headers"):
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                original_id = str(inner[0].get("Message-ID", "")).strip()
            elif isinstance(inner, str):
                for line in inner.splitlines():
                    if line.lower().startswith("message-id:"):
                        original_id = line.split(":", 1)[1].strip()
    bounces = []
    for fields in recipients:
        address = fields.get("final-recipient", fields.get("original-recipient", ""))
        address = address.split(";", 1)[-1].strip().strip("<>").lower()
        if not address:
            continue
        bounces.append(
            Bounce(
                address=address,
                status=fields.get("status", "").strip(),
                action=fields.get("action", "").strip().lower(),
                detail=fields.get("diagnostic-code", "")[:2000],
                original_message_id=original_id,
            )
        )
    return bounces


def _notification_for(bounce: Bounce) -> Notification | None:
    """The e-mail this report is about: the latest ones sent to the address, matched by the
    stable Message-ID each carries (``channels.email.message_id``) when the report quotes
    it, else the latest one."""
    candidates = list(
        Notification.objects.filter(
            channel=NotificationChannel.EMAIL, address__iexact=bounce.address
        ).order_by("-pk")[:50]
    )
    if not candidates:
        return None
    domain = settings.VICTO_EMAIL_MESSAGE_ID_DOMAIN
    for notification in candidates:
        digest = hashlib.sha256(notification.dedup_key.encode()).hexdigest()[:32]
        if bounce.original_message_id == f"<{digest}@{domain}>":
            return notification
    return candidates[0]


@transaction.atomic
def delivery_reports_record(message: Message) -> list[DeliveryReceipt]:
    """Record a delivery status notification: one receipt per recipient, and a hard bounce
    marks the address undeliverable."""
    receipts = []
    for bounce in read_report(message):
        notification = _notification_for(bounce)
        receipts.append(
            DeliveryReceipt.objects.create(
                notification=notification,
                address=bounce.address,
                kind=bounce.kind,
                status_code=bounce.status[:20],
                detail=bounce.detail,
            )
        )
        if bounce.kind == DeliveryReceipt.Kind.HARD_BOUNCE:
            UndeliverableAddress.objects.update_or_create(
                email=bounce.address,
                defaults={"status_code": bounce.status[:20], "detail": bounce.detail},
            )
    return receipts


def undeliverable(email: str) -> UndeliverableAddress | None:
    if not email:
        return None
    return UndeliverableAddress.objects.filter(email=email.strip().lower()).first()


# --- Texts: the provider's status reports ------------------------------------------------------

# The statuses that end a text's story; the others (queued, sending, sent, accepted…) only
# say it is on its way.
SMS_FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed"})


def undeliverable_number(number: str) -> UndeliverableNumber | None:
    if not number:
        return None
    return UndeliverableNumber.objects.filter(number=number).first()


def undeliverable_phone(phone: str) -> UndeliverableNumber | None:
    """The mark on a phone number as a person typed it, if texts cannot reach it."""
    from .channels import PermanentDeliveryError
    from .channels.sms import normalize_number

    try:
        return undeliverable_number(normalize_number(phone)) if phone else None
    except PermanentDeliveryError:
        return None


def sms_number_mark_undeliverable(*, number: str, code: str, detail: str = "") -> None:
    UndeliverableNumber.objects.update_or_create(
        number=number, defaults={"status_code": code[:20], "detail": detail[:2000]}
    )


@transaction.atomic
def sms_status_record(
    *, provider_id: str, status: str, error_code: str = "", to: str = ""
) -> DeliveryReceipt | None:
    """Record the provider's report on a text it numbered ``provider_id``: delivered, or not
    (for good when the error code says the number can never receive one, which marks it
    undeliverable; an opt-out at the provider's records the STOP). ``to``: the number the
    text went to, as the report names it (the person may have changed hers since). A report
    on a text we do not know, or one that only says it is on its way, records nothing."""
    from .channels.sms import OPTED_OUT_ERRORS, PERMANENT_NUMBER_ERRORS

    status = status.strip().lower()
    if not provider_id or status not in SMS_FINAL_STATUSES:
        return None
    notification = (
        Notification.objects.filter(provider_id=provider_id, channel=NotificationChannel.SMS)
        .select_related("recipient")
        .first()
    )
    if notification is None:
        return None
    code = error_code.strip()
    if status == "delivered":
        kind = DeliveryReceipt.Kind.DELIVERED
    elif code in PERMANENT_NUMBER_ERRORS:
        kind = DeliveryReceipt.Kind.HARD_BOUNCE
    else:
        kind = DeliveryReceipt.Kind.SOFT_BOUNCE
    status_code = f"{status} {code}".strip()[:20]
    number = _number_of(notification, to)
    existing = DeliveryReceipt.objects.filter(
        notification=notification, kind=kind, status_code=status_code
    ).first()
    if existing is not None:
        return existing  # the provider retried its report
    receipt = DeliveryReceipt.objects.create(
        notification=notification, address=number, kind=kind, status_code=status_code
    )
    if number and kind == DeliveryReceipt.Kind.HARD_BOUNCE:
        sms_number_mark_undeliverable(number=number, code=code, detail=status_code)
    elif number and code in OPTED_OUT_ERRORS:
        SmsOptOut.objects.get_or_create(number=number)
    return receipt


def _number_of(notification: Notification, to: str) -> str:
    from .channels import PermanentDeliveryError
    from .channels.sms import normalize_number

    recipient = notification.recipient
    try:
        return normalize_number(to or (recipient.phone if recipient is not None else ""))
    except PermanentDeliveryError:
        return ""
