"""Reply addresses and threading headers of the e-mails about a request.

Every e-mail about a request carries ``Reply-To: reponse+<token>@<domain>``
(``VICTO_INBOUND_REPLY_ADDRESS`` names ``reponse@<domain>``; empty turns replies off), unique
to the request and the recipient, and ``In-Reply-To``/``References`` naming the request's
thread, so a mail client files every message about it in one conversation. The inbound side
(``victo_crm.inbound``) looks the token up with ``reply_address_find``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import ReplyAddress

if TYPE_CHECKING:
    from victo_crm.service_requests.models import ServiceRequest

_SALT = "victo_crm.notifications.replies"
TOKEN_LENGTH = 26  # 130 bits in lowercase base32: local parts are not reliably case-kept


def enabled() -> bool:
    return "@" in (settings.VICTO_INBOUND_REPLY_ADDRESS or "")


def _split(address: str) -> tuple[str, str]:
    local, _at, domain = address.strip().rpartition("@")
    return local, domain.lower()


def reply_token(row: ReplyAddress) -> str:
    digest = salted_hmac(
        _SALT, f"{row.request_id}:{row.recipient_key}:{row.nonce}", algorithm="sha256"
    ).digest()
    return base64.b32encode(digest).decode().lower()[:TOKEN_LENGTH]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.lower().encode()).hexdigest()


def reply_address_of(row: ReplyAddress) -> str:
    local, domain = _split(settings.VICTO_INBOUND_REPLY_ADDRESS)
    return f"{local}+{reply_token(row)}@{domain}"


def token_in(address: str) -> str | None:
    """The token of a reply address (``reponse+<token>@domain``), or None for any other."""
    if not enabled():
        return None
    local, domain = _split(address)
    base_local, base_domain = _split(settings.VICTO_INBOUND_REPLY_ADDRESS)
    if domain != base_domain:
        return None
    match = re.fullmatch(rf"{re.escape(base_local)}\+([a-z2-7]{{{TOKEN_LENGTH}}})", local, re.I)
    return match.group(1).lower() if match else None


def recipient_key(user_id: int | None, email: str) -> str:
    if user_id:
        return f"u{user_id}"
    return "e" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:20]


def reply_addresses_for(
    request: ServiceRequest, people: Iterable[tuple[int | None, str]]
) -> dict[str, str]:
    """The reply address in force of each ``(user id, e-mail)`` about ``request``, created
    when missing; keyed by ``recipient_key``. Written in the caller's transaction (the
    event's), so an address exists if and only if the e-mail that carries it does."""
    if not enabled():
        return {}
    wanted = {recipient_key(uid, email): (uid, email) for uid, email in people if email}
    if not wanted:
        return {}
    rows = {
        row.recipient_key: row
        for row in ReplyAddress.objects.filter(
            request=request, recipient_key__in=list(wanted), revoked_at__isnull=True
        )
    }
    for key, (uid, email) in wanted.items():
        if key in rows:
            continue
        row = ReplyAddress(
            request=request,
            recipient_id=uid,
            email=email.strip().lower()[:254],
            recipient_key=key,
            nonce=secrets.token_hex(16),
        )
        row.token_hash = hash_token(reply_token(row))
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # another transaction made it first
            row = ReplyAddress.objects.get(
                request=request, recipient_key=key, revoked_at__isnull=True
            )
        rows[key] = row
    return {key: reply_address_of(row) for key, row in rows.items()}


def reply_address_find(token: str) -> ReplyAddress | None:
    """The reply address a token names, if it is in force: not revoked, and its request not
    past its retention period (closed longer than ``closed_request_personal_data``)."""
    row = (
        ReplyAddress.objects.select_related("request", "request__citizen", "recipient")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if row is None or row.revoked_at is not None:
        return None
    if reply_token(row) != token.lower():  # a row whose secret key changed
        return None
    closed_at: datetime | None = row.request.closed_at
    limit = settings.VICTO_RETENTION["closed_request_personal_data"]
    if closed_at is not None and closed_at + limit < timezone.now():
        return None
    return row


def reply_addresses_revoke(*, request: ServiceRequest, user_id: int | None = None) -> int:
    """Revoke the reply addresses of a request (of one person, or everyone's)."""
    rows = ReplyAddress.objects.filter(request=request, revoked_at__isnull=True)
    if user_id is not None:
        rows = rows.filter(recipient_id=user_id)
    return rows.update(revoked_at=timezone.now())


def thread_id(request_public_id: object) -> str:
    """The Message-ID of a request's thread: every e-mail about it refers to it."""
    return f"<request.{request_public_id}@{settings.VICTO_EMAIL_MESSAGE_ID_DOMAIN}>"
