"""The ``mail`` process: an LMTP (or SMTP) server, aiosmtpd, that the town's mail server
hands the mail of the reply and request addresses to.

It accepts only the addresses it serves (a reply address, the request address, the bounce
address) and only messages under ``VICTO_INBOUND_MAX_BYTES`` (``SIZE``, then 552). A message
is answered 250 once it is stored, whatever its processing does after; if it cannot be
stored (the database is down) the answer is 451 and the mail server keeps it and tries
again: nothing is lost either way. Database work runs in a small pool of threads, each
with its own connection, so the event loop keeps talking to other clients.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from django.conf import settings
from django.db import close_old_connections

from . import routing
from .models import Transport

logger = logging.getLogger(__name__)


def _store(raw: bytes, transport: str, mail_from: str, rcpt_tos: list[str]) -> int:
    from .services import inbound_receive

    close_old_connections()
    try:
        message = inbound_receive(
            raw=raw, transport=transport, envelope_from=mail_from, recipients=rcpt_tos
        )
        return message.pk
    finally:
        close_old_connections()


class InboundHandler:
    def __init__(self, *, transport: str, threads: int = 2, store: Callable[..., int] = _store):
        self.transport = transport
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="inbound")
        self.store = store

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if not routing.accepts(address):
            return "550 5.1.1 No such recipient here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        count = max(len(envelope.rcpt_tos), 1)
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(
                self.pool,
                self.store,
                raw,
                self.transport,
                envelope.mail_from or "",
                list(envelope.rcpt_tos),
            )
        except Exception:
            logger.exception("could not store an inbound message")
            status = "451 4.3.0 Cannot store the message now; try again later"
        else:
            status = "250 2.0.0 Message accepted"
        # LMTP answers once per recipient (RFC 2033); one message serves them all.
        return "\r\n".join([status] * count) if self.transport == Transport.LMTP else status


class InboundController(Controller):
    def __init__(self, handler: InboundHandler, *, lmtp: bool, **kwargs: Any) -> None:
        self.lmtp = lmtp
        super().__init__(handler, **kwargs)

    def factory(self) -> SMTP:
        server_class = LMTP if self.lmtp else SMTP
        return server_class(
            self.handler,
            data_size_limit=settings.VICTO_INBOUND_MAX_BYTES,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=self.SMTP_kwargs.get("hostname"),
        )


def mail_server(
    *, host: str, port: int, protocol: str = "lmtp", threads: int = 2
) -> InboundController:
    """A started server (stop it with ``.stop()``)."""
    lmtp = protocol.lower() == "lmtp"
    handler = InboundHandler(transport=Transport.LMTP if lmtp else Transport.SMTP, threads=threads)
    controller = InboundController(handler, lmtp=lmtp, hostname=host, port=port)
    controller.start()
    return controller
