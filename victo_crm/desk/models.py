"""The desk's own data: reply templates and the log of staff looking at personal data. (The
access that administrators open to staff beyond their own teams is the requests':
``service_requests.grants``.)"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from victo_crm.core.models import TimeStampedModel

if TYPE_CHECKING:
    from victo_crm.service_requests.models import ServiceRequest

PLACEHOLDERS = ("citizen_name", "reference", "type", "address")
PLACEHOLDER_RE = re.compile(r"\{([a-zA-Z_]+)\}")


class CannedResponse(TimeStampedModel):
    """A reply template an agent picks in one click, then edits before sending.

    Placeholders between braces are filled from the request: {citizen_name}, {reference},
    {type} and {address}. Any other name between braces is refused when saving.
    """

    title = models.CharField(_("titre"), max_length=120)
    body_fr = models.TextField(
        _("texte (français)"),
        help_text=_(
            "Variables permises : {citizen_name}, {reference}, {type}, {address}. "
            "Elles sont remplacées par les valeurs de la requête."
        ),
    )
    body_en = models.TextField(
        _("texte (anglais)"),
        blank=True,
        help_text=_("Utilisé pour les citoyens qui ont choisi l’anglais; sinon le français."),
    )
    teams = models.ManyToManyField(
        "accounts.Team",
        verbose_name=_("équipes"),
        blank=True,
        related_name="canned_responses",
        help_text=_("Laisser vide pour l’offrir à toutes les équipes."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("réponse type")
        verbose_name_plural = _("réponses types")
        ordering = ("order", "title")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for field in ("body_fr", "body_en"):
            unknown = sorted(
                {
                    name
                    for name in PLACEHOLDER_RE.findall(getattr(self, field))
                    if name not in PLACEHOLDERS
                }
            )
            if unknown:
                errors[field] = [
                    _("Variables inconnues : %(names)s. Variables permises : %(allowed)s.")
                    % {
                        "names": ", ".join(f"{{{name}}}" for name in unknown),
                        "allowed": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
                    }
                ]
        if errors:
            raise ValidationError(errors)

    def render(self, request: ServiceRequest) -> str:
        """The text in the request's language with its placeholders filled."""
        body = self.body_en if request.language == "en" and self.body_en else self.body_fr
        values = {
            "citizen_name": request.contact_name,
            "reference": request.reference,
            "type": request.request_type.name_en
            if request.language == "en" and request.request_type.name_en
            else request.request_type.name_fr,
        }
        with translation.override(request.language or "fr"):
            values["address"] = request.place_label
        return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), body)


class AccessWhat(models.TextChoices):
    REQUEST_PAGE = "request_page", _("Fiche d’une requête")
    PHOTO = "photo", _("Photo d’une requête")
    CITIZEN_SEARCH = "citizen_search", _("Recherche de citoyens")
    EXPORT = "export", _("Exportation")
    BREAK_GLASS = "break_glass", _("Accès d’urgence ouvert")
    INBOUND_MESSAGE = "inbound_message", _("Courriel ou texto reçu")


class AccessLog(models.Model):
    """One row each time a staff member is shown a citizen's personal data (Law 25)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("membre du personnel"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    request = models.ForeignKey(
        "service_requests.ServiceRequest",
        verbose_name=_("requête"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("citoyen"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    what = models.CharField(_("consultation"), max_length=20, choices=AccessWhat.choices)
    detail = models.CharField(_("détail"), max_length=255, blank=True)
    at = models.DateTimeField(_("le"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("consultation de données personnelles")
        verbose_name_plural = _("journal des consultations")
        ordering = ("-at", "-pk")
        indexes = [
            models.Index(fields=["user", "-at"]),
            models.Index(fields=["request", "-at"]),
            models.Index(fields=["citizen", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.what} {self.at:%Y-%m-%d %H:%M}"
