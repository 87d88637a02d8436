"""Receipts: "this was already done, here is its result", one model for every face that must
not do a thing twice: the portal's resent forms (key: the form's token; scope: the account, or
a guest's hashed e-mail; result: the request filed) and the API's ``Idempotency-Key`` (key:
the header; scope: the caller; a fingerprint of the request; result: the response given).

``receipt_once`` holds (scope, key) for one transaction, looks for an earlier receipt, does the
work and writes its receipt there too: a receipt exists if and only if the work was done, and a
refused or failed call leaves nothing, so it may be retried. ``privacy.purge`` deletes the
expired ones.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from victo_crm.core.statements import Prepared

T = TypeVar("T")

# A receipt without a result is a claim an earlier version wrote before its work; older than
# this, its process died and its work was rolled back, so the key may be taken over.
ABANDONED_AFTER = timedelta(minutes=2)


class Receipt(models.Model):
    """One thing done once per (scope, key) and its result. Scopes name their face and
    submitter, so one's keys never stand for another's: ``citizen:<id>``, ``guest:<SHA-256>``
    (the portal), ``u:<id>`` (the API)."""

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, blank=True)
    service_request = models.ForeignKey(
        "service_requests.ServiceRequest",
        verbose_name=_("requête"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("reçu le"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("accusé de réception")
        verbose_name_plural = _("accusés de réception")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="receipt_scope_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"

    @property
    def done(self) -> bool:
        return self.service_request_id is not None or self.response_status is not None


class ReceiptBusy(Exception):
    """The first call under this key is still running."""


class ReceiptMismatch(Exception):
    """The key was given before for another content (another fingerprint)."""


def _lock(scope: str, key: str, *, wait: bool) -> None:
    """Hold (scope, key) until the transaction ends: a concurrent duplicate waits for the
    first call (``wait``) or is told ``ReceiptBusy``. A PostgreSQL advisory lock, which the
    ORM cannot take; SQLite's transactions are IMMEDIATE (settings): writers queue anyway."""
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(hashtextextended(%s, 0))", [f"{scope}\n{key}"])
        if not wait and not cursor.fetchone()[0]:
            raise ReceiptBusy


# Every keyed API call and resent form looks its key up: compiled once (core/statements.py).
EARLIER = Prepared(lambda scope, key: Receipt.objects.filter(scope=scope, key=key)[:1])


def _earlier(scope: str, key: str, fingerprint: str) -> Receipt | None:
    """The receipt of the first time, if the work was done; None to go on."""
    found = EARLIER.objects(scope, key)
    if not found:
        return None
    existing, now = found[0], timezone.now()
    if existing.expires_at <= now:
        existing.delete()
        return None
    if existing.fingerprint != fingerprint:
        raise ReceiptMismatch
    if existing.done:
        return existing
    if existing.created_at < now - ABANDONED_AFTER:
        existing.delete()
        return None
    raise ReceiptBusy


def _store(receipt: Receipt) -> bool:
    """Insert ``receipt`` unless a concurrent call stored one first (then False).

    ``INSERT … ON CONFLICT DO NOTHING``: one statement where ``save()`` needs a savepoint,
    and unlike ``bulk_create(ignore_conflicts=True)`` it says whether the row went in."""
    columns = [field for field in Receipt._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Receipt._meta.db_table)} "  # noqa: S608 - names from the model
            f"({', '.join(quote(field.column) for field in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))}) ON CONFLICT (scope, key) DO NOTHING",
            [
                field.get_db_prep_save(getattr(receipt, field.attname), connection)
                for field in columns
            ],
        )
        return cursor.rowcount == 1


def receipt_once(
    *,
    scope: str,
    key: str,
    lifetime: timedelta,
    work: Callable[[], T],
    result: Callable[[T], dict[str, Any] | None],
    fingerprint: str = "",
    wait: bool = True,
) -> T | Receipt:
    """``work()`` at most once per (``scope``, ``key``) until its receipt expires.

    Returns what ``work`` returned, its receipt stored with ``result(returned)`` (the result
    fields; None keeps nothing and rolls the work back), or the earlier ``Receipt`` when the
    work was already done. Raises ``ReceiptMismatch`` (the key came with another
    ``fingerprint``), ``ReceiptBusy`` (the first call is running and ``wait`` is false), and
    whatever ``work`` raises, storing nothing."""
    for _attempt in range(3):
        with transaction.atomic():
            _lock(scope, key, wait=wait)
            earlier = _earlier(scope, key, fingerprint)
            if earlier is not None:
                return earlier
            returned = work()
            fields = result(returned)
            now = timezone.now()
            if fields is None:
                transaction.set_rollback(True)
            elif not _store(
                Receipt(
                    scope=scope,
                    key=key,
                    fingerprint=fingerprint,
                    **fields,
                    created_at=now,
                    expires_at=now + lifetime,
                )
            ):
                transaction.set_rollback(True)
                continue  # another call stored its receipt first: the next turn returns it
            return returned
    raise ReceiptBusy
