"""The deliveries of a request, for the staff request page: every message the outbox wrote
about it (request events and SLA warnings alike), with its status, why it failed, and what
came back about it (delivered, bounced)."""

from __future__ import annotations

from typing import Any

from django import template

from ..models import DeliveryReceipt, RuleEvent
from ..selectors import notifications_for_request

register = template.Library()

EVENT_LABELS = dict(RuleEvent.choices)
RECEIPT_LABELS = dict(DeliveryReceipt.Kind.choices)


@register.inclusion_tag("notifications/includes/request_deliveries.html")
def request_deliveries(request: Any, limit: int = 100) -> dict[str, Any]:
    notifications = list(notifications_for_request(request)[:limit])
    rows = [
        {
            "notification": row,
            "event": EVENT_LABELS.get(row.kind, row.kind),
            "to": row.address or (row.recipient.email if row.recipient is not None else ""),
            # What the mail server or the SMS provider last said of it, if anything.
            "receipt": RECEIPT_LABELS.get(getattr(row, "receipt_kind", None) or ""),
        }
        for row in notifications
    ]
    from ..bounces import undeliverable, undeliverable_phone

    requester = request.citizen.email if request.citizen_id else request.contact_email
    # Her number matters here only if texts were sent about this request (and the page's
    # query budget is tight): the rows are already read.
    texted = any(n.channel == "sms" for n in notifications)
    phone = request.citizen.phone if request.citizen_id and texted else ""
    return {
        "deliveries": rows,
        "limit": limit,
        "undeliverable": undeliverable(requester),
        "undeliverable_phone": undeliverable_phone(phone),
    }
