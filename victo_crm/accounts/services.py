"""Every write to a citizen's account: profile, preferences, consents. The portal and the
mobile API call these. Guest requests joining the account are the requests' business
(``service_requests.citizen``); the export and the deletion of the account (Law 25) cover
every app's data and live above them, in ``victo_crm.privacy``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
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
def staff_two_factor_reset(*, user: User) -> int:
    """Remove a staff member's second factors (a lost or replaced phone) and return how many.

    Staff cannot remove their own (two-factor authentication is mandatory for them), so an
    administrator does it; the person's next sign-in then enrols a new authenticator and
    gets new recovery codes, as on their first sign-in.
    """
    from allauth.mfa.models import Authenticator

    deleted, _per_model = Authenticator.objects.filter(user=user).delete()
    return deleted
