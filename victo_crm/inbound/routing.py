"""Which addresses the town receives mail for."""

from __future__ import annotations

from django.conf import settings

from victo_crm.notifications.replies import token_in


def request_address() -> str:
    return (settings.VICTO_INBOUND_REQUEST_ADDRESS or "").strip().lower()


def accepts(address: str) -> bool:
    address = (address or "").strip().lower()
    if not address:
        return False
    return (
        token_in(address) is not None
        or address == request_address()
        or address == (settings.VICTO_INBOUND_BOUNCE_ADDRESS or "").strip().lower()
    )
