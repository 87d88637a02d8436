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


# --- A real IMAP server: Dovecot from Debian's packages -------------------------------------------


class Dovecot:
    """Dovecot (``apt-get install dovecot-imapd``) run in a temp dir with its own
    configuration, on a free port, plain-text login on loopback, Maildir storage. As root it
    drops to Debian's ``dovecot``/``dovenull`` users, as it insists; otherwise everything
    runs as the current user."""

    USER = "requetes"
    PASSWORD = "mot-de-passe-de-test"

    def __init__(self, workdir: Any) -> None:
        import os
        import pwd
        import shutil
        import subprocess

        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not os.path.exists(binary):
            raise FileNotFoundError("dovecot")
        self.port = free_port()
        self.workdir = workdir
        for name in ("run", "state", "mail"):
            (workdir / name).mkdir()
        if os.geteuid() == 0:
            internal, login = "dovecot", "dovenull"
            mail_user = pwd.getpwnam("dovecot")
            shutil.chown(workdir / "mail", mail_user.pw_uid, mail_user.pw_gid)
            uid, gid = mail_user.pw_uid, mail_user.pw_gid
        else:
            internal = login = pwd.getpwuid(os.getuid()).pw_name
            uid, gid = os.getuid(), os.getgid()
        os.chmod(workdir, 0o755)  # noqa: S103 - Dovecot's own users read its configuration
        (workdir / "users").write_text(f"{self.USER}:{{PLAIN}}{self.PASSWORD}\n")
        (workdir / "dovecot.conf").write_text(
            f"""
base_dir = {workdir}/run
state_dir = {workdir}/state
log_path = {workdir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{workdir}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {workdir}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={workdir}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""
        )
        self.process = subprocess.Popen(
            [binary, "-F", "-c", str(workdir / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait()

    def _wait(self) -> None:
        import socket
        import time

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(64).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("dovecot did not start")

    def client(self) -> Any:
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(self.USER, self.PASSWORD)
        return client

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    import os
    import shutil
    import tempfile
    from pathlib import Path

    # Not pytest's tmp_path: its parents are private to us, and Dovecot's own processes
    # (its unprivileged users, when we are root) must reach the configuration and the mail.
    workdir = Path(tempfile.mkdtemp(prefix="victo-dovecot-"))
    try:
        server = Dovecot(workdir)
    except FileNotFoundError:
        shutil.rmtree(workdir, ignore_errors=True)
        if os.environ.get("VICTO_REQUIRE_SERVICES") == "1":
            raise
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    yield server
    server.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot: Dovecot, inbound_settings: Any) -> Iterator[Any]:
    """The town's hosted mailbox, emptied for each test."""
    settings = inbound_settings
    settings.VICTO_IMAP_HOST = "127.0.0.1"
    settings.VICTO_IMAP_PORT = dovecot.port
    settings.VICTO_IMAP_SSL = False
    settings.VICTO_IMAP_USER = dovecot.USER
    settings.VICTO_IMAP_PASSWORD = dovecot.PASSWORD
    settings.VICTO_IMAP_FOLDER = "INBOX"
    settings.VICTO_IMAP_DONE_FOLDER = ""
    client = dovecot.client()
    for folder in ("INBOX", "Traites"):
        if client.folder_exists(folder):
            client.select_folder(folder)
            uids = client.search("ALL")
            if uids:
                client.delete_messages(uids)
                client.expunge()
    yield client
    client.logout()
