"""E-mail through Django's mail backends (SMTP or any provider backend), HTML and text, in
the recipient's language, with a working unsubscribe link and the one-click headers."""

from __future__ import annotations

import contextlib
import hashlib
import smtplib
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import translation

from ..unsubscribe import unsubscribe_url
from . import Channel, DeliveryError, PermanentDeliveryError

if TYPE_CHECKING:
    from ..models import Notification


def message_id(notification: Notification) -> str:
    """Stable per notification: a receiving system that sees it twice can drop the copy."""
    digest = hashlib.sha256(notification.dedup_key.encode()).hexdigest()[:32]
    domain = settings.VICTO_EMAIL_MESSAGE_ID_DOMAIN
    return f"<{digest}@{domain}>"


def build_message(notification: Notification, connection: Any = None) -> EmailMultiAlternatives:
    recipient = notification.recipient if notification.recipient_id else None
    address = notification.address or (recipient.email if recipient is not None else "")
    if not address:
        raise PermanentDeliveryError("no e-mail address")
    language = notification.language if notification.language in ("fr", "en") else "fr"
    unsubscribe = unsubscribe_url(
        user_id=notification.recipient_id, email=address, topic=notification.topic
    )
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
        to=[address],
        connection=connection,
        headers={
            "Message-ID": message_id(notification),
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Content-Language": language,
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


class EmailChannel(Channel):
    name = "email"

    def __init__(self) -> None:
        self.connection: Any = None

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

    def send(self, notification: Notification) -> None:
        message = build_message(notification, connection=self.connection)
        try:
            sent = message.send()
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentDeliveryError(f"address refused: {error}") from error
        except (OSError, smtplib.SMTPException) as error:
            # The connection may be broken: the next message opens a fresh one.
            self.close()
            self.connection = get_connection(fail_silently=False)
            raise DeliveryError(f"mail server error: {error}") from error
        if not sent:
            raise DeliveryError("the mail backend sent nothing")
