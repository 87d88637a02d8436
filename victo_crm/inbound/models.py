"""Every e-mail or text that reaches the town, kept before anything is done with it.

A message is stored first (``InboundMessage``), then processed in its own transaction: a
failure leaves it ``failed`` with the reason, for an operator to see and replay (the desk's
*Courriels reçus* page, ``manage.py inbound_replay``); nothing that arrived is dropped.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Transport(models.TextChoices):
    LMTP = "lmtp", _("LMTP")
    SMTP = "smtp", _("SMTP")
    IMAP = "imap", _("IMAP")
    SMS = "sms", _("Texto")


class Status(models.TextChoices):
    RECEIVED = "received", _("Reçu, à traiter")
    POSTED = "posted", _("Ajouté à la requête")
    CREATED = "created", _("Nouvelle requête")
    HELD = "held", _("Retenu pour vérification")
    IGNORED = "ignored", _("Ignoré")
    REFUSED = "refused", _("Refusé")
    RECORDED = "recorded", _("Avis de livraison enregistré")
    FAILED = "failed", _("Échec du traitement")
    DISCARDED = "discarded", _("Écarté par le personnel")


class Reason(models.TextChoices):
    """Why a message was not acted on (or was held); a code, so that no wording decides."""

    NONE = "", _("—")
    AUTO_REPLY = "auto_reply", _("Réponse automatique")
    MAILING_LIST = "mailing_list", _("Liste de diffusion")
    BOUNCE = "bounce", _("Avis de non-livraison")
    COMPLAINT = "complaint", _("Plainte (courriel signalé comme indésirable)")
    OWN_MESSAGE = "own_message", _("Message de la Ville elle-même")
    UNKNOWN_RECIPIENT = "unknown_recipient", _("Destinataire inconnu")
    EXPIRED_ADDRESS = "expired_address", _("Adresse de réponse expirée ou révoquée")
    OTHER_SENDER = "other_sender", _("Expéditeur autre que le destinataire")
    NOT_REQUESTER = "not_requester", _("Réponse d’une autre personne que le demandeur")
    RATE_LIMITED = "rate_limited", _("Trop de messages de cet expéditeur")
    TOO_LARGE = "too_large", _("Message trop volumineux")
    EMPTY = "empty", _("Message vide")
    UNKNOWN_NUMBER = "unknown_number", _("Numéro inconnu")
    KEYWORD = "keyword", _("Mot-clé (STOP, AIDE)")


class InboundMessage(models.Model):
    transport = models.CharField(_("arrivé par"), max_length=10, choices=Transport.choices)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    reason = models.CharField(
        _("motif"), max_length=20, choices=Reason.choices, default="", blank=True
    )
    detail = models.TextField(_("détail"), blank=True)
    envelope_from = models.CharField(_("expéditeur (enveloppe)"), max_length=320, blank=True)
    envelope_to = models.JSONField(_("destinataires (enveloppe)"), default=list, blank=True)
    sender = models.CharField(_("expéditeur"), max_length=320, blank=True)
    sender_name = models.CharField(_("nom de l’expéditeur"), max_length=200, blank=True)
    subject = models.CharField(_("objet"), max_length=500, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=500, blank=True)
    raw = models.BinaryField(_("message d’origine"), blank=True)
    size = models.PositiveIntegerField(_("taille (octets)"), default=0)
    body_text = models.TextField(_("texte complet"), blank=True)
    text = models.TextField(_("texte retenu"), blank=True)
    # A source's own id, so a message fetched twice (IMAP after a crash, a webhook retried)
    # is stored once: "imap:<uidvalidity>:<uid>", "twilio:<MessageSid>".
    external_id = models.CharField(max_length=200, blank=True)
    request = models.ForeignKey(
        "service_requests.ServiceRequest",
        verbose_name=_("requête"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    event = models.ForeignKey(
        "service_requests.RequestEvent",
        verbose_name=_("événement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reply_address = models.ForeignKey(
        "notifications.ReplyAddress",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attempts = models.PositiveSmallIntegerField(_("traitements"), default=0)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("traité par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_at = models.DateTimeField(_("reçu le"), auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(_("traité le"), null=True, blank=True)

    class Meta:
        verbose_name = _("message reçu")
        verbose_name_plural = _("messages reçus")
        ordering = ("-received_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="inbound_external_id_once",
            )
        ]
        indexes = [
            # The operators' page lists what needs them: held and failed messages.
            models.Index(
                fields=["status", "received_at"],
                condition=models.Q(status__in=["held", "failed", "received"]),
                name="inbound_attention_idx",
            ),
            models.Index(fields=["request", "received_at"], name="inbound_request_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_transport_display()} n° {self.pk} ({self.status})"
