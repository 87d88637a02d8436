"""Configuration of the desk in the admin: reply templates, assignment rules, and the access
log that administrators read."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from victo_crm.accounts import roles
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
    """Read-only, for administrators: who looked at which citizen's data, when."""

    list_display = ("at", "user", "what", "request", "citizen", "detail")
    list_filter = ("what",)
    list_select_related = ("user", "request", "citizen")
    search_fields = ("user__email", "citizen__email", "request__reference")
    date_hierarchy = "at"
    show_full_result_count = False
    readonly_fields = ("at", "user", "what", "request", "citizen", "detail")

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
