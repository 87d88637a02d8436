"""Errors raised by service functions.

Services raise ``django.core.exceptions.ValidationError`` for bad input (with a message
per field when a field is at fault) so that forms, the admin and DRF all show it the same
way. The classes below name the cases callers treat differently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError


class StaleUpdateError(ValidationError):
    """Another person changed the object since the caller read it."""


class TransitionNotAllowed(PermissionDenied):
    """The actor may not fire that transition on that request."""


class Overloaded(Exception):
    """Costly work this process caps (password hashing) is at its limit: the caller answers
    503 with Retry-After (core.ratelimit.RetryAfterMiddleware) rather than queue."""

    retry_after = 2


def form_add_errors(
    form: Any, error: ValidationError, rename: Mapping[str, str | None] | None = None
) -> None:
    """Show a service's refusal on the form that called it: each message next to the field
    it names, the others at the top of the form.

    ``rename`` maps the service's names to the form's (``{"address": "address_query"}``;
    ``None``: the top of the form); a key ending with a dot renames a prefix
    (``{"field_values.": "field_"}`` puts ``field_values.size`` on ``field_size``)."""
    rename = rename or {}
    named = error.message_dict.items() if hasattr(error, "error_dict") else [("", error.messages)]
    for name, messages in named:
        target = rename.get(name, name)
        prefix = next((key for key in rename if key.endswith(".") and name.startswith(key)), "")
        if prefix:
            target = None if rename[prefix] is None else f"{rename[prefix]}{name[len(prefix) :]}"
        form.add_error(target if target in form.fields else None, messages)


def is_broker_error(error: Exception) -> bool:
    """Whether queueing a task failed because the broker is unreachable: the work is in the
    database already, and a relay queues it again once the broker is back."""
    from kombu.exceptions import OperationalError

    return isinstance(error, OperationalError | ConnectionError | OSError)


__all__ = [
    "Overloaded",
    "PermissionDenied",
    "StaleUpdateError",
    "TransitionNotAllowed",
    "ValidationError",
    "form_add_errors",
    "is_broker_error",
]
