"""The outbox: one row per recipient and channel, written in the transaction of the event
that caused it, delivered later by the worker."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from victo_crm.accounts.models import Channel

# The channels a citizen chooses in their preferences are the channels we deliver on.
NotificationChannel = Channel


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
        db_index=False,  # notification_inbox_idx (recipient, channel, -created_at) serves it
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
    rule = models.ForeignKey(
        "notifications.NotificationRule",
        verbose_name=_("règle"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    topic = models.CharField(
        _("sujet"),
        max_length=20,
        default="request_updates",
        help_text=_("Le sujet des préférences de communication dont relève ce message."),
    )
    group_key = models.CharField(
        _("envoi groupé"),
        max_length=80,
        blank=True,
        help_text=_("Par exemple « notice:12 » pour toutes les notifications d’un avis."),
    )
    is_emergency = models.BooleanField(
        _("urgence"),
        default=False,
        help_text=_("Une urgence passe outre les heures de silence."),
    )
    subject = models.CharField(_("objet"), max_length=255, blank=True)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("lien"), max_length=500, blank=True)
    # Unique through Meta.constraints (unique=True would add an unused pattern-ops index).
    dedup_key = models.CharField(_("clé d’unicité"), max_length=200)
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )  # notification_relay_idx (status, queued_at) serves the reads by status
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    not_before = models.DateTimeField(_("pas avant"), null=True, blank=True)
    queued_at = models.DateTimeField(_("mise en file le"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("prise en charge le"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)
    # The provider's id of the message (a Twilio MessageSid): its delivery reports name it.
    # db_default: the bulk writers' INSERT … unnest(…) names only the columns a notice uses.
    provider_id = models.CharField(
        _("identifiant chez le fournisseur"),
        max_length=64,
        blank=True,
        default="",
        db_default="",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ("-created_at",)
        # Every index costs each of the thousands of rows a notice fans out to.
        constraints = [
            models.UniqueConstraint(fields=["dedup_key"], name="notification_dedup_key_unique")
        ]
        indexes = [
            models.Index(
                fields=["group_key"],
                condition=~models.Q(group_key=""),
                name="notification_group_idx",
            ),
            models.Index(fields=["status", "queued_at"], name="notification_relay_idx"),
            models.Index(
                fields=["recipient", "channel", "-created_at"], name="notification_inbox_idx"
            ),
            # The SMS provider's status callbacks find their text by its id; only texts
            # carry one, so the rows of an e-mail notice cost this index nothing.
            models.Index(
                fields=["provider_id"],
                condition=~models.Q(provider_id=""),
                name="notification_provider_idx",
            ),
        ]

    def __str__(self) -> str:
        # No address: the outbox is listed to operators, who need no one's contact details.
        return f"{self.get_channel_display()} n° {self.pk} ({self.kind})"


class RuleEvent(models.TextChoices):
    """Events of a request that a notification rule can listen to. The values are the
    ``kind`` the request services pass to ``outbox_for_request_event``."""

    REQUEST_RECEIVED = "request_received", _("Requête reçue")
    STATE_CHANGED = "state_changed", _("Changement d’état")
    PUBLIC_REPLY = "public_reply", _("Réponse publique au citoyen")
    REQUEST_MERGED = "request_merged", _("Requête jumelée")
    SLA_WARNING = "sla_warning", _("Échéance bientôt dépassée")
    SLA_BREACHED = "sla_breached", _("Échéance dépassée")


class NotificationRule(models.Model):
    """Who hears about an event of a request, on which channels, with which words.

    Everything here is data an administrator edits: the event, conditions as field filters
    (an empty filter matches everything), recipients, channels and bilingual templates with
    named placeholders such as ``{{ reference }}`` (see ``placeholders.PLACEHOLDERS``).
    """

    name = models.CharField(_("nom"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)
    event = models.CharField(_("événement"), max_length=30, choices=RuleEvent.choices)
    # Conditions ---------------------------------------------------------------------------
    request_types = models.ManyToManyField(
        "service_requests.RequestType",
        verbose_name=_("types de requête"),
        blank=True,
        related_name="+",
        help_text=_("Vide : tous les types."),
    )
    request_groups = models.ManyToManyField(
        "service_requests.RequestGroup",
        verbose_name=_("groupes de types"),
        blank=True,
        related_name="+",
        help_text=_("Vide : tous les groupes."),
    )
    states = models.ManyToManyField(
        "service_requests.State",
        verbose_name=_("états atteints"),
        blank=True,
        related_name="+",
        help_text=_("L’état dans lequel se trouve la requête après l’événement. Vide : tous."),
    )
    zones = models.ManyToManyField(
        "places.Zone",
        verbose_name=_("zones"),
        blank=True,
        related_name="+",
        help_text=_("La requête doit être située dans l’une de ces zones. Vide : partout."),
    )
    priorities = models.JSONField(
        _("priorités"), default=list, blank=True, help_text=_("Vide : toutes les priorités.")
    )
    submission_channels = models.JSONField(
        _("canaux de dépôt"), default=list, blank=True, help_text=_("Vide : tous les canaux.")
    )
    # Recipients ---------------------------------------------------------------------------
    to_requester = models.BooleanField(_("le demandeur"), default=True)
    to_followers = models.BooleanField(
        _("les abonnés de la requête"),
        default=False,
        help_text=_(
            "Les personnes qui suivent une requête faite par une autre reçoivent le message "
            "aux abonnés ci-dessous, jamais celui du demandeur."
        ),
    )
    to_assignee = models.BooleanField(_("l’agent responsable"), default=False)
    to_team = models.BooleanField(
        _("l’équipe responsable"),
        default=False,
        help_text=_("Le courriel de l’équipe s’il est indiqué, sinon chacun de ses membres."),
    )
    fixed_addresses = models.TextField(
        _("adresses fixes"), blank=True, help_text=_("Une adresse courriel par ligne.")
    )
    # Channels and words -----------------------------------------------------------------------
    channels = models.JSONField(_("canaux"), default=list)
    subject_fr = models.CharField(_("objet (français)"), max_length=255)
    subject_en = models.CharField(_("objet (anglais)"), max_length=255, blank=True)
    body_fr = models.TextField(_("message (français)"))
    body_en = models.TextField(_("message (anglais)"), blank=True)
    # Followers get their own words, with their own placeholders (placeholders.
    # FOLLOWER_PLACEHOLDERS): nothing of the requester can be put in them.
    follower_subject_fr = models.CharField(
        _("objet aux abonnés (français)"), max_length=255, blank=True
    )
    follower_subject_en = models.CharField(
        _("objet aux abonnés (anglais)"), max_length=255, blank=True
    )
    follower_body_fr = models.TextField(_("message aux abonnés (français)"), blank=True)
    follower_body_en = models.TextField(_("message aux abonnés (anglais)"), blank=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("règle de notification")
        verbose_name_plural = _("règles de notification")
        ordering = ("event", "order", "pk")

    def __str__(self) -> str:
        return self.name

    @property
    def tells_followers(self) -> bool:
        """Whether the followers are among the recipients, with words of their own (a rule
        saved without them, outside the admin's validation, tells them nothing)."""
        return bool(self.to_followers and self.follower_subject_fr and self.follower_body_fr)

    def fixed_address_list(self) -> list[str]:
        return [line.strip() for line in self.fixed_addresses.splitlines() if line.strip()]

    def clean(self) -> None:
        from .placeholders import validate_rule

        validate_rule(self)


class EmailSuppression(models.Model):
    """An address that followed an unsubscribe link without an account (a guest), for one
    topic or for every topic (``topic="*"``); or an address whose mailbox reported one of our
    e-mails as spam (a complaint, ``topic="*"``: no more e-mail of the outbox to it until its
    owner asks for it again on her preferences page)."""

    class Reason(models.TextChoices):
        LINK = "link", _("Lien de désabonnement")
        COMPLAINT = "complaint", _("Plainte (courriel signalé comme indésirable)")

    email = models.EmailField(_("courriel"))
    topic = models.CharField(_("sujet"), max_length=20)
    reason = models.CharField(
        _("motif"), max_length=10, choices=Reason.choices, default=Reason.LINK
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("désabonnement par courriel")
        verbose_name_plural = _("désabonnements par courriel")
        constraints = [
            models.UniqueConstraint(fields=["email", "topic"], name="email_suppression_unique")
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.topic})"


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

    def clean(self) -> None:
        from .push_endpoints import validate_push_endpoint

        validate_push_endpoint(kind=self.kind, endpoint=self.endpoint)


class SlaAlert(models.Model):
    """The SLA scan announced this due date of this request (a warning or a breach).

    One row per request, kind and due date, written in the transaction of the outbox rows it
    causes: a rerun of the scan, a second scanner or a retried task finds it and sends
    nothing; a new due date (the clock paused and resumed, a new target) may warn again.
    """

    request = models.ForeignKey(
        "service_requests.ServiceRequest",
        verbose_name=_("requête"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(
        _("nature"),
        max_length=20,
        choices=[
            (RuleEvent.SLA_WARNING.value, RuleEvent.SLA_WARNING.label),
            (RuleEvent.SLA_BREACHED.value, RuleEvent.SLA_BREACHED.label),
        ],
    )
    due_at = models.DateTimeField(_("échéance"))
    created_at = models.DateTimeField(_("envoyée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("avis d’échéance")
        verbose_name_plural = _("avis d’échéance")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "kind", "due_at"], name="sla_alert_once_per_due_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"


class ReplyAddress(models.Model):
    """The address a person answers to about one request: ``reponse+<token>@…``.

    One per request and recipient (an account, or a guest's e-mail). The token is derived
    from the row's random nonce with the site's secret key, so the database alone does not
    give a working address; only its SHA-256 is looked up when mail arrives. Revoking it
    (``revoked_at``) refuses every later reply to it; the next e-mail about the request
    carries a new one. It stops working with the request's retention period (the purge of
    a closed request's personal data deletes it)."""

    request = models.ForeignKey(
        "service_requests.ServiceRequest",
        verbose_name=_("requête"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destinataire"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The address the e-mails went to: a reply from any other is held for staff review.
    email = models.EmailField(_("courriel du destinataire"))
    recipient_key = models.CharField(max_length=40)
    nonce = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("adresse de réponse")
        verbose_name_plural = _("adresses de réponse")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "recipient_key"],
                condition=models.Q(revoked_at__isnull=True),
                name="reply_address_one_in_force",
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.recipient_key}"


class DeliveryReceipt(models.Model):
    """What came back about a notification: a delivery status notification (a bounce), a
    complaint, or a provider's delivery report."""

    class Kind(models.TextChoices):
        DELIVERED = "delivered", _("Livré")
        HARD_BOUNCE = "hard_bounce", _("Non livrable (définitif)")
        SOFT_BOUNCE = "soft_bounce", _("Non livré (temporaire)")
        COMPLAINT = "complaint", _("Plainte (pourriel)")

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="receipts",
    )
    address = models.CharField(_("adresse"), max_length=320)
    kind = models.CharField(_("nature"), max_length=12, choices=Kind.choices)
    status_code = models.CharField(_("code d’état"), max_length=20, blank=True)
    detail = models.TextField(_("détail"), blank=True)
    # A text's report that came before its text was recorded as sent names the provider's id
    # of the text: it waits here, unlinked, until the worker records that id (bounces.py).
    provider_id = models.CharField(
        _("identifiant chez le fournisseur"), max_length=64, blank=True, default=""
    )
    created_at = models.DateTimeField(_("reçu le"), auto_now_add=True)

    class Meta:
        verbose_name = _("avis de livraison")
        verbose_name_plural = _("avis de livraison")
        indexes = [
            models.Index(
                fields=["provider_id"],
                condition=models.Q(notification__isnull=True) & ~models.Q(provider_id=""),
                name="receipt_waiting_provider_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.notification_id}"


class UndeliverableAddress(models.Model):
    """An e-mail address that bounced for good: no more mail goes to it until the person
    gives another (the row names the address, not the person, so a new address is free)."""

    email = models.CharField(_("courriel"), max_length=320, unique=True)
    status_code = models.CharField(_("code d’état"), max_length=20, blank=True)
    detail = models.TextField(_("détail"), blank=True)
    created_at = models.DateTimeField(_("depuis le"), auto_now_add=True)

    class Meta:
        verbose_name = _("adresse non livrable")
        verbose_name_plural = _("adresses non livrables")

    def __str__(self) -> str:
        return self.email


class UndeliverableNumber(models.Model):
    """A phone number the SMS provider reported unreachable for good (not a number, not a
    mobile, unknown to its carrier): no more texts go to it until the person gives another
    (the row names the number, not the person)."""

    number = models.CharField(_("numéro"), max_length=20, unique=True)
    status_code = models.CharField(_("code d’erreur"), max_length=20, blank=True)
    detail = models.TextField(_("détail"), blank=True)
    created_at = models.DateTimeField(_("depuis le"), auto_now_add=True)

    class Meta:
        verbose_name = _("numéro non joignable par texto")
        verbose_name_plural = _("numéros non joignables par texto")

    def __str__(self) -> str:
        return self.number


class SmsOptOut(models.Model):
    """A number that texted STOP (ARRÊT, ARRET, DESABONNER): no more texts to it, whoever's
    account it is on, until it texts START."""

    number = models.CharField(_("numéro"), max_length=20, unique=True)
    created_at = models.DateTimeField(_("depuis le"), auto_now_add=True)

    class Meta:
        verbose_name = _("numéro désabonné des textos")
        verbose_name_plural = _("numéros désabonnés des textos")

    def __str__(self) -> str:
        return self.number
