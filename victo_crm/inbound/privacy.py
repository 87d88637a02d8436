"""The inbound side's part of a person's data (Law 25, see ``victo_crm.privacy``): the mail
and texts she sent the town, and the reply addresses given to her."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q

from victo_crm.privacy.registry import Bundle, Contribution, Subject, register


def _hers(subject: Subject) -> Q:
    query = Q(request_id__in=subject.request_ids)
    for address in [*subject.emails, subject.user.phone]:
        if address:
            query |= Q(sender__iexact=address)
    return query


def _export_messages(subject: Subject, bundle: Bundle) -> list[dict[str, Any]]:
    from .models import InboundMessage

    return [
        {
            "received_at": m.received_at,
            "transport": m.transport,
            "from": m.sender,
            "subject": m.subject,
            "text": m.body_text,
            "status": m.status,
            "reference": m.request.reference if m.request else "",
        }
        for m in InboundMessage.objects.filter(_hers(subject))
        .select_related("request")
        .order_by("received_at", "pk")
    ]


def _erase_messages(subject: Subject) -> None:
    from .models import InboundMessage

    InboundMessage.objects.filter(_hers(subject)).delete()


def _purge_messages(now: datetime) -> dict[str, int]:
    from .models import InboundMessage

    cutoff = now - settings.VICTO_RETENTION["inbound_messages"]
    count, _detail = InboundMessage.objects.filter(received_at__lt=cutoff).delete()
    return {"inbound_messages": count}


def _reply_addresses(subject: Subject) -> Q:
    query = Q(recipient=subject.user) | Q(request_id__in=subject.request_ids)
    for email in subject.emails:
        query |= Q(email__iexact=email)
    return query


def _export_reply_addresses(subject: Subject, bundle: Bundle) -> list[dict[str, Any]]:
    from victo_crm.notifications.models import ReplyAddress

    return [
        {"reference": r.request.reference, "email": r.email, "created_at": r.created_at}
        for r in ReplyAddress.objects.filter(_reply_addresses(subject))
        .select_related("request")
        .order_by("pk")
    ]


def _erase_reply_addresses(subject: Subject) -> None:
    from victo_crm.notifications.models import ReplyAddress

    ReplyAddress.objects.filter(_reply_addresses(subject)).delete()


def _purge_reply_addresses(now: datetime) -> dict[str, int]:
    """A reply address lives as long as its request's personal data."""
    from victo_crm.notifications.models import ReplyAddress

    cutoff = now - settings.VICTO_RETENTION["closed_request_personal_data"]
    count, _detail = ReplyAddress.objects.filter(request__closed_at__lt=cutoff).delete()
    return {"reply_addresses": count}


def _purge_unmatched_reports(now: datetime) -> dict[str, int]:
    """Delivery reports linked to no message of ours (``unmatched_delivery_reports``)."""
    from victo_crm.notifications.models import DeliveryReceipt

    cutoff = now - settings.VICTO_RETENTION["unmatched_delivery_reports"]
    count, _detail = DeliveryReceipt.objects.filter(
        notification__isnull=True, created_at__lt=cutoff
    ).delete()
    return {"unmatched": count}


def _addresses(subject: Subject) -> list[str]:
    return [a.lower() for a in [*subject.emails, subject.user.email] if a]


def _numbers(subject: Subject) -> list[str]:
    from victo_crm.notifications.channels import PermanentDeliveryError
    from victo_crm.notifications.channels.sms import normalize_number

    try:
        return [normalize_number(subject.user.phone)] if subject.user.phone else []
    except PermanentDeliveryError:
        return []


def _export_delivery(subject: Subject, bundle: Bundle) -> dict[str, Any]:
    from victo_crm.notifications.models import (
        DeliveryReceipt,
        SmsOptOut,
        UndeliverableAddress,
        UndeliverableNumber,
    )

    addresses = _addresses(subject)
    return {
        "receipts": [
            {"address": r.address, "kind": r.kind, "at": r.created_at}
            for r in DeliveryReceipt.objects.filter(
                address__in=[*addresses, *_numbers(subject)]
            ).order_by("pk")
        ],
        "sms_opt_out": [
            {"number": o.number, "since": o.created_at}
            for o in SmsOptOut.objects.filter(number__in=_numbers(subject))
        ],
        "undeliverable": [
            {"email": u.email, "since": u.created_at}
            for u in UndeliverableAddress.objects.filter(email__in=addresses)
        ],
        "undeliverable_numbers": [
            {"number": u.number, "since": u.created_at}
            for u in UndeliverableNumber.objects.filter(number__in=_numbers(subject))
        ],
    }


def _erase_delivery(subject: Subject) -> None:
    from victo_crm.notifications.models import (
        DeliveryReceipt,
        UndeliverableAddress,
        UndeliverableNumber,
    )

    addresses = _addresses(subject)
    numbers = _numbers(subject)
    DeliveryReceipt.objects.filter(address__in=[*addresses, *numbers]).delete()
    UndeliverableAddress.objects.filter(email__in=addresses).delete()
    UndeliverableNumber.objects.filter(number__in=numbers).delete()
    # A STOP stays: erasing it would let texts reach the number again.


def register_contributions() -> None:
    register(
        Contribution(
            section="delivery_reports",
            models=(
                "notifications.DeliveryReceipt",
                "notifications.UndeliverableAddress",
                "notifications.UndeliverableNumber",
                "notifications.SmsOptOut",
            ),
            export=_export_delivery,
            erase=_erase_delivery,
            purge=_purge_unmatched_reports,
            erase_order=15,
        )
    )
    register(
        Contribution(
            section="inbound_messages",
            models=("inbound.InboundMessage",),
            export=_export_messages,
            erase=_erase_messages,
            purge=_purge_messages,
            erase_order=15,
        )
    )
    register(
        Contribution(
            section="reply_addresses",
            models=("notifications.ReplyAddress",),
            export=_export_reply_addresses,
            erase=_erase_reply_addresses,
            purge=_purge_reply_addresses,
            erase_order=15,
        )
    )
