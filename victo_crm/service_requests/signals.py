"""Guest requests join the account once the same e-mail is verified.

Connected by ``connect()`` (called from an AppConfig.ready) so importing this module has no
side effect."""

from __future__ import annotations

from typing import Any


def on_email_confirmed(
    sender: Any, request: Any = None, email_address: Any = None, **kwargs: Any
) -> None:
    if email_address is None or not email_address.verified:
        return
    from .citizen import guest_requests_claim

    guest_requests_claim(user=email_address.user, email=email_address.email)


def connect() -> None:
    from allauth.account.signals import email_confirmed

    email_confirmed.connect(on_email_confirmed, dispatch_uid="victo_guest_requests_claim")
