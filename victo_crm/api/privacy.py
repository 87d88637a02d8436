"""The API's part of a citizen's personal data (Law 25, see ``victo_crm.privacy``): the replay
receipts of her keyed requests (``service_requests.Receipt``; they hold whole response
bodies: her request, her profile), which expire with the other receipts
(``privacy.contributions``). Photos sent ahead of a submission are ``service_requests.Upload``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from victo_crm.privacy.registry import Bundle, Contribution, Subject, register
from victo_crm.service_requests.models import Receipt


def _caller(subject: Subject) -> str:
    # The caller key of api.v1.views.base.caller_of.
    return f"u:{subject.user.pk}"


def _export_replays(subject: Subject, bundle: Bundle) -> list[Mapping[str, Any]]:
    receipts = Receipt.objects.filter(scope=_caller(subject)).order_by("pk")
    return list(
        receipts.values("key", "created_at", "expires_at", "response_status", "response_body")
    )


def _erase_replays(subject: Subject) -> None:
    Receipt.objects.filter(scope=_caller(subject)).delete()


def register_contributions() -> None:
    register(
        Contribution(
            section="api_replays",
            models=("service_requests.Receipt",),
            export=_export_replays,
            erase=_erase_replays,
            erase_order=10,
        )
    )
