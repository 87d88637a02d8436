"""Every write to a citizen's account: profile, preferences, consents, guest requests that
join the account, export and deletion (Law 25). The portal and the mobile API call these."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from victo_crm.places.models import Address

from .models import Channel, CommunicationPreference, Consent, ConsentPurpose, Language
from .preferences import DEFAULTS, effective_preferences

if TYPE_CHECKING:
    from .models import User

# The version of the consent texts shown in the portal; a new wording is a new version.
CONSENT_VERSION = "2026-1"
MAX_NAME = 150
MAX_PHONE = 32
MAX_UNIT = 20


def _phone_ok(phone: str) -> bool:
    digits = [c for c in phone if c.isdigit()]
    allowed = set("0123456789 +-().")
    return 10 <= len(digits) <= 15 and all(c in allowed or c.isspace() for c in phone)


@transaction.atomic
def user_profile_update(
    *,
    user: User,
    first_name: str,
    last_name: str,
    phone: str = "",
    address: Address | int | None = None,
    address_unit: str = "",
    preferred_language: str = Language.FR,
) -> User:
    """Change the citizen's contact details. The address comes from the town's registry (so
    its zones are known); ``None`` removes it. Raises ValidationError keyed by field."""
    errors: dict[str, list[str]] = {}
    values = {
        "first_name": (first_name or "").strip(),
        "last_name": (last_name or "").strip(),
        "phone": (phone or "").strip(),
        "address_unit": (address_unit or "").strip(),
    }
    for field in ("first_name", "last_name"):
        if len(values[field]) > MAX_NAME:
            errors[field] = [_("150 caractères au maximum.")]
    if values["phone"] and (len(values["phone"]) > MAX_PHONE or not _phone_ok(values["phone"])):
        errors["phone"] = [_("Entrez un numéro de téléphone valide, par exemple 819 758-0555.")]
    if len(values["address_unit"]) > MAX_UNIT:
        errors["address_unit"] = [_("20 caractères au maximum.")]
    address_obj: Address | None
    if isinstance(address, Address) or address is None:
        address_obj = address
    else:
        address_obj = Address.objects.filter(pk=address).first()
        if address_obj is None:
            errors["address"] = [_("Cette adresse ne figure pas au registre de la Ville.")]
    if preferred_language not in Language.values:
        errors["preferred_language"] = [_("Choisissez le français ou l’anglais.")]
    if errors:
        raise ValidationError(errors)
    for name, value in values.items():
        setattr(user, name, value)
    user.address = address_obj
    user.preferred_language = preferred_language
    user.save(
        update_fields=[*values.keys(), "address", "preferred_language"],
    )
    return user


@transaction.atomic
def user_preferences_set(*, user: User, preferences: Mapping[tuple[str, str], bool]) -> None:
    """Store the citizen's choice for each (topic, channel) given; others keep their value.

    Texts need a phone number: turning SMS on without one is refused."""
    unknown = [key for key in preferences if key not in DEFAULTS]
    if unknown:
        raise ValidationError({"preferences": [_("Préférence inconnue.")]})
    wants_sms = any(
        enabled and channel == Channel.SMS for (_topic, channel), enabled in preferences.items()
    )
    if wants_sms and not user.phone:
        raise ValidationError(
            {
                "preferences": [
                    _("Indiquez d’abord un numéro de téléphone dans votre profil pour les textos.")
                ]
            }
        )
    current = effective_preferences(user)
    for (topic, channel), enabled in preferences.items():
        if current[(topic, channel)] == bool(enabled):
            continue
        CommunicationPreference.objects.update_or_create(
            user=user, topic=topic, channel=channel, defaults={"enabled": bool(enabled)}
        )


@transaction.atomic
def consent_give(*, user: User, purpose: str, version: str = CONSENT_VERSION) -> Consent:
    """Record the citizen's agreement to ``purpose``; giving it twice keeps the first row."""
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": [_("Finalité inconnue.")]})
    existing = Consent.objects.filter(
        user=user, purpose=purpose, version=version, withdrawn_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    return Consent.objects.create(user=user, purpose=purpose, version=version)


@transaction.atomic
def consent_withdraw(*, user: User, purpose: str) -> int:
    """Withdraw every active consent for ``purpose``; the rows stay as the record."""
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": [_("Finalité inconnue.")]})
    return Consent.objects.filter(user=user, purpose=purpose, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )


@transaction.atomic
def guest_requests_claim(*, user: User, email: str) -> int:
    """Requests filed as a guest with ``email`` join ``user``'s account.

    Called once that e-mail is verified as the user's: only then do we know the person
    reading the account also owns the mailbox the tracking links went to."""
    from allauth.account.models import EmailAddress

    from victo_crm.service_requests.models import ServiceRequest

    email = (email or "").strip()
    if (
        not email
        or not EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()
    ):
        return 0
    return ServiceRequest.objects.filter(citizen__isnull=True, contact_email__iexact=email).update(
        citizen=user, updated_at=timezone.now()
    )


# --- Law 25: access, portability and deletion ---------------------------------------------------


def user_data_export(*, user: User) -> dict[str, Any]:
    """Everything the citizen gave us, as plain data (the JSON download)."""
    from allauth.account.models import EmailAddress

    from victo_crm.notifications.models import PushDevice
    from victo_crm.service_requests.models import EventKind, RequestFollower, ServiceRequest

    prefs = effective_preferences(user)
    requests = (
        ServiceRequest.objects.filter(citizen=user)
        .select_related("request_type", "state", "address")
        .prefetch_related("attachments", "events")
        .order_by("created_at")
    )
    return {
        "exported_at": timezone.now(),
        "profile": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "phone": user.phone,
            "address": user.address.label if user.address_id and user.address else "",
            "address_unit": user.address_unit,
            "preferred_language": user.preferred_language,
            "date_joined": user.date_joined,
        },
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "preferences": [
            {"topic": topic, "channel": channel, "enabled": enabled}
            for (topic, channel), enabled in sorted(prefs.items())
        ],
        "consents": [
            {
                "purpose": c.purpose,
                "version": c.version,
                "given_at": c.given_at,
                "withdrawn_at": c.withdrawn_at,
            }
            for c in Consent.objects.filter(user=user).order_by("given_at", "pk")
        ],
        "requests": [
            {
                "reference": r.reference,
                "type": r.request_type.name,
                "state": r.state.citizen_label,
                "created_at": r.created_at,
                "closed_at": r.closed_at,
                "description": r.description,
                "fields": r.field_values,
                "location": r.location_text,
                "latitude": r.latitude,
                "longitude": r.longitude,
                "contact_name": r.contact_name,
                "contact_email": r.contact_email,
                "contact_phone": r.contact_phone,
                "rating": r.rating,
                "rating_comment": r.rating_comment,
                "comments": [
                    {"at": e.created_at, "text": e.message}
                    for e in r.events.all()
                    if e.kind == EventKind.CITIZEN_COMMENT and e.actor_id == user.pk
                ],
                "photos": [a.original_name for a in r.attachments.all() if a.is_public],
            }
            for r in requests
        ],
        "followed_requests": list(
            RequestFollower.objects.filter(user=user)
            .order_by("created_at")
            .values_list("request__reference", flat=True)
        ),
        "devices": [
            {"kind": d.kind, "name": d.name, "created_at": d.created_at}
            for d in PushDevice.objects.filter(user=user).order_by("created_at")
        ],
    }


def user_data_export_json(*, user: User) -> bytes:
    data = user_data_export(user=user)
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def user_data_export_csv(*, user: User) -> bytes:
    """The same data as CSV files (one per section) in a ZIP archive, for a spreadsheet."""
    data = user_data_export(user=user)
    encoder = DjangoJSONEncoder()

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            # A leading =, +, - or @ would run as a formula in a spreadsheet.
            return "'" + value if value[:1] in ("=", "+", "-", "@") else value
        if isinstance(value, list | dict):
            return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
        return (
            str(encoder.default(value)) if not isinstance(value, int | float | bool) else str(value)
        )

    def table(rows: list[dict[str, Any]]) -> str:
        out = io.StringIO()
        if rows:
            writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()))
            writer.writeheader()
            for row in rows:
                writer.writerow({key: cell(value) for key, value in row.items()})
        return "\ufeff" + out.getvalue()  # the BOM lets spreadsheets read UTF-8 accents

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("profil.csv", table([data["profile"]]))
        archive.writestr("courriels.csv", table(data["email_addresses"]))
        archive.writestr("preferences.csv", table(data["preferences"]))
        archive.writestr("consentements.csv", table(data["consents"]))
        archive.writestr("requetes.csv", table(data["requests"]))
        archive.writestr(
            "requetes_suivies.csv",
            table([{"reference": ref} for ref in data["followed_requests"]]),
        )
        archive.writestr("appareils.csv", table(data["devices"]))
    return buffer.getvalue()


@transaction.atomic
def user_delete(*, user: User, password: str) -> int:
    """Delete the citizen's account after checking their password again.

    The town's records stay: their requests are kept without anything that identifies
    the person (contact details, tracking token, original photo files with their EXIF);
    the profile, preferences, consents, devices, follows and e-mail addresses go.
    Returns the number of requests anonymised."""
    from victo_crm.notifications.models import Notification
    from victo_crm.service_requests.models import Attachment, ServiceRequest

    if not password or not user.check_password(password):
        raise ValidationError({"password": [_("Mot de passe incorrect.")]})
    own = ServiceRequest.objects.filter(citizen=user)
    ids = list(own.values_list("pk", flat=True))
    emails = {user.email.lower()}
    from allauth.account.models import EmailAddress

    emails |= {
        e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    for attachment in Attachment.objects.filter(request_id__in=ids).exclude(public_file=""):
        original = attachment.file.name
        if original and original != attachment.public_file.name:
            attachment.file.storage.delete(original)
            Attachment.objects.filter(pk=attachment.pk).update(file=attachment.public_file.name)
    count = ServiceRequest.objects.filter(pk__in=ids).update(
        citizen=None,
        contact_name="",
        contact_email="",
        contact_phone="",
        tracking_token_hash="",
        updated_at=timezone.now(),
    )
    for email in emails:
        Notification.objects.filter(address__iexact=email).update(address="")
    # The portal's resend receipts name the submitter (account id, or a guest's hashed
    # e-mail): they link the kept requests back to the person, so they go too.
    from victo_crm.portal.models import SubmissionReceipt
    from victo_crm.portal.services import receipt_scope

    scopes = [receipt_scope(citizen=user)] + [
        receipt_scope(citizen=None, contact_email=email) for email in emails
    ]
    SubmissionReceipt.objects.filter(Q(service_request_id__in=ids) | Q(scope__in=scopes)).delete()
    user.delete()
    return count
