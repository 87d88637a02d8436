"""The outbox: one row per recipient and channel, written in the transaction of the event
that caused it, delivered later by the worker."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Courriel")
    SMS = "sms", _("Texto")
    PUSH = "push", _("Notification poussée")
    IN_APP = "in_app", _("Dans le portail")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    SENDING = "sending", _("En cours d’envoi")
    SENT = "sent", _("Envoyée")
    FAILED = "failed", _("Échec")
    SKIPPED = "skipped", _("Non envoyée")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destinataire"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    address = models.CharField(
        _("adresse de livraison"),
        max_length=255,
        blank=True,
        help_text=_("Courriel ou numéro, pour un invité ou une adresse fixe."),
    )
    channel = models.CharField(_("canal"), max_length=10, choices=NotificationChannel.choices)
    language = models.CharField(_("langue"), max_length=2, default="fr")
    kind = models.CharField(_("nature"), max_length=40)
    request = models.ForeignKey(
        "service_requests.ServiceRequest",
        verbose_name=_("requête"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.ForeignKey(
        "service_requests.RequestEvent",
        verbose_name=_("événement"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    context = models.JSONField(_("contenu"), default=dict, blank=True)
    dedup_key = models.CharField(_("clé d’unicité"), max_length=200, unique=True)
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    not_before = models.DateTimeField(_("pas avant"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient_id or self.address} ({self.kind})"


class PushDevice(models.Model):
    """A device that receives push notifications: a browser's Web Push subscription (from the
    portal's service worker) or a mobile app's token."""

    class Kind(models.TextChoices):
        WEB_PUSH = "webpush", _("Navigateur (Web Push)")
        FCM = "fcm", _("Android (FCM)")
        APNS = "apns", _("iOS (APNs)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_devices"
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("nom de l’appareil"), max_length=100, blank=True)
    endpoint = models.TextField(_("adresse ou jeton"))
    keys = models.JSONField(_("clés Web Push"), default=dict, blank=True)
    endpoint_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dernier envoi"), null=True, blank=True)

    class Meta:
        verbose_name = _("appareil")
        verbose_name_plural = _("appareils")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.name or self.pk}"

    def save(self, *args: object, **kwargs: object) -> None:
        import hashlib

        self.endpoint_hash = hashlib.sha256(self.endpoint.encode()).hexdigest()
        super().save(*args, **kwargs)  # type: ignore[arg-type]
