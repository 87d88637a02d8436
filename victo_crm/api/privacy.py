"""The API's part of a citizen's personal data (Law 25, see ``victo_crm.privacy``): the replay
records of her keyed requests (they hold whole response bodies: her request, her profile).
Photos sent ahead of a submission are ``service_requests.Upload`` (``privacy.contributions``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from victo_crm.privacy.registry import Bundle, Contribution, Subject, register

from .models import IdempotencyKey


def _caller(subject: Subject) -> str:
    # The caller key of api.v1.views.base.caller_of.
    return f"u:{subject.user.pk}"


def _export_replays(subject: Subject, bundle: Bundle) -> list[dict[str, Any]]:
    return [
        {
            "key": k.key,
            "created_at": k.created_at,
            "expires_at": k.expires_at,
            "response_status": k.response_status,
            "response_body": k.response_body,
        }
        for k in IdempotencyKey.objects.filter(caller=_caller(subject)).order_by("pk")
    ]


def _erase_replays(subject: Subject) -> None:
    IdempotencyKey.objects.filter(caller=_caller(subject)).delete()


def _purge_replays(now: datetime) -> dict[str, int]:
    count, _detail = IdempotencyKey.objects.filter(expires_at__lte=now).delete()
    return {"expired": count}


def register_contributions() -> None:
    register(
        Contribution(
            section="api_replays",
            models=("api.IdempotencyKey",),
            export=_export_replays,
            erase=_erase_replays,
            purge=_purge_replays,
            erase_order=10,
        )
    )
