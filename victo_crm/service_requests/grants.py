"""Access grants: what an administrator opens to staff beyond their own teams.

They belong with the requests, not with the desk: the workflow engine asks who may act on a
request (``scope.staff_scope``) before every staff action, whichever face calls it. The
table keeps its first name (``desk_accessgrant``), from when the desk owned it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from victo_crm.core.models import TimeStampedModel


class GrantLevel(models.TextChoices):
    READ = "read", _("Consultation seulement")
    ACT = "act", _("Consultation et traitement")


class AccessGrantQuerySet(models.QuerySet["AccessGrant"]):
    def live(self, today: date | None = None) -> AccessGrantQuerySet:
        """Grants still in force: no end date, or an end date not yet past (inclusive)."""
        today = today or timezone.localdate()
        return self.filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=today))


class AccessGrant(TimeStampedModel):
    """What an administrator opens to a team or to one staff member: the requests of another
    team, perhaps only some request types and/or zones, read-only or read-and-act, until an
    optional end date (a replacement during holidays, a joint operation, an audit).

    ``victo_crm.service_requests.scope`` decides every visibility and action right from them;
    an expired grant does nothing. The desk writes views through a grant to its access log.
    """

    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("requêtes de l’équipe"),
        on_delete=models.CASCADE,
        related_name="access_grants_given",
        help_text=_("L’équipe dont les requêtes sont ouvertes."),
    )
    grantee_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("ouvertes à l’équipe"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="access_grants_received",
        help_text=_("Tous les agents et superviseurs de cette équipe en profitent."),
    )
    grantee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ou à la personne"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="access_grants",
        help_text=_("Un agent ou un superviseur seulement (pas toute son équipe)."),
    )
    level = models.CharField(
        _("droits"),
        max_length=10,
        choices=GrantLevel.choices,
        default=GrantLevel.READ,
        help_text=_(
            "Consultation seulement : voir les requêtes et leur historique. Consultation et "
            "traitement : aussi les faire avancer, les attribuer, répondre et écrire des notes, "
            "comme l’équipe elle-même."
        ),
    )
    request_types = models.ManyToManyField(
        "service_requests.RequestType",
        verbose_name=_("types de requêtes"),
        blank=True,
        related_name="+",
        db_table="desk_accessgrant_request_types",
        help_text=_("Seulement ces types. Laisser vide pour tous les types de l’équipe."),
    )
    zones = models.ManyToManyField(
        "places.Zone",
        verbose_name=_("zones"),
        blank=True,
        related_name="+",
        db_table="desk_accessgrant_zones",
        help_text=_(
            "Seulement les requêtes situées dans l’une de ces zones. Laisser vide pour tout le "
            "territoire (une requête sans lieu n’est dans aucune zone)."
        ),
    )
    ends_on = models.DateField(
        _("jusqu’au (inclus)"),
        null=True,
        blank=True,
        help_text=_(
            "Laisser vide pour un accès sans fin. Le lendemain, l’accès ne donne plus rien."
        ),
    )
    reason = models.CharField(
        _("motif"),
        max_length=255,
        blank=True,
        help_text=_("Pourquoi cet accès, par exemple « Remplacement pendant les vacances »."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accordé par"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AccessGrantQuerySet.as_manager()

    class Meta:
        db_table = "desk_accessgrant"
        verbose_name = _("accès accordé")
        verbose_name_plural = _("accès accordés")
        ordering = ("team__name_fr", "-created_at")
        indexes = [
            models.Index(fields=["grantee", "ends_on"], name="desk_grant_grantee"),
            models.Index(fields=["grantee_team", "ends_on"], name="desk_grant_grantee_team"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(grantee__isnull=True, grantee_team__isnull=False)
                    | models.Q(grantee__isnull=False, grantee_team__isnull=True)
                ),
                name="desk_grant_one_grantee",
            ),
        ]

    def __str__(self) -> str:
        return _("%(team)s → %(grantee)s (%(level)s)") % {
            "team": self.team,
            "grantee": self.grantee or self.grantee_team,
            "level": self.get_level_display(),
        }

    def is_live(self, today: date | None = None) -> bool:
        return self.ends_on is None or self.ends_on >= (today or timezone.localdate())

    def clean(self) -> None:
        """Refuse a grant that would open nothing, or open what is already open."""
        errors: dict[str, list[Any]] = defaultdict(list)
        team = self.team if self.team_id else None
        grantee = self.grantee if self.grantee_id else None
        grantee_team = self.grantee_team if self.grantee_team_id else None
        if grantee is None and grantee_team is None:
            errors["grantee_team"].append(
                _("Choisissez à qui ouvrir l’accès : une équipe ou une personne.")
            )
        elif grantee is not None and grantee_team is not None:
            errors["grantee"].append(
                _("Choisissez une équipe ou une personne, pas les deux : faites deux accès.")
            )
        if team is not None and grantee_team is not None and grantee_team.pk == team.pk:
            errors["grantee_team"].append(
                _("Une équipe voit déjà ses propres requêtes : choisissez une autre équipe.")
            )
        if grantee is not None:
            from victo_crm.accounts import roles

            names = roles.role_names(grantee)
            if roles.is_administrator(grantee):
                errors["grantee"].append(
                    _("%(person)s est administrateur et voit déjà toutes les requêtes.")
                    % {"person": grantee}
                )
            elif not grantee.is_active or not names & {roles.AGENT, roles.SUPERVISOR}:
                errors["grantee"].append(
                    _(
                        "%(person)s n’a pas le rôle agent ou superviseur (ou son compte est "
                        "inactif) : le bureau du personnel lui est fermé."
                    )
                    % {"person": grantee}
                )
            elif team is not None and grantee.teams.filter(pk=team.pk).exists():
                errors["grantee"].append(
                    _("%(person)s fait déjà partie de l’équipe %(team)s et voit ses requêtes.")
                    % {"person": grantee, "team": team}
                )
        if self.ends_on is not None and self.ends_on < timezone.localdate():
            previous = (
                AccessGrant.objects.filter(pk=self.pk).values_list("ends_on", flat=True).first()
                if self.pk
                else None
            )
            if previous != self.ends_on:
                errors["ends_on"].append(
                    _("Cette date est déjà passée : l’accès ne donnerait rien.")
                )
        if errors:
            raise ValidationError(dict(errors))
