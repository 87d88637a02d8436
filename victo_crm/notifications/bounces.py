"""What did not arrive: delivery status notifications (RFC 3464) read into receipts, and
addresses that bounced for good marked undeliverable, so no more mail goes to them; the SMS
provider's status reports read the same way, numbers that can never receive a text marked
undeliverable."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from email.message import Message
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import (
    DeliveryReceipt,
    EmailSuppression,
    Notification,
    NotificationChannel,
    SmsOptOut,
    UndeliverableAddress,
    UndeliverableNumber,
)
from .unsubscribe import ALL_TOPICS, read_token


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


def _emails_to(address: str) -> list[Notification]:
    return list(
        Notification.objects.filter(
            channel=NotificationChannel.EMAIL, address__iexact=address
        ).order_by("-pk")[:50]
    )


def _sent_email(address: str, original_message_id: str) -> Notification | None:
    """The e-mail we sent to ``address`` whose Message-ID a report quotes, or None.

    The proof that a report is about an e-mail of ours and not a forgery: anyone can write a
    report naming anyone's address, but only the mail systems the e-mail went through know
    its Message-ID, which is keyed with the secret key (``channels.email.message_id``)."""
    from .channels.email import message_id

    if not original_message_id:
        return None
    for notification in _emails_to(address):
        if message_id(notification) == original_message_id:
            return notification
    return None


@transaction.atomic
def delivery_reports_record(message: Message) -> list[DeliveryReceipt]:
    """Record a delivery status notification: one receipt per recipient. A hard bounce
    about an e-mail we sent (the report quotes its Message-ID) marks the address
    undeliverable; one that does not prove it is recorded, unlinked, and stops nothing."""
    receipts = []
    for bounce in read_report(message):
        notification = _sent_email(bounce.address, bounce.original_message_id)
        receipts.append(
            DeliveryReceipt.objects.create(
                notification=notification,
                address=bounce.address,
                kind=bounce.kind,
                status_code=bounce.status[:20],
                detail=bounce.detail,
            )
        )
        if notification is not None and bounce.kind == DeliveryReceipt.Kind.HARD_BOUNCE:
            UndeliverableAddress.objects.update_or_create(
                email=bounce.address,
                defaults={"status_code": bounce.status[:20], "detail": bounce.detail},
            )
    return receipts


# --- Complaints: feedback loop reports (RFC 5965) -------------------------------------------


@dataclass
class Complaint:
    address: str
    feedback_type: str
    user_agent: str
    original_message_id: str
    # The address came from our own signed unsubscribe link in the quoted e-mail: proof
    # enough that the report is about mail we sent her.
    signed: bool = False


def _original_headers(message: Message) -> Message | None:
    """The headers of the original message a report quotes (``message/rfc822`` or
    ``text/rfc822-headers``)."""
    from email import message_from_string

    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return inner[0]
        elif kind == "text/rfc822-headers":
            text = part.get_payload(decode=True)
            if isinstance(text, bytes):
                return message_from_string(text.decode("utf-8", "replace"))
    return None


def _feedback_fields(message: Message) -> dict[str, str]:
    for part in message.walk():
        if part.get_content_type() == "message/feedback-report":
            payload = part.get_payload()
            if isinstance(payload, list):
                found: dict[str, str] = {}
                for block in payload:
                    found.update(_fields(block))
                return found
            if isinstance(payload, str):
                return {
                    key.strip().lower(): value.strip()
                    for key, _sep, value in (
                        line.partition(":") for line in payload.splitlines() if ":" in line
                    )
                }
    return {}


def _address_in_unsubscribe(headers: Message) -> str:
    """The recipient named by the signed unsubscribe link our e-mail carried: a provider may
    hide the address in its report, never our own signed token."""
    from urllib.parse import urlsplit

    from victo_crm.accounts.models import User

    link = str(headers.get("List-Unsubscribe", "")).strip().strip("<>")
    token = urlsplit(link).path.rstrip("/").rsplit("/", 1)[-1] if link else ""
    target = read_token(token) if token else None
    if target is None:
        return ""
    if target.user_id:
        user = User.objects.filter(pk=target.user_id).only("email").first()
        return user.email.lower() if user is not None else ""
    return target.email.lower()


def read_feedback_report(message: Message) -> Complaint | None:
    """A feedback report (``multipart/report; report-type=feedback-report``) about one of our
    e-mails, or None. The address comes from our own signed unsubscribe link in the quoted
    headers when it is there, else from the report (``Original-Rcpt-To``) or the quoted
    ``To``."""
    if message.get_content_type() != "multipart/report":
        return None
    if str(message.get_param("report-type", "")).lower() != "feedback-report":
        return None
    fields = _feedback_fields(message)
    headers = _original_headers(message)
    address = _address_in_unsubscribe(headers) if headers is not None else ""
    signed = bool(address)
    if not address:
        from email.utils import parseaddr

        quoted_to = str(headers.get("To", "")) if headers is not None else ""
        address = parseaddr(fields.get("original-rcpt-to", "") or quoted_to)[1].lower()
    if "@" not in address:
        return None
    return Complaint(
        address=address,
        feedback_type=fields.get("feedback-type", "abuse").lower()[:20],
        user_agent=fields.get("user-agent", "")[:500],
        original_message_id=str(headers.get("Message-ID", "")).strip() if headers else "",
        signed=signed,
    )


@transaction.atomic
def feedback_report_record(message: Message) -> DeliveryReceipt | None:
    """Record a complaint (someone marked our e-mail as spam) on the e-mail it is about, and
    stop every e-mail of the outbox to that address (``EmailSuppression`` for every topic,
    emergencies included: they still go by text, push and in the app). Account security
    mail (allauth's) does not go through the outbox and is not stopped. Returns None when
    the message is no feedback report about an e-mail we sent: one that names her by our
    signed unsubscribe link or quotes its Message-ID."""
    complaint = read_feedback_report(message)
    if complaint is None:
        return None
    notification = _sent_email(complaint.address, complaint.original_message_id)
    if notification is None and complaint.signed:
        # Our signed link named her: the quoted e-mail is ours even if its Message-ID was
        # dropped on the way; the complaint goes on the latest e-mail to her.
        notification = next(iter(_emails_to(complaint.address)), None)
    if notification is None:
        # An address we never wrote to, or a report that does not prove it is about an
        # e-mail of ours (a forgery naming her address could otherwise stop her mail).
        return None
    receipt = DeliveryReceipt.objects.create(
        notification=notification,
        address=complaint.address,
        kind=DeliveryReceipt.Kind.COMPLAINT,
        status_code=complaint.feedback_type,
        detail=complaint.user_agent,
    )
    EmailSuppression.objects.update_or_create(
        email=complaint.address,
        topic=ALL_TOPICS,
        defaults={"reason": EmailSuppression.Reason.COMPLAINT},
    )
    return receipt


def complaint_for(email: str) -> EmailSuppression | None:
    """The complaint that stopped e-mail to this address, if any."""
    if not email:
        return None
    return EmailSuppression.objects.filter(
        email=email.strip().lower(), topic=ALL_TOPICS, reason=EmailSuppression.Reason.COMPLAINT
    ).first()


@transaction.atomic
def email_complaint_withdraw(*, user: Any) -> bool:
    """She asks for our e-mail again (her preferences page): the complaint's stop on her
    address is lifted; her preferences apply as before."""
    deleted, _detail = EmailSuppression.objects.filter(
        email=user.email.strip().lower(),
        topic=ALL_TOPICS,
        reason=EmailSuppression.Reason.COMPLAINT,
    ).delete()
    return bool(deleted)


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
    that only says the text is on its way records nothing.

    A final report on a text we do not know yet is kept, unlinked, with the text's id: the
    provider may report before the worker has recorded the text as sent (a wrong number
    fails within a second). ``sms_reports_attach`` links it, and does what it says, once the
    worker records that id; a report no text of ours ever claims changes nothing."""
    from .channels.sms import PERMANENT_NUMBER_ERRORS

    status = status.strip().lower()
    if not provider_id or status not in SMS_FINAL_STATUSES:
        return None
    notification = (
        Notification.objects.filter(provider_id=provider_id, channel=NotificationChannel.SMS)
        .select_related("recipient")
        .first()
    )
    code = error_code.strip()
    if status == "delivered":
        kind = DeliveryReceipt.Kind.DELIVERED
    elif code in PERMANENT_NUMBER_ERRORS:
        kind = DeliveryReceipt.Kind.HARD_BOUNCE
    else:
        kind = DeliveryReceipt.Kind.SOFT_BOUNCE
    status_code = f"{status} {code}".strip()[:20]
    existing = DeliveryReceipt.objects.filter(
        provider_id=provider_id, kind=kind, status_code=status_code
    ).first()
    if existing is not None:
        return existing  # the provider retried its report
    receipt = DeliveryReceipt.objects.create(
        notification=notification,
        provider_id=provider_id,
        address=_number_of(notification, to),
        kind=kind,
        status_code=status_code,
    )
    if notification is not None:
        _act_on_sms_report(receipt, code)
    return receipt


def sms_reports_attach(provider_ids: Iterable[str] | None = None) -> int:
    """Link the reports that came before their text was recorded as sent, and do what each
    says (mark the number, record the STOP). ``provider_ids``: the texts the worker has just
    recorded; None: the reports of the last day still waiting (the relay's round, for a
    report that crossed the worker's; a text is recorded seconds after it is sent, so an older
    one names a text not ours). A report is linked once, whoever gets there first. Returns
    how many."""
    waiting = DeliveryReceipt.objects.filter(notification__isnull=True).exclude(provider_id="")
    if provider_ids is None:
        waiting = waiting.filter(created_at__gte=timezone.now() - timedelta(days=1))
    else:
        waiting = waiting.filter(provider_id__in=list(provider_ids))
    receipts = list(waiting)
    if not receipts:
        return 0
    texts = {
        text.provider_id: text
        for text in Notification.objects.filter(
            provider_id__in={r.provider_id for r in receipts}, channel=NotificationChannel.SMS
        ).select_related("recipient")
    }
    attached = 0
    for receipt in receipts:
        text = texts.get(receipt.provider_id)
        if text is None:
            continue
        receipt.address = receipt.address or _number_of(text, "")
        with transaction.atomic():
            if not DeliveryReceipt.objects.filter(pk=receipt.pk, notification__isnull=True).update(
                notification=text, address=receipt.address
            ):
                continue  # linked meanwhile, and acted on, by the other caller
            _act_on_sms_report(receipt, receipt.status_code.partition(" ")[2])
        attached += 1
    return attached


def _act_on_sms_report(receipt: DeliveryReceipt, code: str) -> None:
    """What a report on one of our texts changes: a number that can never take a text is
    marked; an opt-out at the provider's is a STOP."""
    from .channels.sms import OPTED_OUT_ERRORS

    number = receipt.address
    if number and receipt.kind == DeliveryReceipt.Kind.HARD_BOUNCE:
        sms_number_mark_undeliverable(number=number, code=code, detail=receipt.status_code)
    elif number and code in OPTED_OUT_ERRORS:
        SmsOptOut.objects.get_or_create(number=number)


def _number_of(notification: Notification | None, to: str) -> str:
    from .channels import PermanentDeliveryError
    from .channels.sms import normalize_number

    recipient = notification.recipient if notification is not None else None
    try:
        return normalize_number(to or (recipient.phone if recipient is not None else ""))
    except PermanentDeliveryError:
        return ""
