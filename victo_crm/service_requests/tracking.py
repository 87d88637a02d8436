"""A guest's tracking token: the key to her request's page, since she has no account.

The token is derived from the request's public id with the site's secret key (an HMAC), so
any e-mail about the request, at any step, can carry her working link without the token ever
being stored: the database keeps only its SHA-256, which the tracking page looks up. Erasing
that hash (anonymisation) revokes every link at once."""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING

from django.utils.crypto import salted_hmac

if TYPE_CHECKING:
    from .models import ServiceRequest

_SALT = "victo_crm.service_requests.tracking"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tracking_token(request: ServiceRequest) -> str:
    """The token of a request (43 URL-safe characters), whether or not it is in force."""
    digest = salted_hmac(_SALT, str(request.public_id), algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def tracking_token_in_force(request: ServiceRequest) -> str:
    """The token that opens this guest request's page, or "" when none does: a citizen's
    request (she signs in), a revoked link, or a link given before tokens were derived."""
    if request.citizen_id is not None or not request.tracking_token_hash:
        return ""
    token = tracking_token(request)
    return token if hash_token(token) == request.tracking_token_hash else ""
