"""Polling a hosted mailbox over IMAP (imapclient), for towns whose mail is hosted: every
message in ``VICTO_IMAP_FOLDER`` is stored (``inbound_receive``, keyed by the folder's
UIDVALIDITY and the message's UID, so a message fetched twice after a crash is stored once),
processed, then moved to ``VICTO_IMAP_DONE_FOLDER`` or deleted. A message is removed from the
mailbox only after it is stored: a crash in between leaves it there, and the next poll finds
it already stored and only removes it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from imapclient import IMAPClient

from .models import Transport

logger = logging.getLogger(__name__)
BATCH = 50


@dataclass
class PollReport:
    fetched: int = 0
    stored: int = 0


def _client() -> IMAPClient:
    client = IMAPClient(
        settings.VICTO_IMAP_HOST,
        port=settings.VICTO_IMAP_PORT,
        ssl=settings.VICTO_IMAP_SSL,
        timeout=30,
    )
    client.login(settings.VICTO_IMAP_USER, settings.VICTO_IMAP_PASSWORD)
    return client


def mailbox_poll(*, limit: int = 500, client: Any = None) -> PollReport:
    """Fetch, store and clear up to ``limit`` messages of the mailbox."""
    from .services import inbound_receive

    report = PollReport()
    if not settings.VICTO_IMAP_HOST:
        return report
    own = client is None
    client = client or _client()
    try:
        folder = settings.VICTO_IMAP_FOLDER
        selected = client.select_folder(folder)
        validity = int(selected.get(b"UIDVALIDITY", 0))
        done = settings.VICTO_IMAP_DONE_FOLDER
        if done and not client.folder_exists(done):
            client.create_folder(done)
        uids = sorted(client.search(["NOT", "DELETED"]))[:limit]
        for start in range(0, len(uids), BATCH):
            chunk = uids[start : start + BATCH]
            fetched = client.fetch(chunk, ["RFC822"])
            handled = []
            for uid in chunk:
                data = fetched.get(uid, {})
                raw = data.get(b"RFC822")
                if raw is None:
                    continue
                report.fetched += 1
                inbound_receive(
                    raw=bytes(raw),
                    transport=Transport.IMAP,
                    envelope_from=None,
                    external_id=f"imap:{settings.VICTO_IMAP_USER}:{folder}:{validity}:{uid}",
                )
                report.stored += 1
                handled.append(uid)
            if handled:
                if done:
                    client.move(handled, done)
                else:
                    client.delete_messages(handled)
                    client.expunge(handled)
    finally:
        if own:
            try:
                client.logout()
            except Exception:  # the poll's work is done; a failed goodbye changes nothing
                logger.warning("IMAP logout failed", exc_info=True)
    return report
