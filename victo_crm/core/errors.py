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


__all__ = ["PermissionDenied", "StaleUpdateError", "TransitionNotAllowed", "ValidationError"]
