"""The desk's part of a citizen's personal data (Law 25, see ``victo_crm.privacy``): the log
of staff consultations of her data. She may know when her data was consulted and why; the
rows stay as the town's audit record, without what named her (a search for her name)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from victo_crm.privacy.registry import Bundle, Contribution, Subject, register

from .models import AccessLog


def _hers(subject: Subject) -> Q:
    return Q(citizen=subject.user) | Q(request_id__in=subject.request_ids)


def _export(subject: Subject, bundle: Bundle) -> list[dict[str, Any]]:
    return [
        {
            "at": log.at,
            "what": log.what,
            "reference": log.request.reference if log.request else "",
        }
        for log in AccessLog.objects.filter(_hers(subject))
        .select_related("request")
        .order_by("at", "pk")
    ]


def _erase(subject: Subject) -> None:
    named = Q(pk__in=[])
    for identifier in subject.identifiers:
        named |= Q(detail__icontains=identifier)
    for log in AccessLog.objects.filter(_hers(subject) | named).only("pk", "detail"):
        detail = subject.redact(log.detail)
        if detail != log.detail:
            AccessLog.objects.filter(pk=log.pk).update(detail=detail)


def register_contributions() -> None:
    register(
        Contribution(
            section="consultations",
            models=("desk.AccessLog",),
            export=_export,
            erase=_erase,
            erase_order=10,
        )
    )
