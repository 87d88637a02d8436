"""What the APIs keep for themselves: Open311 keys and idempotency records."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """A partner system's Open311 key. Only its SHA-256 is stored: the key is shown once,
    when it is created (``manage.py open311_key create NAME`` or the admin)."""

    name = models.CharField(_("nom du partenaire"), max_length=120)
    prefix = models.CharField(
        _("début de la clé"),
        max_length=12,
        editable=False,
        help_text=_("Les premiers caractères, pour reconnaître la clé sans la révéler."),
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)

    class Meta:
        verbose_name = _("clé d’API Open311")
        verbose_name_plural = _("clés d’API Open311")
        ordering = ("name",)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotencyStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("en cours")
    COMPLETED = "completed", _("terminée")


class IdempotencyKey(models.Model):
    """One row per (caller, Idempotency-Key) with the response given: inserted in the
    transaction of the work itself, so it exists if and only if the work was done. (Rows
    ``in_progress`` were claims written before the work by an earlier version; they are still
    honoured, see ``api.v1.idempotency``.)"""

    caller = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(
        max_length=12, choices=IdempotencyStatus.choices, default=IdempotencyStatus.IN_PROGRESS
    )
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("clé d’idempotence")
        verbose_name_plural = _("clés d’idempotence")
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="idempotency_caller_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.caller} {self.key}"


# Upload moved down to service_requests (the portal keeps a refused form's photos in it too);
# migration 0001 still names this function.
from victo_crm.service_requests.models import _upload_path  # noqa: E402,F401
