"""The portal's part of a citizen's personal data (Law 25, see ``victo_crm.privacy``): the
receipts that stop a resent form from filing twice (``service_requests.Receipt``). They name
the submitter (her account, or a guest's hashed e-mail) and so link the kept requests back
to her. They expire with the other receipts (``privacy.contributions``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from victo_crm.privacy.registry import Bundle, Contribution, Subject, register
from victo_crm.service_requests.models import Receipt

from .services import receipt_scope


def _hers(subject: Subject) -> Q:
    scopes = [receipt_scope(citizen=subject.user)] + [
        receipt_scope(citizen=None, contact_email=email) for email in subject.emails
    ]
    return Q(scope__in=scopes) | Q(service_request_id__in=subject.request_ids)


def _export(subject: Subject, bundle: Bundle) -> list[dict[str, Any]]:
    return [
        {
            "token": r.key,
            "reference": r.service_request.reference if r.service_request else "",
            "created_at": r.created_at,
        }
        for r in Receipt.objects.filter(_hers(subject))
        .select_related("service_request")
        .order_by("created_at", "pk")
    ]


def _erase(subject: Subject) -> None:
    Receipt.objects.filter(_hers(subject)).delete()


def register_contributions() -> None:
    register(
        Contribution(
            section="submission_receipts",
            models=("service_requests.Receipt",),
            export=_export,
            erase=_erase,
            erase_order=10,
        )
    )
