"""The hook through which every app hands over its part of a person's data.

Each app that stores personal data registers one ``Contribution`` naming the models it
answers for (``inventory.PERSONAL`` lists their personal fields) and how it exports them,
erases them when the account is deleted, and purges them when their retention period ends.
The faces (portal, desk, api) register from their ``AppConfig.ready``: this module never
imports them, so the layers stay in order. ``tests/privacy/test_inventory.py`` fails when a
model holding personal data has no contribution that both exports and erases it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile

    from victo_crm.accounts.models import User

REDACTED = "[retiré]"


@dataclass(frozen=True)
class Subject:
    """The person whose data is exported or erased, and what identifies them.

    ``emails`` are the addresses they proved they own (verified): only those may pull in
    requests filed without an account, so nobody reaches another's guest requests by adding
    an address they cannot read. ``request_ids`` are their own requests and those guest ones.
    ``identifiers`` (names, e-mails, phone numbers) are blotted out of the free text the town
    keeps (descriptions, comments, replies, messages)."""

    user: User
    emails: frozenset[str]
    request_ids: tuple[int, ...]
    identifiers: tuple[str, ...] = ()

    def redact(self, text: str) -> str:
        return redact(text, self.identifiers)

    def redact_json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list):
            return [self.redact_json(item) for item in value]
        if isinstance(value, dict):
            return {key: self.redact_json(item) for key, item in value.items()}
        return value


def _pattern(identifier: str) -> str:
    digits = [c for c in identifier if c.isdigit()]
    if len(digits) >= 7 and re.fullmatch(r"[\d\s+\-().]+", identifier):
        # A phone number, however it was typed: 819 758-0555, (819) 758 0555, 8197580555.
        return r"\D{0,3}".join(digits)
    # Whole words only ("Marie" is not blotted out of "Marielle"), however spaced.
    return r"(?<!\w)" + r"\s+".join(re.escape(part) for part in identifier.split()) + r"(?!\w)"


def redact(text: str, identifiers: Iterable[str]) -> str:
    if not text:
        return text
    for identifier in sorted({i for i in identifiers if i}, key=len, reverse=True):
        text = re.sub(_pattern(identifier), REDACTED, text, flags=re.IGNORECASE)
    return text


class Bundle:
    """The files of an export archive: each added file gets a path inside the archive."""

    def __init__(self) -> None:
        self.files: list[tuple[str, Any, str]] = []  # (path in archive, storage, name)

    def add(self, field_file: FieldFile | None, folder: str) -> str | None:
        """Put ``field_file`` in ``folder``; returns its path in the archive, or None when
        there is no file (or it is no longer in storage)."""
        if not field_file or not field_file.name:
            return None
        if not field_file.storage.exists(field_file.name):
            return None
        base = field_file.name.rsplit("/", 1)[-1]
        path = f"{folder}/{base}"
        self.files.append((path, field_file.storage, field_file.name))
        return path


@dataclass(frozen=True)
class Contribution:
    """One app's part of the personal data.

    ``section`` is the key of its part in ``data.json``; ``export`` returns that part (plain
    data; it may add files to the bundle). ``erase`` destroys or anonymises it inside the
    deletion's transaction (files go once it commits). ``purge`` applies the retention
    periods and returns what it removed. ``erase_order``: lower erases first (the faces,
    whose rows point at requests, before the requests and the account)."""

    section: str
    models: tuple[str, ...]
    export: Callable[[Subject, Bundle], Any] | None = None
    erase: Callable[[Subject], None] | None = None
    purge: Callable[[datetime], dict[str, int]] | None = None
    erase_order: int = 50


_contributions: dict[str, Contribution] = {}


def register(contribution: Contribution) -> None:
    """Add (or replace, on a second ``ready``) an app's contribution."""
    _contributions[contribution.section] = contribution


def contributions() -> list[Contribution]:
    return list(_contributions.values())


def exported_models() -> set[str]:
    return {label for c in _contributions.values() if c.export for label in c.models}


def erased_models() -> set[str]:
    return {label for c in _contributions.values() if c.erase for label in c.models}
