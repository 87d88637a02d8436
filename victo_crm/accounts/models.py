from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from victo_crm.core.models import Localized, TimeStampedModel


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class Language(models.TextChoices):
    FR = "fr", _("Français")
    EN = "en", _("English")


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a citizen or a staff member. E-mail is the login."""

    email = models.EmailField(_("courriel"), unique=True)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    phone = models.CharField(_("téléphone"), max_length=32, blank=True)
    address = models.ForeignKey(
        "places.Address",
        verbose_name=_("adresse postale"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
        help_text=_("Choisie dans le registre des adresses, pour connaître les zones."),
    )
    address_unit = models.CharField(_("appartement"), max_length=20, blank=True)
    preferred_language = models.CharField(
        _("langue préférée"), max_length=2, choices=Language.choices, default=Language.FR
    )
    is_staff = models.BooleanField(
        _("accès à l’administration"),
        default=False,
        help_text=_("Permet d’ouvrir le site d’administration."),
    )
    is_active = models.BooleanField(_("actif"), default=True)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ("last_name", "first_name", "email")

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email


class Team(TimeStampedModel):
    """A service of the town that handles requests (Travaux publics, Environnement, …)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_fr = models.CharField(_("nom (français)"), max_length=120)
    name_en = models.CharField(_("nom (anglais)"), max_length=120, blank=True)
    name = Localized()
    email = models.EmailField(_("courriel de l’équipe"), blank=True)
    members = models.ManyToManyField(
        User, verbose_name=_("membres"), related_name="teams", blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("équipe")
        verbose_name_plural = _("équipes")
        ordering = ("name_fr",)

    def __str__(self) -> str:
        return self.name


class Topic(models.TextChoices):
    """What a citizen may hear about."""

    REQUEST_UPDATES = "request_updates", _("Suivi de mes requêtes")
    COLLECTIONS = "collections", _("Collectes")
    ROAD_WORKS = "road_works", _("Travaux routiers")
    EMERGENCIES = "emergencies", _("Urgences")
    CITY_NEWS = "city_news", _("Nouvelles de la Ville")


class Channel(models.TextChoices):
    """How a citizen may hear about it."""

    EMAIL = "email", _("Courriel")
    SMS = "sms", _("Texto")
    PUSH = "push", _("Notification sur l’appareil")
    IN_APP = "in_app", _("Dans le portail")


class CommunicationPreference(models.Model):
    """One row per (topic, channel) the citizen turned on or off.

    A missing row means the default of ``accounts.preferences.DEFAULTS``: the most private
    setting, except what a request the citizen filed needs (its updates by e-mail and in the
    portal).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="preferences")
    topic = models.CharField(_("sujet"), max_length=20, choices=Topic.choices)
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(_("activé"), default=False)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("préférence de communication")
        verbose_name_plural = _("préférences de communication")
        constraints = [
            models.UniqueConstraint(fields=["user", "topic", "channel"], name="preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.topic}/{self.channel}={self.enabled}"


class ConsentPurpose(models.TextChoices):
    SMS = "sms", _("Recevoir des textos au numéro indiqué")
    PUSH = "push", _("Recevoir des notifications sur mes appareils")
    GEOLOCATION = "geolocation", _("Utiliser ma position pour situer une requête")
    SURVEYS = "surveys", _("Être invité à des sondages de satisfaction")
    CITY_NEWS = "city_news", _("Recevoir les nouvelles de la Ville")


class Consent(models.Model):
    """Consent per purpose (Law 25): who agreed to what version of the text, and when; a
    withdrawal keeps the row and sets ``withdrawn_at``; a new agreement is a new row."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("finalité"), max_length=20, choices=ConsentPurpose.choices)
    version = models.CharField(_("version du texte"), max_length=20, default="2026-1")
    given_at = models.DateTimeField(_("donné le"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("retiré le"), null=True, blank=True)

    class Meta:
        verbose_name = _("consentement")
        verbose_name_plural = _("consentements")
        ordering = ("-given_at",)
        indexes = [models.Index(fields=["user", "purpose", "withdrawn_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.purpose} v{self.version}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None
