"""Per-sender limits on what mail and texts may cause (the project's one limiter,
``core.ratelimit``): a robot or a prankster cannot file a thousand requests or fill a
timeline. Over the limit a message is stored and refused, never answered."""

from __future__ import annotations

import hashlib

from django.conf import settings

from victo_crm.core import ratelimit


def sender_allowed(sender: str) -> bool:
    if not sender:
        return True
    digest = hashlib.sha256(sender.strip().lower().encode()).hexdigest()[:24]
    limit = ratelimit.Limit(
        f"inbound:{digest}",
        settings.VICTO_INBOUND_SENDER_LIMIT,
        settings.VICTO_INBOUND_SENDER_WINDOW_SECONDS,
    )
    return ratelimit.consume([limit]).allowed
