"""What the APIs keep for themselves: Open311 keys (their replay receipts are
``service_requests.Receipt``)."""

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


# Upload moved down to service_requests (the portal keeps a refused form's photos in it too);
# migration 0001 still names this function.
from victo_crm.service_requests.models import _upload_path  # noqa: E402,F401
