"""What happens to an e-mail that reaches the town. Every entry point (the ``mail`` process
over LMTP/SMTP, the IMAP poller, the desk's replay) calls ``inbound_receive`` or
``inbound_process``; none of them acts on the message itself.

1. The message is stored first, as it came (``InboundMessage``): nothing is dropped.
2. It is processed in a transaction of its own. Mail nobody should answer (auto-replies,
   lists, bounces, the town's own messages: ``mail.loop_reason``) is only recorded.
3. A reply to a request's reply address (``notifications.replies``) from the address it was
   given to becomes the requester's message on her request's timeline, through
   ``service_request_message_received``; from any other address, or from someone other than
   the requester, it is held for staff review.
4. Anything that fails leaves the message ``failed`` with the reason, for an operator to
   replay.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from victo_crm.core.uploads import check_image
from victo_crm.notifications.bounces import delivery_reports_record, feedback_report_record
from victo_crm.notifications.models import ReplyAddress
from victo_crm.notifications.replies import hash_token, reply_address_find, token_in
from victo_crm.notifications.services import notification_answer
from victo_crm.service_requests.citizen import service_request_message_received
from victo_crm.service_requests.configuration import catalogue
from victo_crm.service_requests.models import Channel
from victo_crm.service_requests.services import MAX_DESCRIPTION, Contact, service_request_submit

from . import mail, routing
from .models import InboundMessage, Reason, Status, Transport
from .ratelimit import sender_allowed

if TYPE_CHECKING:
    from victo_crm.accounts.models import User
    from victo_crm.service_requests.models import RequestType, ServiceRequest

logger = logging.getLogger(__name__)
# A message over the size limit keeps this much, so that an operator sees what it was.
KEPT_OF_A_LARGE_MESSAGE = 64 * 1024


@dataclass
class Outcome:
    status: str
    reason: str = ""
    detail: str = ""
    request: ServiceRequest | None = None
    event: Any = None
    reply_address: ReplyAddress | None = None
    text: str = ""
    answers: list[str] = field(default_factory=list)


def inbound_receive(
    *,
    raw: bytes,
    transport: str,
    envelope_from: str | None = None,
    recipients: list[str] | tuple[str, ...] = (),
    external_id: str = "",
    process: bool = True,
) -> InboundMessage:
    """Store a message as it came, then process it. A message already stored under the same
    ``external_id`` (an IMAP message fetched again after a crash) is not stored twice."""
    if external_id:
        existing = InboundMessage.objects.filter(external_id=external_id).first()
        if existing is not None:
            return existing
    too_large = len(raw) > settings.VICTO_INBOUND_MAX_BYTES
    values: dict[str, Any] = {
        "transport": transport,
        "raw": raw[:KEPT_OF_A_LARGE_MESSAGE] if too_large else raw,
        "size": len(raw),
        "envelope_from": (envelope_from or "")[:320],
        "envelope_to": [r.lower()[:320] for r in recipients][:50],
        "external_id": external_id,
    }
    if too_large:
        values.update(status=Status.REFUSED, reason=Reason.TOO_LARGE, processed_at=timezone.now())
    try:
        with transaction.atomic():
            message = InboundMessage.objects.create(**values)
    except IntegrityError:
        if not external_id:
            raise
        return InboundMessage.objects.get(external_id=external_id)
    if process and not too_large:
        inbound_process(message=message)
    return message


def inbound_process(*, message: InboundMessage) -> InboundMessage:
    """Act on a stored message (again, for a replay). A failure is recorded, never raised:
    the mail server has been told the message was received."""
    InboundMessage.objects.filter(pk=message.pk).update(attempts=F("attempts") + 1)
    message.attempts += 1
    try:
        with transaction.atomic():
            outcome = _process(message)
            _record(message, outcome)
    except Exception as error:
        logger.exception("inbound message %s failed", message.pk)
        InboundMessage.objects.filter(pk=message.pk).update(
            status=Status.FAILED,
            detail=f"{error.__class__.__name__}: {error}"[:4000],
            processed_at=timezone.now(),
        )
        message.refresh_from_db()
    return message


def _record(message: InboundMessage, outcome: Outcome) -> None:
    message.status = outcome.status
    message.reason = outcome.reason
    message.detail = outcome.detail[:4000]
    message.request = outcome.request
    message.event = outcome.event
    message.reply_address = outcome.reply_address
    message.text = outcome.text
    message.processed_at = timezone.now()
    message.save(
        update_fields=[
            "status",
            "reason",
            "detail",
            "request",
            "event",
            "reply_address",
            "text",
            "processed_at",
            "sender",
            "sender_name",
            "subject",
            "message_id",
            "body_text",
        ]
    )


def _raw(message: InboundMessage) -> bytes:
    return bytes(message.raw) if message.raw is not None else b""


def _process(message: InboundMessage) -> Outcome:
    parsed = mail.parse(_raw(message))
    message.sender = parsed.sender[:320]
    message.sender_name = parsed.sender_name
    message.subject = parsed.subject
    message.message_id = parsed.message_id
    message.body_text = parsed.body_text[:100_000]
    envelope_from = message.envelope_from if message.transport != Transport.IMAP else None
    if message.transport == Transport.IMAP and "Return-Path" in parsed.message:
        envelope_from = str(parsed.message["Return-Path"]).strip().strip("<>")
    loop = mail.loop_reason(parsed, envelope_from)
    if loop == Reason.BOUNCE and feedback_report_record(parsed.message):
        return Outcome(Status.RECORDED, Reason.COMPLAINT)
    if loop == Reason.BOUNCE and delivery_reports_record(parsed.message):
        return Outcome(Status.RECORDED, loop)
    if loop:
        return Outcome(Status.IGNORED, loop)
    targets = [t.lower() for t in (list(message.envelope_to) or parsed.recipients)]
    for address in targets:
        token = token_in(address)
        if token:
            return _reply(message, parsed, token)
    if routing.request_address() and routing.request_address() in targets:
        return _new_request(message, parsed)
    return Outcome(Status.IGNORED, Reason.UNKNOWN_RECIPIENT)


# --- Replies to a request -----------------------------------------------------------------------


def _addresses_of(user: User | None) -> set[str]:
    if user is None:
        return set()
    from allauth.account.models import EmailAddress

    found = {user.email.lower()} if user.email else set()
    found.update(
        e.lower()
        for e in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    )
    return found


def _is_requester(row: ReplyAddress) -> bool:
    request = row.request
    if request.citizen_id is not None:
        return row.recipient_id == request.citizen_id
    return row.recipient_id is None and row.email == (request.contact_email or "").lower()


def _language_of(row: ReplyAddress) -> str:
    if row.recipient is not None and row.recipient.preferred_language in ("fr", "en"):
        return row.recipient.preferred_language
    return row.request.language if row.request.language in ("fr", "en") else "fr"


def _reply(message: InboundMessage, parsed: mail.ParsedMail, token: str) -> Outcome:
    row = reply_address_find(token)
    if row is None:
        # Nothing about the request is said: whoever holds an old address learns nothing.
        known = ReplyAddress.objects.filter(token_hash=hash_token(token)).first()
        if sender_allowed(parsed.sender):
            _answer_dead_address(message, parsed, known)
        return Outcome(Status.REFUSED, Reason.EXPIRED_ADDRESS)
    request = row.request
    if parsed.sender not in {row.email} | _addresses_of(row.recipient):
        return Outcome(Status.HELD, Reason.OTHER_SENDER, request=request, reply_address=row)
    if not _is_requester(row):
        return Outcome(Status.HELD, Reason.NOT_REQUESTER, request=request, reply_address=row)
    if not sender_allowed(parsed.sender):
        return Outcome(Status.REFUSED, Reason.RATE_LIMITED, request=request, reply_address=row)
    text = mail.reply_text(parsed.body_text)
    photos, refused = _photos(parsed.attachments, request.request_type)
    language = _language_of(row)
    if not text and not photos:
        if refused:
            _answer_refused(message, row, refused, language, posted=False)
        return Outcome(Status.REFUSED, Reason.EMPTY, request=request, reply_address=row, text="")
    citizen = row.recipient if request.citizen_id is not None else None
    data = {"inbound_message": message.pk}
    try:
        event = service_request_message_received(
            request=request, citizen=citizen, text=text, photos=photos, channel="email", data=data
        )
    except ValidationError as error:
        if not photos or not text or "photos" not in getattr(error, "message_dict", {}):
            raise
        refused.extend(p.name or "" for p in photos)  # the type takes no photos, or too many
        event = service_request_message_received(
            request=request, citizen=citizen, text=text, channel="email", data=data
        )
    if refused:
        _answer_refused(message, row, refused, language, posted=True)
    return Outcome(Status.POSTED, request=request, event=event, reply_address=row, text=text)


def _photos(
    attachments: list[mail.Attachment], request_type: RequestType
) -> tuple[list[ContentFile], list[str]]:
    """The attachments that are photos, checked as uploads are (content, size, pixels); the
    names of the others."""
    photos: list[ContentFile] = []
    refused: list[str] = []
    for index, attachment in enumerate(attachments, start=1):
        name = attachment.name or f"piece-jointe-{index}"
        if attachment.content_type.startswith("image/") and request_type.photos_allowed:
            upload = ContentFile(attachment.data, name=name)
            try:
                check_image(upload, name=name)
            except ValidationError:
                refused.append(name)
            else:
                upload.seek(0)
                photos.append(upload)
        else:
            refused.append(name)
    return photos, refused


# --- Mail to the town's request address ---------------------------------------------------------


def _account_of(address: str) -> User | None:
    """The account whose verified e-mail this is: her mail lands in her portal."""
    from allauth.account.models import EmailAddress

    if not address:
        return None
    found = (
        EmailAddress.objects.filter(email__iexact=address, verified=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    return found.user if found is not None else None


def _language_of_mail(parsed: mail.ParsedMail) -> str:
    declared = str(parsed.message.get("Content-Language", "")).strip().lower()
    return "en" if declared.startswith("en") else "fr"


def _new_request(message: InboundMessage, parsed: mail.ParsedMail) -> Outcome:
    """A new request in the triage type, for the sender's account if her verified e-mail
    has one (she sees it in her portal), else as a guest's (the receipt carries her tracking
    link, as for any guest). The assignment rules route it (to the intake team, as seeded)."""
    if not parsed.sender:
        return Outcome(Status.IGNORED, Reason.EMPTY)
    if not sender_allowed(parsed.sender):
        return Outcome(Status.REFUSED, Reason.RATE_LIMITED)
    triage = catalogue().by_code.get(settings.VICTO_INBOUND_TRIAGE_TYPE)
    if triage is None:  # kept as failed; replayed once an administrator restores the type
        raise RuntimeError(f"no request type {settings.VICTO_INBOUND_TRIAGE_TYPE!r}")
    text = mail.reply_text(parsed.body_text) or parsed.body_text.strip()
    description = "\n\n".join(part for part in (parsed.subject, text) if part)[:MAX_DESCRIPTION]
    photos, refused = _photos(parsed.attachments, triage)
    if not description and not photos:
        return Outcome(Status.REFUSED, Reason.EMPTY)
    citizen = _account_of(parsed.sender)
    language = (
        citizen.preferred_language
        if citizen is not None and citizen.preferred_language in ("fr", "en")
        else _language_of_mail(parsed)
    )
    contact = None
    if citizen is None:
        name = parsed.sender_name or parsed.sender.split("@", 1)[0]
        contact = Contact(name=name[:200], email=parsed.sender)
    submission: dict[str, Any] = {
        "request_type": triage,
        "citizen": citizen,
        "contact": contact,
        "description": description,
        "channel": Channel.EMAIL,
        "language": language,
        "accept_inactive_type": True,
        "event_data": {"inbound_message": message.pk},
    }
    try:
        request = service_request_submit(**submission, photos=photos)
    except ValidationError as error:
        if "photos" not in getattr(error, "message_dict", {}):
            raise
        refused.extend(p.name or "" for p in photos)
        request = service_request_submit(**submission)
    if refused:
        _answer_files_refused(
            key=f"refused:{message.pk}",
            request=request,
            address=parsed.sender,
            recipient_id=citizen.pk if citizen else None,
            refused=refused,
            language=language,
            posted=True,
        )
    event = request.new_history[0][0]  # type: ignore[attr-defined]
    return Outcome(Status.CREATED, request=request, event=event, text=description)


# --- Automatic answers, in the person's language --------------------------------------------------


def _answer_refused(
    message: InboundMessage,
    row: ReplyAddress,
    refused: list[str],
    language: str,
    *,
    posted: bool,
) -> None:
    _answer_files_refused(
        key=f"refused:{message.pk}",
        request=row.request,
        address=row.email,
        recipient_id=row.recipient_id,
        refused=refused,
        language=language,
        posted=posted,
    )


def _answer_files_refused(
    *,
    key: str,
    request: ServiceRequest,
    address: str,
    recipient_id: int | None,
    refused: list[str],
    language: str,
    posted: bool,
) -> None:
    with translation.override(language):
        subject = _("Votre message au sujet de la requête %(reference)s") % {
            "reference": request.reference
        }
        intro = (
            _("Merci de votre message : il a été ajouté à votre requête %(reference)s.")
            if posted
            else _("Merci de votre message au sujet de votre requête %(reference)s.")
        ) % {"reference": request.reference}
        body = "\n\n".join(
            [
                intro,
                _(
                    "Nous n’avons toutefois pas pu joindre les fichiers suivants : seules les "
                    "photos (JPEG, PNG ou WebP) sont acceptées, et chacune doit être une image "
                    "valide."
                ),
                "\n".join(f"• {name}" for name in refused),
                _(
                    "Pour nous transmettre un autre document, décrivez-le dans votre réponse "
                    "ou communiquez avec nous : un membre du personnel vous indiquera comment "
                    "le faire parvenir."
                ),
            ]
        )
    notification_answer(
        key=key,
        address=address,
        recipient_id=recipient_id,
        language=language,
        request=request,
        subject=subject,
        body=body,
    )


def _answer_dead_address(
    message: InboundMessage, parsed: mail.ParsedMail, known: ReplyAddress | None
) -> None:
    if not parsed.sender:
        return
    language = "fr"
    if known is not None and parsed.sender == known.email:
        language = _language_of(known)
    with translation.override(language):
        subject = _("Votre message n’a pas pu être transmis")
        body = "\n\n".join(
            [
                _(
                    "Cette adresse de réponse n’est plus en service : votre message n’a été "
                    "ajouté à aucune requête."
                ),
                _(
                    "Pour suivre une requête ou en faire une nouvelle, rendez-vous sur le "
                    "portail citoyen."
                ),
            ]
        )
    notification_answer(
        key=f"dead:{message.pk}",
        address=parsed.sender,
        language=language,
        subject=subject,
        body=body,
        link=settings.SITE_URL.rstrip("/") + "/portail/",
    )


# --- Staff: held and failed messages ---------------------------------------------------------------


def inbound_replay(*, message: InboundMessage, actor: User | None = None) -> InboundMessage:
    """Process a failed (or never processed) message again."""
    if message.status not in (Status.FAILED, Status.RECEIVED):
        raise ValidationError(_("Seul un message en échec peut être traité de nouveau."))
    if actor is not None:
        InboundMessage.objects.filter(pk=message.pk).update(handled_by=actor)
    return inbound_process(message=message)


@transaction.atomic
def inbound_release(*, message: InboundMessage, actor: User) -> InboundMessage:
    """Staff checked a held reply: it goes on the request's timeline as the requester's
    message (from its original text), as if it had come from her address."""
    message = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != Status.HELD or message.request_id is None:
        raise ValidationError(_("Ce message n’est pas retenu pour vérification."))
    request = message.request
    assert request is not None
    text = mail.reply_text(message.body_text) or message.body_text.strip()
    event = service_request_message_received(
        request=request,
        citizen=request.citizen,
        text=text[:5000],
        channel="email",
        data={"inbound_message": message.pk, "released_by": actor.pk},
    )
    message.status = Status.POSTED
    message.event = event
    message.text = text
    message.handled_by = actor
    message.save(update_fields=["status", "event", "text", "handled_by"])
    return message


@transaction.atomic
def inbound_discard(*, message: InboundMessage, actor: User) -> InboundMessage:
    if message.status not in (Status.HELD, Status.FAILED):
        raise ValidationError(_("Seul un message retenu ou en échec peut être écarté."))
    InboundMessage.objects.filter(pk=message.pk).update(status=Status.DISCARDED, handled_by=actor)
    message.refresh_from_db()
    return message
