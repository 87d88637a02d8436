"""Writes of the API app: Open311 keys and uploads ahead of a submission. Expired uploads
and idempotency records are purged with the other retention periods (``api.privacy``)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from victo_crm.core.uploads import check_image

from .models import ApiKey, Upload

if TYPE_CHECKING:
    from victo_crm.accounts.models import User

KEY_PREFIX = "v311_"
MAX_PENDING_UPLOADS = 20


def hash_key(key: str) -> str:
    # Keys are 256-bit random strings: a plain SHA-256 cannot be reversed by guessing.
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_create(*, name: str) -> tuple[ApiKey, str]:
    """Create a partner's key; returns the row and the key in clear, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Donnez un nom au partenaire.")]})
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(name=name[:120], prefix=key[:12], key_hash=hash_key(key))
    return api_key, key


def api_key_authenticate(key: str | None) -> ApiKey | None:
    """The active key matching ``key``, or None. Marks it used (at most once a minute)."""
    if not key:
        return None
    api_key = ApiKey.objects.filter(key_hash=hash_key(key), is_active=True).first()
    if api_key is None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > timedelta(minutes=1):
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


@transaction.atomic
def upload_create(*, owner: User, file: Any) -> Upload:
    """Keep a checked photo for a later submission by the same person."""
    if file is None:
        raise ValidationError({"file": [_("Joignez un fichier.")]})
    pending = Upload.objects.filter(owner=owner, expires_at__gt=timezone.now()).count()
    if pending >= MAX_PENDING_UPLOADS:
        raise ValidationError(
            {
                "file": [
                    _("Vous avez déjà %(count)d photos en attente d’envoi.")
                    % {"count": MAX_PENDING_UPLOADS}
                ]
            }
        )
    try:
        image = check_image(file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    upload = Upload(
        owner=owner,
        original_name=image.original_name,
        content_type=image.content_type,
        size=image.size,
        expires_at=timezone.now() + settings.VICTO_RETENTION["pending_uploads"],
    )
    upload.file.save("upload", image.original, save=False)
    upload.save()
    return upload


def uploads_for_submission(*, owner: User, ids: list[Any]) -> list[Upload]:
    """The caller's own unexpired uploads named by ``ids``; another person's upload, an
    expired one or an unknown id is refused as unknown."""
    if not ids:
        return []
    wanted = [str(value) for value in ids]
    uploads = {
        str(upload.public_id): upload
        for upload in Upload.objects.filter(
            owner=owner, public_id__in=_valid_uuids(wanted), expires_at__gt=timezone.now()
        )
    }
    missing = [value for value in wanted if value not in uploads]
    if missing:
        raise ValidationError(
            {"upload_ids": [_("Photo téléversée introuvable : %(id)s.") % {"id": missing[0]}]}
        )
    return [uploads[value] for value in dict.fromkeys(wanted)]


def _valid_uuids(values: list[str]) -> list[str]:
    import uuid

    valid = []
    for value in values:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return valid


def uploads_consume(*, uploads: list[Upload]) -> None:
    """Delete uploads once their content was copied into a request's attachments. The rows
    go with the caller's transaction; the files once it commits (a rollback keeps both)."""
    names = [(upload.file.storage, upload.file.name) for upload in uploads if upload.file]
    Upload.objects.filter(pk__in=[upload.pk for upload in uploads]).delete()

    def delete_files() -> None:
        for storage, name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)


# --- Push devices ---------------------------------------------------------------------------
# The notifications app owns PushDevice; until it has its own registration service the API
# keeps this one, the only writer of the model.


@transaction.atomic
def upload_delete(*, owner: User, public_id: Any) -> bool:
    uploads = [u for u in Upload.objects.filter(owner=owner, public_id=public_id)]
    uploads_consume(uploads=uploads)
    return bool(uploads)
