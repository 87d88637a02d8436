"""What did not arrive: delivery status notifications (RFC 3464) read into receipts, and
addresses that bounced for good marked undeliverable, so no more mail goes to them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.message import Message

from django.conf import settings
from django.db import transaction

from .models import DeliveryReceipt, Notification, NotificationChannel, UndeliverableAddress


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
