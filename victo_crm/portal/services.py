"""Writes the portal makes besides the request services: filing a form once whatever how
many times it arrives, and the browsers that receive push notifications.

A browser's Web Push subscription is checked here, then stored through
``notifications.services.push_device_register``, which the mobile API uses too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from victo_crm.notifications.push_endpoints import validate_push_endpoint
from victo_crm.notifications.services import push_device_register, push_device_remove
from victo_crm.service_requests.receipts import Receipt, ReceiptBusy, receipt_once
from victo_crm.service_requests.services import service_request_submit

if TYPE_CHECKING:
    from victo_crm.accounts.models import User
    from victo_crm.notifications.models import PushDevice
    from victo_crm.service_requests.models import ServiceRequest

MAX_TOKEN_LENGTH = 64


def receipt_scope(*, citizen: User | None, contact_email: str = "") -> str:
    if citizen is not None:
        return f"citizen:{citizen.pk}"
    digest = hashlib.sha256(contact_email.strip().lower().encode()).hexdigest()
    return f"guest:{digest}"


def service_request_submit_once(*, token: str, **submit: Any) -> tuple[ServiceRequest, bool]:
    """``service_request_submit(**submit)`` at most once per submitter and ``token``.

    Returns (request, created): a second copy of the same form gets the first one's request
    and ``created=False``; a copy arriving while the first is being filed waits for it. The
    receipt lasts ``VICTO_RETENTION_RECEIPT_DAYS`` (a month): the offline queue of a device
    may wait days for a connection. Without a token, files every time. Raises what the
    submission raises (``ValidationError``), and then stores nothing, receipt included."""
    token = (token or "").strip()[:MAX_TOKEN_LENGTH]
    if not token:
        return service_request_submit(**submit), True
    contact = submit.get("contact")
    scope = receipt_scope(
        citizen=submit.get("citizen"), contact_email=getattr(contact, "email", "") or ""
    )
    try:
        outcome = receipt_once(
            scope=scope,
            key=token,
            lifetime=settings.VICTO_RETENTION["submission_receipts"],
            work=lambda: service_request_submit(**submit),
            result=lambda service_request: {"service_request": service_request},
        )
    except ReceiptBusy:
        raise ValidationError(
            _("Cette requête est déjà en cours d’envoi. Réessayez dans un instant.")
        ) from None
    if isinstance(outcome, Receipt):
        assert outcome.service_request is not None  # a portal receipt names its request
        return outcome.service_request, False
    return outcome, True


# --- Web Push subscriptions ---------------------------------------------------------------------


def _b64url_bytes(value: Any) -> bytes | None:
    if not isinstance(value, str) or not value or len(value) > 200:
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def _checked_subscription(subscription: Any) -> tuple[str, dict[str, str]]:
    """The endpoint and keys of a browser's ``PushSubscription.toJSON()``, or a French
    ``ValidationError`` that says what is wrong."""
    if not isinstance(subscription, dict):
        raise ValidationError(
            {"subscription": [_("L’abonnement aux notifications est illisible.")]}
        )
    endpoint = subscription.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint.strip():
        raise ValidationError(
            {"endpoint": [_("L’abonnement ne précise pas l’adresse du service de notification.")]}
        )
    endpoint = endpoint.strip()
    validate_push_endpoint(kind="webpush", endpoint=endpoint)
    keys = subscription.get("keys")
    keys = keys if isinstance(keys, dict) else {}
    p256dh, auth = _b64url_bytes(keys.get("p256dh")), _b64url_bytes(keys.get("auth"))
    # p256dh: an uncompressed P-256 point (65 bytes, 0x04 first); auth: a 16-byte secret.
    if p256dh is None or len(p256dh) != 65 or p256dh[0] != 4 or auth is None or len(auth) != 16:
        raise ValidationError(
            {"keys": [_("Les clés de chiffrement de l’abonnement sont absentes ou invalides.")]}
        )
    return endpoint, {"p256dh": str(keys["p256dh"]), "auth": str(keys["auth"])}


@transaction.atomic
def web_push_device_register(*, user: User, subscription: Any, name: str = "") -> PushDevice:
    """Store (or refresh) this browser's Web Push subscription as ``user``'s device.

    An endpoint is one browser: registering it again updates its keys, and if another
    account had it (a shared computer), it now belongs to ``user`` only.

    Pressing « Recevoir les notifications sur cet appareil » and allowing them in the browser
    is the citizen's explicit agreement to that purpose: the push consent (Law 25) is
    recorded with the device — without it, delivery sends nothing. It stays withdrawable on
    the same page; removing a device does not withdraw it."""
    from victo_crm.accounts.models import ConsentPurpose
    from victo_crm.accounts.services import consent_give
    from victo_crm.notifications.models import PushDevice

    endpoint, keys = _checked_subscription(subscription)
    device, _created = push_device_register(
        user=user, kind=PushDevice.Kind.WEB_PUSH, endpoint=endpoint, keys=keys, name=name
    )
    consent_give(user=user, purpose=ConsentPurpose.PUSH)
    return device


def web_push_device_remove(*, user: User, device_id: int) -> bool:
    """Forget one of ``user``'s devices; False if ``user`` has no such device."""
    return push_device_remove(user=user, device_id=device_id)
