"""Password hashing, at most a few at once per process.

PBKDF2 with Django's 1,000,000 iterations costs about a second of CPU on a small server, for
every sign-in attempt (a wrong password, an unknown address: Django hashes anyway, so that the
answer's timing tells nothing). allauth's limits cap attempts per address and per account, but
attempts from many addresses each pay it, and each holds a web thread meanwhile: a sign-in
brute force alone could take every thread of every worker (issue 17.3). This hasher lets at
most ``VICTO_PASSWORD_HASH_SLOTS`` hashes run at once in a process and answers any more at
once with ``Overloaded`` (503, Retry-After), rather than letting them queue for a thread.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from victo_crm.core.errors import Overloaded

_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()


def _semaphore() -> threading.BoundedSemaphore:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(max(1, settings.VICTO_PASSWORD_HASH_SLOTS))
        return _slots


class BoundedPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's default hasher (same algorithm name, so every stored hash still verifies)."""

    def encode(self, password: str, salt: str, iterations: int | None = None) -> str:
        slots = _semaphore()
        if not slots.acquire(timeout=settings.VICTO_PASSWORD_HASH_WAIT_SECONDS):
            raise Overloaded("password hashing at its limit")
        try:
            return super().encode(password, salt, iterations)
        finally:
            slots.release()


def reset_slots(**kwargs: Any) -> None:
    """Forget the semaphore (tests change the setting)."""
    global _slots
    with _slots_lock:
        _slots = None
