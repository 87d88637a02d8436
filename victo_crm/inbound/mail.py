"""Reading a received e-mail: who sent it, its words without the quoted history and the
signature, its attachments, and whether it is mail nobody should answer.

Quoted history and signatures are cut by ``mail-parser-reply`` (French and English reply
headers: « Le … a écrit : », "On … wrote:", Outlook's "De : / Envoyé :" blocks, "-- "
signatures, « Envoyé de mon iPhone »…). The whole text is kept apart for staff.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.utils.html import strip_tags
from mailparser_reply import EmailReplyParser

# Parts that sign a message rather than carry anything: left out quietly.
_SIGNATURE_TYPES = {
    "application/pgp-signature",
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
}
_AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-auto-response-suppress-loop")
_BULK_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}
_DAEMONS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|ne-?pas-?repondre)@", re.I)


@dataclass
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message: EmailMessage
    sender: str
    sender_name: str
    subject: str
    message_id: str
    recipients: list[str]
    body_text: str
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def references(self) -> list[str]:
        found = " ".join(str(self.message.get(name, "")) for name in ("In-Reply-To", "References"))
        return re.findall(r"<[^<>\s]+>", found)


def parse(raw: bytes) -> ParsedMail:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    name, sender = parseaddr(str(message.get("From", "")))
    recipients = [
        address.lower()
        for _n, address in getaddresses(
            [
                str(v)
                for key in ("Delivered-To", "X-Original-To", "To", "Cc")
                for v in message.get_all(key, [])
            ]
        )
        if address
    ]
    return ParsedMail(
        message=message,
        sender=sender.strip().lower(),
        sender_name=name.strip()[:200],
        subject=str(message.get("Subject", "")).strip()[:500],
        message_id=str(message.get("Message-ID", "")).strip()[:500],
        recipients=recipients,
        body_text=_body_text(message),
        attachments=_attachments(message),
    )


def _part_text(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, ValueError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def html_to_text(value: str) -> str:
    value = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", "", value)
    value = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>|</h\d>", "\n", value)
    value = re.sub(r"(?is)<blockquote\b.*?</blockquote>", "\n", value)
    text = html.unescape(strip_tags(value))
    text = re.sub(r"[ \t\xa0]+", " ", text)
    return re.sub(r"\n\s*\n\s*\n+", "\n\n", text).strip()


def _body_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = _part_text(body)
    if body.get_content_type() == "text/html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n").strip()


def _attachments(message: EmailMessage) -> list[Attachment]:
    found = []
    for part in message.iter_attachments():
        content_type = part.get_content_type()
        if content_type in _SIGNATURE_TYPES or part.is_multipart():
            continue
        data = part.get_payload(decode=True) or b""
        if not isinstance(data, bytes):
            continue
        name = part.get_filename() or ""
        found.append(Attachment(name=name[:255], content_type=content_type, data=data))
    return found


def reply_text(body_text: str) -> str:
    """The words of a reply without the quoted history and the signature."""
    if not body_text.strip():
        return ""
    parsed = EmailReplyParser(languages=["fr", "en"]).read(text=body_text)
    for reply in parsed.replies:
        words = reply.body.strip()
        if words and not all(line.startswith(">") for line in words.splitlines() if line):
            return words
    return ""


# --- Mail nobody answers ---------------------------------------------------------------------


def is_bounce(parsed: ParsedMail, envelope_from: str | None) -> bool:
    """A delivery status notification: a null sender, or a multipart/report."""
    if parsed.message.get_content_type() == "multipart/report":
        return True
    return envelope_from is not None and envelope_from.strip() in ("", "<>")


def loop_reason(parsed: ParsedMail, envelope_from: str | None) -> str:
    """Why this message must never be answered nor become a message or a request (a
    ``Reason`` code), or "" for mail a person wrote.

    Auto-replies (RFC 3834 ``Auto-Submitted``, ``X-Autoreply``, ``Precedence: bulk``…),
    mailing lists (``List-Id``), bounces (null sender, ``multipart/report``) and the town's
    own notifications (its Message-ID domain and sender)."""
    headers = parsed.message
    if is_bounce(parsed, envelope_from):
        return "bounce"
    if _DAEMONS.match(parsed.sender or "") and parsed.sender.startswith(("mailer", "postmaster")):
        return "bounce"
    own_from = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()
    own_domain = settings.VICTO_EMAIL_MESSAGE_ID_DOMAIN.lower()
    if (own_from and parsed.sender == own_from) or parsed.message_id.lower().endswith(
        f"@{own_domain}>"
    ):
        return "own_message"
    auto = str(headers.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return "auto_reply"
    if any(name in headers for name in _AUTO_HEADERS):
        return "auto_reply"
    if str(headers.get("X-Auto-Response-Suppress", "")).strip().lower() in ("all", "oof"):
        return "auto_reply"
    precedence = str(headers.get("Precedence", "")).strip().lower()
    if precedence == "list":
        return "mailing_list"
    if precedence in _BULK_PRECEDENCE:
        return "auto_reply"
    if "List-Id" in headers or "List-Post" in headers:
        return "mailing_list"
    if _DAEMONS.match(parsed.sender or ""):
        return "auto_reply"
    return ""
