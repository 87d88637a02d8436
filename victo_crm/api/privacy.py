"""The API's part of a citizen's personal data (Law 25, see ``victo_crm.privacy``): photos
sent ahead of a submission, and the replay records of her keyed requests (they hold whole
response bodies: her request, her profile)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from victo_crm.privacy.registry import Bundle, Contribution, Subject, register

from .models import IdempotencyKey, Upload
from .services import uploads_consume


def _caller(subject: Subject) -> str:
    # The caller key of api.v1.views.base.caller_of.
    return f"u:{subject.user.pk}"


def _export_uploads(subject: Subject, bundle: Bundle) -> list[dict[str, Any]]:
    return [
        {
            "id": str(u.public_id),
            "name": u.original_name,
            "uploaded_at": u.created_at,
            "expires_at": u.expires_at,
            "file": bundle.add(u.file, "uploads"),
        }
        for u in Upload.objects.filter(owner=subject.user).order_by("created_at", "pk")
    ]


def _erase_uploads(subject: Subject) -> None:
    # Rows and files together: once the row cascaded away nothing could find the file.
    uploads_consume(uploads=list(Upload.objects.filter(owner=subject.user)))


def _purge_uploads(now: datetime) -> dict[str, int]:
    expired = list(Upload.objects.filter(expires_at__lte=now))
    uploads_consume(uploads=expired)
    return {"expired": len(expired)}


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
            section="pending_uploads",
            models=("api.Upload",),
            export=_export_uploads,
            erase=_erase_uploads,
            purge=_purge_uploads,
            erase_order=10,
        )
    )
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
