"""Errors raised by service functions.

Services raise ``django.core.exceptions.ValidationError`` for bad input (with a message
per field when a field is at fault) so that forms, the admin and DRF all show it the same
way. The classes below name the cases callers treat differently.
"""

from django.core.exceptions import PermissionDenied, ValidationError


class StaleUpdateError(ValidationError):
    """Another person changed the object since the caller read it."""


class TransitionNotAllowed(PermissionDenied):
    """The actor may not fire that transition on that request."""


class Overloaded(Exception):
    """Costly work this process caps (password hashing) is at its limit: the caller answers
    503 with Retry-After (core.ratelimit.RetryAfterMiddleware) rather than queue."""

    retry_after = 2


__all__ = [
    "Overloaded",
    "PermissionDenied",
    "StaleUpdateError",
    "TransitionNotAllowed",
    "ValidationError",
]
