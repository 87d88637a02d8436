"""The real mail path for the inbound tests: an LMTP and an SMTP server (the ``mail``
process's own aiosmtpd servers, ``victo_crm.inbound.server``) started once per session on
free ports, that the tests talk to with ``smtplib`` over real sockets.

The servers store and process each message in their own threads, as in production. Those
threads borrow the test's database connection (the test is blocked on the socket while
they work), so a test sees, and rolls back, what they wrote: the ordinary fast ``db``
fixture serves, with no flush between tests."""

from __future__ import annotations

import io
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from django.core import mail as django_mail
from django.db import connections

from tests.notifications.conftest import free_port
from victo_crm.inbound.server import InboundHandler, mail_server

REPLY_BASE = "reponse@victoriaville.ca"
REQUEST_ADDRESS = "requetes@victoriaville.ca"


class Borrowed:
    """The connection the servers' threads use: the current test's."""

    connection: Any = None


def _store_on_the_test_connection(raw: bytes, transport: str, mail_from: str, rcpt: list[str]):
    from victo_crm.inbound.services import inbound_receive

    connection = Borrowed.connection
    if connection is None:
        raise RuntimeError("no test is receiving mail")
    connections["default"] = connection
    message = inbound_receive(
        raw=raw, transport=transport, envelope_from=mail_from, recipients=rcpt
    )
    return message.pk


class MailServers:
    def __init__(self) -> None:
        self.lmtp_port = free_port()
        self.smtp_port = free_port()
        self.lmtp = mail_server(host="127.0.0.1", port=self.lmtp_port, protocol="lmtp", threads=1)
        self.smtp = mail_server(host="127.0.0.1", port=self.smtp_port, protocol="smtp", threads=1)
        for controller in (self.lmtp, self.smtp):
            handler: InboundHandler = controller.handler
            handler.store = _store_on_the_test_connection

    def stop(self) -> None:
        self.lmtp.stop()
        self.smtp.stop()


@pytest.fixture(scope="session")
def mail_servers() -> Iterator[MailServers]:
    servers = MailServers()
    yield servers
    servers.stop()


@pytest.fixture
def inbound_settings(settings: Any) -> Any:
    settings.VICTO_INBOUND_REPLY_ADDRESS = REPLY_BASE
    settings.VICTO_INBOUND_REQUEST_ADDRESS = REQUEST_ADDRESS
    settings.VICTO_INBOUND_SENDER_LIMIT = 20
    return settings


@pytest.fixture
def mailer(db: None, mail_servers: MailServers, inbound_settings: Any) -> Iterator[Mailer]:
    connection = connections["default"]
    connection.inc_thread_sharing()
    Borrowed.connection = connection
    try:
        yield Mailer(mail_servers)
    finally:
        Borrowed.connection = None
        connection.dec_thread_sharing()


class Mailer:
    """Sends messages to the town the way its mail server would."""

    def __init__(self, servers: MailServers) -> None:
        self.servers = servers

    def lmtp(
        self,
        message: EmailMessage | bytes,
        *,
        mail_from: str | None = None,
        to: list[str] | None = None,
    ) -> dict[str, Any]:
        with smtplib.LMTP("127.0.0.1", self.servers.lmtp_port) as client:
            return self._send(client, message, mail_from, to)

    def smtp(
        self,
        message: EmailMessage | bytes,
        *,
        mail_from: str | None = None,
        to: list[str] | None = None,
    ) -> dict[str, Any]:
        with smtplib.SMTP("127.0.0.1", self.servers.smtp_port) as client:
            return self._send(client, message, mail_from, to)

    @staticmethod
    def _send(
        client: Any, message: EmailMessage | bytes, mail_from: str | None, to: list[str] | None
    ) -> dict[str, Any]:
        if isinstance(message, bytes):
            assert mail_from is not None and to is not None
            return client.sendmail(mail_from, to, message)
        return client.send_message(message, from_addr=mail_from, to_addrs=to)


def reply_to(sent: Any) -> str:
    """The Reply-To of an e-mail the town sent (django.core.mail outbox)."""
    return sent.extra_headers["Reply-To"] if hasattr(sent, "extra_headers") else sent["Reply-To"]


def last_sent_to(address: str) -> Any:
    for sent in reversed(django_mail.outbox):
        if address in sent.to:
            return sent
    raise AssertionError(f"nothing sent to {address}")


def compose(
    *,
    sender: str,
    to: str,
    text: str,
    subject: str = "Re: Votre requête",
    in_reply_to: str = "",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
    html: str = "",
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="courriel.example")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(text)
    for name, value in (headers or {}).items():
        message[name] = value  # after the content, which sets its own Content-* headers
    if html:
        message.add_alternative(html, subtype="html")
    for name, content_type, data in attachments:
        maintype, subtype = content_type.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def image_bytes(make_image: Any, **kwargs: Any) -> bytes:
    buffer: io.BytesIO = make_image(**kwargs)
    return buffer.getvalue()
