"""Photos received ahead of a submission, kept for a bounded time (``Upload``).

Two faces use them: the app sends photos alone before the request (``POST
/api/v1/uploads/``), and the portal keeps the photos of a refused form so the citizen never
chooses them again. Each photo is checked by its content (``core.uploads.check_image``) when
it arrives, again when the request is filed, and belongs to whoever sent it: an account, or
for a guest the key held in her session (only its SHA-256 is stored). Anyone else naming it —
another account, another session, a forged id — finds nothing. Used photos are deleted with
the submission; the rest when ``VICTO_RETENTION["pending_uploads"]`` (24 hours) has passed
(``privacy.contributions``, the hourly purge).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from victo_crm.core.uploads import check_image

from .models import Upload

if TYPE_CHECKING:
    from victo_crm.accounts.models import User

MAX_PENDING_UPLOADS = 20


@dataclass(frozen=True)
class Owner:
    """Who sent a photo: an account, or a guest's session key (kept in clear only there)."""

    user: User | None = None
    session_key: str = ""

    @property
    def key_hash(self) -> str:
        return hashlib.sha256(self.session_key.encode()).hexdigest() if self.session_key else ""

    def uploads(self) -> QuerySet[Upload]:
        if self.user is not None:
            return Upload.objects.filter(owner=self.user)
        if self.session_key:
            return Upload.objects.filter(owner__isnull=True, owner_key=self.key_hash)
        return Upload.objects.none()


def _owner(owner: Owner | User) -> Owner:
    return owner if isinstance(owner, Owner) else Owner(user=owner)


@transaction.atomic
def upload_create(*, owner: Owner | User, file: Any) -> Upload:
    """Keep a checked photo for a later submission by the same person."""
    who = _owner(owner)
    if who.user is None and not who.session_key:
        raise ValueError("an upload needs an owner")
    if file is None:
        raise ValidationError({"file": [_("Joignez un fichier.")]})
    pending = who.uploads().filter(expires_at__gt=timezone.now()).count()
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
        owner=who.user,
        owner_key="" if who.user is not None else who.key_hash,
        original_name=image.original_name,
        content_type=image.content_type,
        size=image.size,
        expires_at=timezone.now() + settings.VICTO_RETENTION["pending_uploads"],
    )
    upload.file.save("upload", image.original, save=False)
    upload.save()
    return upload


def _valid_uuids(values: list[str]) -> list[str]:
    valid = []
    for value in values:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return valid


def uploads_found(*, owner: Owner | User, ids: list[Any]) -> list[Upload]:
    """Those of ``ids`` that name an unexpired upload of ``owner``, in their order; the others
    (another person's, a forged or expired id) are left out."""
    wanted = [str(value) for value in ids]
    uploads = {
        str(upload.public_id): upload
        for upload in _owner(owner)
        .uploads()
        .filter(public_id__in=_valid_uuids(wanted), expires_at__gt=timezone.now())
    }
    return [uploads[value] for value in dict.fromkeys(wanted) if value in uploads]


def uploads_for_submission(
    *, owner: Owner | User, ids: list[Any], field: str = "upload_ids"
) -> list[Upload]:
    """The caller's own unexpired uploads named by ``ids``; another person's upload, an
    expired one or an unknown id is refused as unknown (keyed by ``field``)."""
    if not ids:
        return []
    wanted = [str(value) for value in ids]
    found = uploads_found(owner=owner, ids=wanted)
    known = {str(upload.public_id) for upload in found}
    missing = [value for value in wanted if value not in known]
    if missing:
        raise ValidationError(
            {field: [_("Photo téléversée introuvable : %(id)s.") % {"id": missing[0][:40]}]}
        )
    return found


def upload_of_owner_or_none(*, owner: Owner | User, public_id: Any) -> Upload | None:
    """One unexpired upload of its owner (to show it to her), or None for anyone else."""
    valid = _valid_uuids([str(public_id)])
    if not valid:
        return None
    return _owner(owner).uploads().filter(public_id=valid[0], expires_at__gt=timezone.now()).first()


def upload_contents(uploads: list[Upload]) -> list[ContentFile]:
    """The files to hand to ``service_request_submit`` (which checks them once more)."""
    contents = []
    for upload in uploads:
        with upload.file.open("rb") as handle:
            contents.append(ContentFile(handle.read(), name=upload.original_name))
    return contents


def uploads_consume(*, uploads: list[Upload]) -> None:
    """Delete uploads once their content was copied into a request's attachments. The rows
    go with the caller's transaction; the files once it commits (a rollback keeps both)."""
    names = [(upload.file.storage, upload.file.name) for upload in uploads if upload.file]
    Upload.objects.filter(pk__in=[upload.pk for upload in uploads]).delete()

    def delete_files() -> None:
        for storage, name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)


@transaction.atomic
def upload_delete(*, owner: Owner | User, public_id: Any) -> bool:
    """Discard one of the owner's uploads; False (nothing done) for anyone else's."""
    valid = _valid_uuids([str(public_id)])
    if not valid:
        return False
    uploads = list(_owner(owner).uploads().filter(public_id=valid[0]))
    uploads_consume(uploads=uploads)
    return bool(uploads)
