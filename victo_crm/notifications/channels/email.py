"""E-mail through Django's mail backends (SMTP or any provider backend), HTML and text, in
the recipient's language, with a working unsubscribe link and the one-click headers."""

from __future__ import annotations

import contextlib
import re
import smtplib
from dataclasses import dataclass
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.crypto import salted_hmac

from ..unsubscribe import unsubscribe_url
from . import Channel, DeliveryError, PermanentDeliveryError

if TYPE_CHECKING:
    from ..models import Notification


def message_id(notification: Notification) -> str:
    """Stable per notification: a receiving system that sees it twice can drop the copy.

    Keyed with the secret key: only someone who received the e-mail knows it, so a bounce or
    a complaint that quotes it is about an e-mail we really sent (``bounces.py``); the key it
    is made of (event, person, channel) is easy to guess."""
    digest = salted_hmac(
        "victo_crm.notifications.message_id", notification.dedup_key, algorithm="sha256"
    ).hexdigest()[:32]
    domain = settings.VICTO_EMAIL_MESSAGE_ID_DOMAIN
    return f"<{digest}@{domain}>"


def _language(notification: Notification) -> str:
    return notification.language if notification.language in ("fr", "en") else "fr"


def _threading(notification: Notification, reply_to: str) -> dict[str, str]:
    """The headers that thread an e-mail about a request: the request's thread, and the
    recipient's own reply address (``replies.py``) when replies are received."""
    context = notification.context or {}
    headers: dict[str, str] = {}
    if context.get("thread"):
        headers["In-Reply-To"] = context["thread"]
        headers["References"] = context["thread"]
    if reply_to:
        headers["Reply-To"] = reply_to
    return headers


def _compose(
    notification: Notification,
    *,
    to: str,
    message_id: str,
    unsubscribe: str,
    reply_to: str = "",
    connection: Any = None,
) -> tuple[EmailMultiAlternatives, str, str]:
    """The e-mail of a notification (text and HTML in its language, one-click unsubscribe
    headers, threading headers) to ``to``; also returns the text and HTML bodies."""
    language = _language(notification)
    context = {
        "subject": notification.subject,
        "body": notification.body,
        "link": notification.link,
        "unsubscribe_url": unsubscribe,
        "is_emergency": notification.is_emergency,
        "language": language,
    }
    with translation.override(language):
        text = render_to_string("notifications/email/message.txt", context)
        html = render_to_string("notifications/email/message.html", context)
    message = EmailMultiAlternatives(
        subject=notification.subject.replace("\n", " ")[:250],
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        connection=connection,
        headers={
            "Message-ID": message_id,
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Content-Language": language,
            "Auto-Submitted": "auto-generated",
            **_threading(notification, reply_to),
        },
    )
    message.attach_alternative(html, "text/html")
    return message, text, html


def build_message(notification: Notification, connection: Any = None) -> EmailMultiAlternatives:
    recipient = notification.recipient if notification.recipient_id else None
    address = notification.address or (recipient.email if recipient is not None else "")
    if not address:
        raise PermanentDeliveryError("no e-mail address")
    unsubscribe = unsubscribe_url(
        user_id=notification.recipient_id, email=address, topic=notification.topic
    )
    message, _text, _html = _compose(
        notification,
        to=address,
        message_id=message_id(notification),
        unsubscribe=unsubscribe,
        reply_to=(notification.context or {}).get("reply_to", ""),
        connection=connection,
    )
    return message


# --- Many recipients, one rendering ------------------------------------------------------------
#
# A notice goes to thousands of people with the same words: rendering the two templates and
# generating the MIME text for each of them would cost more than sending. The message is
# therefore built once per distinct content with stand-ins for what differs per person
# (address, Message-ID, unsubscribe link), and each copy is that text with the stand-ins
# replaced. Only for Django's SMTP backend, and only when the stand-ins are intact in the
# generated text (no quoted-printable or base64 body, a plain ASCII address); anything else
# takes the ordinary path. Provider backends read the message's attributes, never its MIME
# text, so they always get an ordinary message.

TO_STANDIN = "victo-recipient-standin@example.invalid"
ID_STANDIN = "<victo-message-id-standin@example.invalid>"
UNSUBSCRIBE_STANDIN = "https://victo-unsubscribe-standin.invalid/"
REPLY_STANDIN = "victo-reply-standin@example.invalid"
PLAIN_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+$")


class _RawMime:
    """What the SMTP backend asks of ``EmailMessage.message()``: its bytes."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self.raw if linesep == "\r\n" else self.raw.replace(b"\r\n", linesep.encode())


class PrebuiltEmail(EmailMultiAlternatives):
    """An e-mail whose MIME text was produced from a shared rendering."""

    def __init__(self, *, raw: bytes, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.raw = raw

    def message(self) -> Any:
        return _RawMime(self.raw)


@dataclass
class _Shared:
    raw: bytes | None  # None: this content cannot be shared; build each message
    sender: str = ""  # the envelope sender, the bare address of DEFAULT_FROM_EMAIL


def _content_key(notification: Notification) -> tuple[Any, ...]:
    return (
        notification.subject,
        notification.body,
        notification.link,
        notification.is_emergency,
        _language(notification),
        notification.topic,
        (notification.context or {}).get("thread", ""),
        bool((notification.context or {}).get("reply_to")),
    )


def _shared_rendering(notification: Notification) -> _Shared:
    has_reply_to = bool((notification.context or {}).get("reply_to"))
    message, text, html = _compose(
        notification,
        to=TO_STANDIN,
        message_id=ID_STANDIN,
        unsubscribe=UNSUBSCRIBE_STANDIN,
        reply_to=REPLY_STANDIN if has_reply_to else "",
    )
    raw = message.message().as_bytes(linesep="\r\n")
    expected = text.count(UNSUBSCRIBE_STANDIN) + html.count(UNSUBSCRIBE_STANDIN) + 1
    intact = (
        raw.count(TO_STANDIN.encode()) == 1
        and raw.count(REPLY_STANDIN.encode()) == (1 if has_reply_to else 0)
        and raw.count(ID_STANDIN.encode()) == 1
        and raw.count(UNSUBSCRIBE_STANDIN.encode()) == expected
        and b"Content-Transfer-Encoding: quoted-printable" not in raw
        and b"Content-Transfer-Encoding: base64" not in raw
    )
    sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    return _Shared(raw if intact else None, sender)


class EmailChannel(Channel):
    name = "email"

    def __init__(self) -> None:
        self.connection: Any = None
        self.shared: dict[tuple[Any, ...], _Shared] = {}

    def open(self) -> None:
        self.connection = get_connection(fail_silently=False)
        try:
            self.connection.open()
        except (OSError, smtplib.SMTPException) as error:
            self.connection = None
            raise DeliveryError(f"cannot reach the mail server: {error}") from error

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.connection.close()
            self.connection = None

    def _prebuilt(self, notification: Notification) -> EmailMultiAlternatives | None:
        if not isinstance(self.connection, SmtpBackend):
            return None
        recipient = notification.recipient if notification.recipient_id else None
        address = notification.address or (recipient.email if recipient is not None else "")
        reply_to = (notification.context or {}).get("reply_to", "")
        if not PLAIN_ADDRESS.match(address or "") or (
            reply_to and not PLAIN_ADDRESS.match(reply_to)
        ):
            return None
        key = _content_key(notification)
        shared = self.shared.get(key)
        if shared is None:
            shared = self.shared[key] = _shared_rendering(notification)
        if shared.raw is None:
            return None
        unsubscribe = unsubscribe_url(
            user_id=notification.recipient_id, email=address, topic=notification.topic
        )
        raw = (
            shared.raw.replace(TO_STANDIN.encode(), address.encode())
            .replace(ID_STANDIN.encode(), message_id(notification).encode())
            .replace(UNSUBSCRIBE_STANDIN.encode(), unsubscribe.encode())
            .replace(REPLY_STANDIN.encode(), reply_to.encode())
        )
        return PrebuiltEmail(
            raw=raw,
            subject=notification.subject,
            from_email=shared.sender,
            to=[address],
            connection=self.connection,
        )

    def send(self, notification: Notification) -> None:
        from ..bounces import undeliverable

        recipient = notification.recipient if notification.recipient_id else None
        address = notification.address or (recipient.email if recipient is not None else "")
        if undeliverable(address) is not None:
            # It bounced for good: nothing more goes to it until the person changes it.
            raise PermanentDeliveryError("address undeliverable (hard bounce)")
        message = self._prebuilt(notification) or build_message(
            notification, connection=self.connection
        )
        try:
            if isinstance(message, PrebuiltEmail) and self.connection.connection is not None:
                # The text is final and its addresses checked: hand it to the open SMTP
                # session as the backend would, without parsing the addresses again.
                self.connection.connection.sendmail(message.from_email, message.to, message.raw)
                sent = 1
            elif self.connection is not None:
                sent = self.connection.send_messages([message])
            else:
                sent = message.send()
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentDeliveryError(f"address refused: {error}") from error
        except (OSError, smtplib.SMTPException) as error:
            # The connection may be broken: the next message goes over a fresh one.
            self.close()
            with contextlib.suppress(DeliveryError):
                self.open()
            raise DeliveryError(f"mail server error: {error}") from error
        if not sent:
            raise DeliveryError("the mail backend sent nothing")
