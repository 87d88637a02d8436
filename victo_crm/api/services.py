"""Writes of the API app: Open311 keys. Photos sent ahead of a submission are
``service_requests.uploads`` (the portal uses them too); expired idempotency records are
purged with the other retention periods (``api.privacy``)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiKey

if TYPE_CHECKING:
    pass

KEY_PREFIX = "v311_"


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
