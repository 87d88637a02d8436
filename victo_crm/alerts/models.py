"""Alert topics, subscriptions, collection calendars and notices: data an administrator
edits in the admin, read by the reminders, the iCal feed and the notice fan-out."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from victo_crm.accounts.models import Topic
from victo_crm.core.models import Localized, TimeStampedModel


class TopicCategory(models.TextChoices):
    COLLECTION = "collection", _("Collecte")
    ROAD_WORKS = "road_works", _("Travaux routiers")
    EMERGENCY = "emergency", _("Urgence")
    NEWS = "news", _("Nouvelles")


# Which communication-preference topic (accounts.Topic) each category answers to.
PREFERENCE_TOPIC = {
    TopicCategory.COLLECTION: Topic.COLLECTIONS,
    TopicCategory.ROAD_WORKS: Topic.ROAD_WORKS,
    TopicCategory.EMERGENCY: Topic.EMERGENCIES,
    TopicCategory.NEWS: Topic.CITY_NEWS,
}


class AlertTopic(models.Model):
    """What a citizen may subscribe to: a collection stream, road works, emergencies…"""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    category = models.CharField(_("catégorie"), max_length=20, choices=TopicCategory.choices)
    name_fr = models.CharField(_("nom (français)"), max_length=120)
    name_en = models.CharField(_("nom (anglais)"), max_length=120, blank=True)
    name = Localized()
    description_fr = models.TextField(_("description (français)"), blank=True)
    description_en = models.TextField(_("description (anglais)"), blank=True)
    description = Localized()
    is_active = models.BooleanField(_("offert aux citoyens"), default=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("sujet d’alerte")
        verbose_name_plural = _("sujets d’alerte")
        ordering = ("order", "name_fr")

    def __str__(self) -> str:
        return self.name

    @property
    def preference_topic(self) -> str:
        return str(PREFERENCE_TOPIC[TopicCategory(self.category)])

    @property
    def is_collection(self) -> bool:
        return self.category == TopicCategory.COLLECTION


class Subscription(TimeStampedModel):
    """A citizen's wish to hear about a topic for an address (their own or one they follow,
    a parent's for instance), on the channels they chose."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("citoyen"),
        on_delete=models.CASCADE,
        related_name="alert_subscriptions",
    )
    topic = models.ForeignKey(
        AlertTopic, verbose_name=_("sujet"), on_delete=models.CASCADE, related_name="subscriptions"
    )
    address = models.ForeignKey(
        "places.Address",
        verbose_name=_("adresse"),
        on_delete=models.CASCADE,
        related_name="alert_subscriptions",
    )
    label = models.CharField(
        _("nom de l’adresse"),
        max_length=80,
        blank=True,
        help_text=_("Par exemple « Chez ma mère »."),
    )
    channels = models.JSONField(_("canaux"), default=list)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("abonnement")
        verbose_name_plural = _("abonnements")
        ordering = ("user", "topic__order", "pk")
        constraints = [
            models.UniqueConstraint(fields=["user", "topic", "address"], name="subscription_unique")
        ]
        indexes = [models.Index(fields=["address", "is_active"], name="subscription_address_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.topic.code} @ {self.address_id}"


# --- Collection calendars -------------------------------------------------------------------


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Chaque semaine")
    BIWEEKLY = "biweekly", _("Une semaine sur deux")
    DATES_ONLY = "dates", _("Seulement aux dates ajoutées (exceptions)")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("lundi")
    TUESDAY = 1, _("mardi")
    WEDNESDAY = 2, _("mercredi")
    THURSDAY = 3, _("jeudi")
    FRIDAY = 4, _("vendredi")
    SATURDAY = 5, _("samedi")
    SUNDAY = 6, _("dimanche")


MONTH_DAY_RE = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


class CollectionCalendar(TimeStampedModel):
    """When one stream (a collection topic) is picked up in one sector.

    The recurrence is a weekday, weekly or every other week (counted from a reference date),
    valid between two dates and optionally only in a seasonal window each year (green
    waste from April to November, for instance). Exceptions shift, cancel or add dates.
    """

    zone = models.ForeignKey(
        "places.Zone",
        verbose_name=_("secteur de collecte"),
        on_delete=models.CASCADE,
        related_name="collection_calendars",
        limit_choices_to={"kind": "collection_sector"},
    )
    topic = models.ForeignKey(
        AlertTopic,
        verbose_name=_("collecte"),
        on_delete=models.CASCADE,
        related_name="calendars",
        limit_choices_to={"category": TopicCategory.COLLECTION},
    )
    frequency = models.CharField(
        _("fréquence"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    weekday = models.PositiveSmallIntegerField(
        _("jour"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    reference_date = models.DateField(
        _("date de référence"),
        help_text=_(
            "Une date de collecte connue : elle fixe les semaines d’une collecte aux deux "
            "semaines, et le début du calendrier."
        ),
    )
    valid_until = models.DateField(_("valide jusqu’au"), null=True, blank=True)
    season_start = models.CharField(
        _("début de saison (MM-JJ)"),
        max_length=5,
        blank=True,
        help_text=_("Par exemple 04-15. Vide : toute l’année."),
    )
    season_end = models.CharField(_("fin de saison (MM-JJ)"), max_length=5, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("calendrier de collecte")
        verbose_name_plural = _("calendriers de collecte")
        ordering = ("zone__name", "topic__order")
        constraints = [
            models.UniqueConstraint(fields=["zone", "topic"], name="calendar_zone_topic_unique")
        ]

    def __str__(self) -> str:
        return f"{self.topic} — {self.zone.name}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for name in ("season_start", "season_end"):
            value = getattr(self, name)
            if value and not MONTH_DAY_RE.match(value):
                errors[name] = [str(_("Écrivez le mois et le jour sous la forme MM-JJ (04-15)."))]
        if bool(self.season_start) != bool(self.season_end):
            errors.setdefault("season_end", []).append(
                str(_("Indiquez le début et la fin de la saison, ou ni l’un ni l’autre."))
            )
        if self.valid_until and self.reference_date and self.valid_until < self.reference_date:
            errors["valid_until"] = [str(_("La fin précède la date de référence."))]
        if (
            self.frequency != Frequency.DATES_ONLY
            and self.reference_date
            and self.reference_date.weekday() != self.weekday
        ):
            errors["reference_date"] = [
                str(_("La date de référence doit tomber le jour de collecte choisi."))
            ]
        if self.zone_id and self.zone.kind != "collection_sector":
            errors["zone"] = [str(_("Choisissez une zone de type « secteur de collecte »."))]
        if errors:
            raise ValidationError(errors)


class ExceptionKind(models.TextChoices):
    MOVED = "moved", _("Déplacée (jour férié)")
    CANCELLED = "cancelled", _("Annulée (tempête, force majeure)")
    ADDED = "added", _("Ajoutée (collecte spéciale)")


class CollectionException(TimeStampedModel):
    """A change to the recurrence on one date.

    Without a calendar it applies to every calendar that collects on that date (a holiday
    shifts every stream of that day, in every sector, and nothing else).
    """

    calendar = models.ForeignKey(
        CollectionCalendar,
        verbose_name=_("calendrier"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="exceptions",
        help_text=_("Vide : tous les calendriers qui collectent ce jour-là."),
    )
    kind = models.CharField(_("nature"), max_length=10, choices=ExceptionKind.choices)
    date = models.DateField(_("date touchée"))
    new_date = models.DateField(
        _("nouvelle date"), null=True, blank=True, help_text=_("Pour une collecte déplacée.")
    )
    reason_fr = models.CharField(_("motif (français)"), max_length=200)
    reason_en = models.CharField(_("motif (anglais)"), max_length=200, blank=True)
    reason = Localized()

    class Meta:
        verbose_name = _("exception au calendrier")
        verbose_name_plural = _("exceptions au calendrier")
        ordering = ("date",)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"

    def clean(self) -> None:
        if self.kind == ExceptionKind.MOVED and not self.new_date:
            raise ValidationError({"new_date": _("Une collecte déplacée a une nouvelle date.")})
        if self.kind != ExceptionKind.MOVED and self.new_date:
            raise ValidationError(
                {"new_date": _("Seule une collecte déplacée a une nouvelle date.")}
            )
        if self.kind == ExceptionKind.ADDED and self.calendar_id is None:
            raise ValidationError(
                {"calendar": _("Une collecte ajoutée appartient à un calendrier.")}
            )
        if self.new_date and self.new_date == self.date:
            raise ValidationError({"new_date": _("La nouvelle date est la même.")})


# --- Notices ----------------------------------------------------------------------------------


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Avertissement")
    EMERGENCY = "emergency", _("Urgence")


class AreaKind(models.TextChoices):
    TOWN = "town", _("Toute la ville")
    ZONES = "zones", _("Des zones")
    STREETS = "streets", _("Une liste de rues")
    RADIUS = "radius", _("Un rayon autour d’un point")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PENDING = "pending", _("En attente d’approbation")
    PUBLISHING = "publishing", _("Envoi en cours")
    PUBLISHED = "published", _("Publié")
    WITHDRAWN = "withdrawn", _("Retiré")


class Notice(TimeStampedModel):
    """A message from staff to the subscribers of a topic in an area, for a period."""

    topic = models.ForeignKey(
        AlertTopic, verbose_name=_("sujet"), on_delete=models.PROTECT, related_name="notices"
    )
    severity = models.CharField(
        _("gravité"), max_length=10, choices=Severity.choices, default=Severity.INFO
    )
    title_fr = models.CharField(_("titre (français)"), max_length=150)
    title_en = models.CharField(_("titre (anglais)"), max_length=150, blank=True)
    title = Localized()
    body_fr = models.TextField(_("message (français)"))
    body_en = models.TextField(_("message (anglais)"), blank=True)
    body = Localized()
    area_kind = models.CharField(
        _("secteur visé"), max_length=10, choices=AreaKind.choices, default=AreaKind.ZONES
    )
    zones = models.ManyToManyField(
        "places.Zone", verbose_name=_("zones"), blank=True, related_name="notices"
    )
    streets = models.TextField(_("rues"), blank=True, help_text=_("Une rue par ligne."))
    latitude = models.FloatField(_("latitude du centre"), null=True, blank=True)
    longitude = models.FloatField(_("longitude du centre"), null=True, blank=True)
    radius_m = models.PositiveIntegerField(_("rayon (mètres)"), null=True, blank=True)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"), null=True, blank=True)
    status = models.CharField(
        _("statut"), max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rédigé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("publication demandée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("publication demandée le"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("publié par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    audience_count = models.PositiveIntegerField(_("personnes visées"), default=0)
    fanout_cursor = models.BigIntegerField(default=0, editable=False)
    fanout_done_at = models.DateTimeField(_("envoi terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("avis")
        verbose_name_plural = _("avis")
        ordering = ("-starts_at", "-pk")
        # A permission of its own: drafting and publishing a local notice is every staff
        # member's job; reaching the whole town, or everyone on every channel past quiet
        # hours, is not (see alerts.selectors.notice_is_broad).
        permissions = [
            (
                "publish_townwide_notice",
                _("Peut publier un avis à toute la ville ou un avis d’urgence"),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_emergency(self) -> bool:
        return self.severity == Severity.EMERGENCY or self.topic.category == TopicCategory.EMERGENCY

    def street_list(self) -> list[str]:
        return [line.strip() for line in self.streets.splitlines() if line.strip()]

    def area_summary(self) -> str:
        """Where the notice applies, in words: "Toute la ville", the zones' or streets'
        names, or the radius."""
        if self.area_kind == AreaKind.TOWN:
            return str(AreaKind.TOWN.label)
        if self.area_kind == AreaKind.ZONES:
            names = [zone.name for zone in self.zones.all()] if self.pk else []
            return ", ".join(names) or str(AreaKind.ZONES.label)
        if self.area_kind == AreaKind.STREETS:
            return ", ".join(self.street_list()) or str(AreaKind.STREETS.label)
        if self.radius_m:
            return str(
                _("Dans un rayon de %(radius)s m autour de %(latitude)s, %(longitude)s")
                % {"radius": self.radius_m, "latitude": self.latitude, "longitude": self.longitude}
            )
        return str(AreaKind.RADIUS.label)


class NoticePolicy(models.Model):
    """How wide notices are published: one row, edited by an administrator in the admin."""

    require_second_approval = models.BooleanField(
        _("exiger l’approbation d’une deuxième personne"),
        default=False,
        help_text=_(
            "Un avis à toute la ville ou d’urgence n’est envoyé qu’après l’approbation d’une "
            "autre personne qui a la permission de publier ces avis."
        ),
    )
    broad_audience_from = models.PositiveIntegerField(
        _("avis large à partir de (personnes visées)"),
        null=True,
        blank=True,
        # Without it, an area drawn round all the town but one street would be local.
        default=5000,
        help_text=_(
            "À partir de ce nombre de personnes visées, un avis est traité comme un avis à "
            "toute la ville, quel que soit son secteur. Vide : seuls les avis à toute la "
            "ville (ou couvrant toutes les adresses) et les avis d’urgence le sont."
        ),
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("règle de publication des avis")
        verbose_name_plural = _("règle de publication des avis")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="notice_policy_single")
        ]

    def __str__(self) -> str:
        return str(_("Règle de publication des avis"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> NoticePolicy:
        """The policy in force; its defaults (no second approval) until an administrator
        saves it."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class NoticeEventKind(models.TextChoices):
    REQUESTED = "requested", _("Approbation demandée")
    APPROVED = "approved", _("Approuvé")
    REJECTED = "rejected", _("Refusé")
    PUBLISHED = "published", _("Publié")
    WITHDRAWN = "withdrawn", _("Retiré")


class NoticeEvent(models.Model):
    """The audit log of notices: one row per publication request, approval, refusal,
    publication and withdrawal, with who, when, and what reach the notice had then. Rows
    are only ever added; a notice that has one can no longer be deleted."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("avis"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("action"), max_length=12, choices=NoticeEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("membre du personnel"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_email = models.EmailField(_("courriel du membre du personnel"), blank=True)
    at = models.DateTimeField(_("le"), auto_now_add=True, db_index=True)
    area_kind = models.CharField(_("secteur visé"), max_length=10, choices=AreaKind.choices)
    area = models.CharField(_("secteur"), max_length=255, blank=True)
    severity = models.CharField(_("gravité"), max_length=10, choices=Severity.choices)
    is_broad = models.BooleanField(_("toute la ville ou urgence"), default=False)
    audience_count = models.PositiveIntegerField(_("personnes visées"), default=0)
    comment = models.TextField(_("commentaire"), blank=True)

    class Meta:
        verbose_name = _("événement d’un avis")
        verbose_name_plural = _("journal des avis")
        ordering = ("-at", "-pk")
        indexes = [models.Index(fields=["notice", "at"], name="notice_event_notice_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.notice_id}"
