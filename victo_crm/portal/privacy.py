"""The portal's part of a citizen's personal data (Law 25, see ``victo_crm.privacy``): the
receipts that stop a resent form from filing twice. They name the submitter (her account,
or a guest's hashed e-mail) and so link the kept requests back to her."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q

from victo_crm.privacy.registry import Bundle, Contribution, Subject, register

from .models import SubmissionReceipt
from .services import receipt_scope


def _hers(subject: Subject) -> Q:
    scopes = [receipt_scope(citizen=subject.user)] + [
        receipt_scope(citizen=None, contact_email=email) for email in subject.emails
    ]
    return Q(scope__in=scopes) | Q(service_request_id__in=subject.request_ids)


def _export(subject: Subject, bundle: Bundle) -> list[dict[str, Any]]:
    return [
        {
            "token": r.token,
            "reference": r.service_request.reference if r.service_request else "",
            "created_at": r.created_at,
        }
        for r in SubmissionReceipt.objects.filter(_hers(subject))
        .select_related("service_request")
        .order_by("created_at", "pk")
    ]


def _erase(subject: Subject) -> None:
    SubmissionReceipt.objects.filter(_hers(subject)).delete()


def _purge(now: datetime) -> dict[str, int]:
    cutoff = now - settings.VICTO_RETENTION["submission_receipts"]
    count, _detail = SubmissionReceipt.objects.filter(created_at__lt=cutoff).delete()
    return {"expired": count}


def register_contributions() -> None:
    register(
        Contribution(
            section="submission_receipts",
            models=("portal.SubmissionReceipt",),
            export=_export,
            erase=_erase,
            purge=_purge,
            erase_order=10,
        )
    )
