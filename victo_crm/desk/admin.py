"""Configuration of the desk in the admin: reply templates, assignment rules, the access
administrators open to staff beyond their teams, and the access log that they read."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from victo_crm.accounts import roles
from victo_crm.accounts.models import Team, User
from victo_crm.service_requests.grants import AccessGrant
from victo_crm.service_requests.models import AssignmentRule, AssignmentStrategy

from .models import AccessLog, CannedResponse


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ("title", "is_active", "order", "updated_at")
    list_filter = ("is_active", "teams")
    search_fields = ("title", "body_fr", "body_en")
    filter_horizontal = ("teams",)
    fieldsets = (
        (None, {"fields": ("title", "is_active", "order", "teams")}),
        (
            _("Texte"),
            {
                "fields": ("body_fr", "body_en"),
                "description": _(
                    "L’agent choisit la réponse en un clic puis peut la modifier avant de "
                    "l’envoyer. Les variables {citizen_name}, {reference}, {type} et "
                    "{address} sont remplacées par les valeurs de la requête."
                ),
            },
        ),
    )


class AssignmentRuleForm(forms.ModelForm):
    class Meta:
        model = AssignmentRule
        fields = ("name", "order", "is_active", "request_type", "group", "zone", "team", "strategy")
        help_texts = {
            "name": _(
                "Un nom qui dit ce que fait la règle, par exemple « Nids-de-poule du district Est »."
            ),
            "order": _(
                "Les règles sont essayées par ordre croissant; la première dont toutes les "
                "conditions sont remplies l’emporte."
            ),
            "request_type": _("Condition facultative : seulement ce type de requête."),
            "group": _("Condition facultative : seulement les types de ce groupe."),
            "zone": _("Condition facultative : seulement les requêtes situées dans cette zone."),
            "team": _("L’équipe qui reçoit les requêtes visées (obligatoire)."),
            "strategy": _(
                "À l’équipe seulement : la requête attend dans la file de l’équipe. À tour de "
                "rôle ou à l’agent le moins chargé : un agent de l’équipe est choisi "
                "automatiquement (parmi ses membres qui ont le rôle agent)."
            ),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        team = data.get("team")
        if team is None:
            self.add_error("team", _("Choisissez l’équipe qui recevra les requêtes."))
            return data
        if not team.is_active:
            self.add_error("team", _("Cette équipe est inactive : elle ne recevrait rien."))
        rtype, group = data.get("request_type"), data.get("group")
        if rtype is not None and group is not None and rtype.group_id != group.pk:
            self.add_error(
                "group",
                _(
                    "Le type « %(type)s » n’appartient pas au groupe « %(group)s » : la règle ne "
                    "s’appliquerait jamais."
                )
                % {"type": rtype, "group": group},
            )
        if data.get("strategy") in (
            AssignmentStrategy.ROUND_ROBIN,
            AssignmentStrategy.LEAST_LOADED,
        ):
            has_agents = team.members.filter(is_active=True, groups__name=roles.AGENT).exists()
            if not has_agents:
                self.add_error(
                    "strategy",
                    _(
                        "L’équipe « %(team)s » n’a aucun agent actif : choisissez « À l’équipe "
                        "seulement » ou ajoutez des agents à l’équipe."
                    )
                    % {"team": team},
                )
        return data


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(admin.ModelAdmin):
    form = AssignmentRuleForm
    list_display = (
        "name",
        "order",
        "is_active",
        "request_type",
        "group",
        "zone",
        "team",
        "strategy",
    )
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "strategy", "team")
    list_select_related = ("request_type", "group", "zone", "team")
    search_fields = ("name",)
    ordering = ("order", "pk")


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only, for administrators: who looked at which citizen's data, when. The citizen
    is named by number (find their rows by their exact e-mail); what they submitted is read
    in the desk."""

    list_display = ("at", "user", "what", "request", "citizen_label", "detail")
    list_filter = ("what",)
    list_select_related = ("user", "request")
    search_fields = ("user__email", "=citizen__email", "=request__reference")
    search_help_text = _(
        "Courriel d’un membre du personnel, courriel exact d’un citoyen ou numéro exact "
        "d’une requête."
    )
    date_hierarchy = "at"
    show_full_result_count = False
    fields = ("at", "user", "what", "request", "citizen_label", "detail")
    readonly_fields = fields

    @admin.display(description=_("citoyen"), ordering="citizen_id")
    def citizen_label(self, obj: AccessLog) -> str:
        if obj.citizen_id is None:
            return "—"
        return str(_("citoyen n° %(id)s") % {"id": obj.citizen_id})

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_administrator(request.user)  # type: ignore[arg-type]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.is_administrator(request.user)  # type: ignore[arg-type]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AdministratorsOnly:
    """Only administrators see and change this in the admin."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.is_administrator(request.user)  # type: ignore[arg-type]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_administrator(request.user)  # type: ignore[arg-type]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return roles.is_administrator(request.user)  # type: ignore[arg-type]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_administrator(request.user)  # type: ignore[arg-type]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_administrator(request.user)  # type: ignore[arg-type]


class AccessGrantForm(forms.ModelForm):
    class Meta:
        model = AccessGrant
        fields = (
            "team",
            "grantee_team",
            "grantee",
            "level",
            "request_types",
            "zones",
            "ends_on",
            "reason",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        # Only staff who use the desk can be given access; the others are not offered.
        fields["grantee"].queryset = (
            User.objects.filter(is_active=True, groups__name__in=(roles.AGENT, roles.SUPERVISOR))
            .exclude(Q(is_superuser=True) | Q(groups__name=roles.ADMINISTRATOR))
            .distinct()
            .order_by("last_name", "first_name", "email")
        )
        active_teams = Team.objects.filter(is_active=True)
        if self.instance.pk:
            # An inactive team already named stays selectable, so the grant can be saved.
            keep = [self.instance.team_id, self.instance.grantee_team_id]
            active_teams = Team.objects.filter(Q(is_active=True) | Q(pk__in=keep))
        fields["team"].queryset = active_teams
        fields["grantee_team"].queryset = active_teams

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        types, zones = data.get("request_types"), data.get("zones")
        team = data.get("team")
        if team is not None and types:
            # A type routed elsewhere may still have requests in the team (reassigned ones),
            # so it is allowed; a type that never had any is almost surely a mistake.
            from victo_crm.service_requests.models import ServiceRequest

            unused = [
                t
                for t in types
                if t.team_id != team.pk
                and not ServiceRequest.objects.filter(team=team, request_type=t).exists()
            ]
            if unused:
                self.add_error(
                    "request_types",
                    _(
                        "L’équipe %(team)s n’a aucune requête de ces types : %(types)s. "
                        "L’accès n’ouvrirait rien pour eux; retirez-les ou choisissez une "
                        "autre équipe."
                    )
                    % {"team": team, "types": ", ".join(str(t) for t in unused)},
                )
        if zones is not None and len(zones) > 50:
            self.add_error("zones", _("Au plus 50 zones par accès."))
        return data


class LiveFilter(admin.SimpleListFilter):
    title = _("en vigueur")
    parameter_name = "en_vigueur"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("oui", _("En vigueur")), ("non", _("Expirés"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        if self.value() == "oui":
            return queryset.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        if self.value() == "non":
            return queryset.filter(ends_on__lt=today)
        return queryset


@admin.register(AccessGrant)
class AccessGrantAdmin(AdministratorsOnly, admin.ModelAdmin):
    """Administrators open another team's requests to a team or to one agent."""

    form = AccessGrantForm
    list_display = ("team_label", "grantee_label", "level", "narrowed", "validity", "reason")
    list_filter = (LiveFilter, "level", "team")
    list_select_related = ("team", "grantee_team", "grantee")
    search_fields = ("reason", "grantee__email", "grantee__last_name", "team__name_fr")
    filter_horizontal = ("request_types", "zones")
    radio_fields = {"level": admin.VERTICAL}
    readonly_fields = ("created_by", "created_at", "updated_at")
    fieldsets = (
        (
            _("Quelles requêtes"),
            {
                "fields": ("team", "request_types", "zones"),
                "description": _(
                    "Les requêtes de cette équipe, au moment où on les consulte (une requête "
                    "attribuée à une autre équipe en sort). Sans type ni zone : toutes."
                ),
            },
        ),
        (
            _("À qui"),
            {
                "fields": ("grantee_team", "grantee"),
                "description": _("Une équipe ou une personne, pas les deux."),
            },
        ),
        (None, {"fields": ("level", "ends_on", "reason")}),
        (_("Suivi"), {"fields": ("created_by", "created_at", "updated_at")}),
    )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets if obj is not None else fieldsets[:-1]  # nothing to follow yet

    def get_queryset(self, request: HttpRequest) -> QuerySet[AccessGrant]:
        return super().get_queryset(request).prefetch_related("request_types", "zones")

    @admin.display(description=_("de l’équipe"), ordering="team__name_fr")
    def team_label(self, obj: AccessGrant) -> str:
        return str(obj.team)

    @admin.display(description=_("à"))
    def grantee_label(self, obj: AccessGrant) -> str:
        return str(obj.grantee or obj.grantee_team)

    @admin.display(description=_("validité"), ordering="ends_on")
    def validity(self, obj: AccessGrant) -> str:
        if obj.ends_on is None:
            return str(_("sans fin"))
        when = date_format(obj.ends_on, "j F Y")
        if obj.is_live():
            return str(_("jusqu’au %(date)s") % {"date": when})
        return str(_("expiré (fin le %(date)s)") % {"date": when})

    @admin.display(description=_("limité à"))
    def narrowed(self, obj: AccessGrant) -> str:
        names = [str(t) for t in obj.request_types.all()] + [z.name for z in obj.zones.all()]
        return ", ".join(names) or str(_("tout"))

    def save_model(self, request: HttpRequest, obj: AccessGrant, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
