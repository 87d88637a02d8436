"""Texts coming in, through the SMS provider's inbound webhook (Twilio's, signature
checked). A reply reaches the sender's latest open request she was texted about, as her
message on its timeline; STOP, ARRÊT, ARRET and DESABONNER end texts to the number at
once, with the confirmation carriers require; AIDE and HELP answer with the town's contact.
The answer goes back in the webhook's own response (TwiML), in the person's language."""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from victo_crm.notifications.channels import PermanentDeliveryError
from victo_crm.notifications.channels.sms import normalize_number
from victo_crm.notifications.models import Notification, SmsOptOut
from victo_crm.service_requests.citizen import service_request_message_received

from .models import InboundMessage, Reason, Status, Transport
from .ratelimit import sender_allowed

if TYPE_CHECKING:
    from victo_crm.accounts.models import User

STOP_WORDS = {"STOP", "ARRET", "DESABONNER", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
HELP_WORDS = {"AIDE", "HELP", "INFO"}
START_WORDS = {"START", "UNSTOP", "RETOUR"}


def twilio_signature_valid(url: str, params: dict[str, str], signature: str) -> bool:
    """Twilio's X-Twilio-Signature: HMAC-SHA1 of the URL followed by every POST parameter
    (name and value, sorted by name), with the account's auth token, in base64."""
    token = settings.VICTO_TWILIO_AUTH_TOKEN
    if not token or not signature:
        return False
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), signature)


def _keyword(body: str) -> str:
    word = unicodedata.normalize("NFKD", body.strip()).encode("ascii", "ignore").decode()
    return word.upper().strip(" .!")


def _person(number: str) -> User | None:
    from victo_crm.accounts.models import User

    tail = number[-4:]
    for user in User.objects.filter(is_active=True, phone__contains=tail).order_by("-pk")[:50]:
        try:
            if normalize_number(user.phone) == number:
                return user
        except PermanentDeliveryError:
            continue
    return None


def _language(user: User | None) -> str:
    return user.preferred_language if user and user.preferred_language in ("fr", "en") else "fr"


def sms_receive(*, sender: str, body: str, external_id: str = "") -> tuple[InboundMessage, str]:
    """Store and act on one text; returns the message and the answer to send back ("")."""
    try:
        number = normalize_number(sender)
    except PermanentDeliveryError:
        number = sender[:20]
    if external_id:
        existing = InboundMessage.objects.filter(external_id=external_id).first()
        if existing is not None:
            return existing, ""
    try:
        with transaction.atomic():
            message = InboundMessage.objects.create(
                transport=Transport.SMS,
                sender=number,
                body_text=body[:5000],
                raw=body.encode()[:10000],
                size=len(body.encode()),
                external_id=external_id,
            )
    except IntegrityError:
        return InboundMessage.objects.get(external_id=external_id), ""
    with transaction.atomic():
        status, reason, answer = _act(message, number, body)
        message.status, message.reason = status, reason
        message.save(update_fields=["status", "reason", "request", "event", "text"])
    return message, answer


def _act(message: InboundMessage, number: str, body: str) -> tuple[str, str, str]:
    user = _person(number)
    word = _keyword(body)
    with translation.override(_language(user)):
        if word in STOP_WORDS:
            SmsOptOut.objects.get_or_create(number=number)
            return (
                Status.RECORDED,
                Reason.KEYWORD,
                _(
                    "Ville de Victoriaville : vous ne recevrez plus de textos de notre part. "
                    "Répondez START pour les recevoir de nouveau."
                ),
            )
        if word in START_WORDS:
            SmsOptOut.objects.filter(number=number).delete()
            return (
                Status.RECORDED,
                Reason.KEYWORD,
                _(
                    "Ville de Victoriaville : vous recevrez de nouveau nos textos. STOP pour arrêter."
                ),
            )
        if word in HELP_WORDS:
            return (
                Status.RECORDED,
                Reason.KEYWORD,
                _("%(contact)s. Répondez STOP pour ne plus recevoir de textos.")
                % {"contact": settings.VICTO_TOWN_CONTACT},
            )
        if not sender_allowed(number):
            return Status.REFUSED, Reason.RATE_LIMITED, ""
        texted = (
            Notification.objects.filter(
                recipient=user, channel="sms", request__isnull=False, request__citizen=user
            )
            .select_related("request")
            .order_by("-pk")
            .first()
            if user is not None
            else None
        )
        request = texted.request if texted is not None else None
        if request is None or user is None:
            return (
                Status.REFUSED,
                Reason.UNKNOWN_NUMBER,
                _(
                    "Ville de Victoriaville : nous ne trouvons aucune requête liée à ce numéro. "
                    "Écrivez-nous par le portail citoyen."
                ),
            )
        event = service_request_message_received(
            request=request,
            citizen=user,
            text=body.strip()[:5000],
            channel="sms",
            data={"inbound_message": message.pk},
        )
        message.request, message.event, message.text = request, event, body.strip()
        return (
            Status.POSTED,
            "",
            _("Ville de Victoriaville : votre message a été ajouté à la requête %(reference)s.")
            % {"reference": request.reference},
        )
