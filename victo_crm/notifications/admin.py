from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from victo_crm.core.privacy import mask_contacts
from victo_crm.service_requests.models import Channel as SubmissionChannel
from victo_crm.service_requests.models import Priority, ServiceRequest

from . import services
from .models import (
    Notification,
    NotificationChannel,
    NotificationRule,
    NotificationStatus,
)
from .placeholders import (
    FOLLOWER_PLACEHOLDERS,
    FOLLOWER_TEMPLATE_FIELDS,
    FOLLOWERS,
    PLACEHOLDERS,
    REQUESTER,
    TEMPLATE_FIELDS,
    template_errors,
)
from .selectors import RuleConditions


def _placeholder_help(placeholders: dict[str, Any] = PLACEHOLDERS) -> str:
    return "; ".join(f"{{{{ {name} }}}} : {label}" for name, label in placeholders.items())


def _recipient_labels(recipients: list[services.Recipient]) -> list[str]:
    """Staff by their e-mail (configuration: the team, the assignee, fixed addresses); the
    citizens a rule reaches (requester, followers) only counted."""
    labels = [r.email for r in recipients if r.staff]
    citizens = sum(1 for r in recipients if not r.staff)
    if citizens:
        labels.append(
            ngettext(
                "%(count)d citoyen (demandeur ou abonné)",
                "%(count)d citoyens (demandeur ou abonnés)",
                citizens,
            )
            % {"count": citizens}
        )
    return labels


class NotificationRuleForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=_("canaux"),
        choices=NotificationChannel.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    priorities = forms.TypedMultipleChoiceField(
        label=_("priorités"),
        choices=Priority.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Aucune case cochée : toutes les priorités."),
    )
    submission_channels = forms.MultipleChoiceField(
        label=_("canaux de dépôt"),
        choices=SubmissionChannel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Aucune case cochée : tous les canaux."),
    )
    preview_reference = forms.CharField(
        label=_("aperçu pour la requête"),
        required=False,
        help_text=_("Numéro d’une requête (2026-000123), puis le bouton « Aperçu »."),
    )
    preview_language = forms.ChoiceField(
        label=_("langue de l’aperçu"),
        choices=[("fr", "Français"), ("en", "English")],
        required=False,
    )

    class Meta:
        model = NotificationRule
        fields = (
            "name",
            "event",
            "is_active",
            "order",
            "request_types",
            "request_groups",
            "states",
            "zones",
            "priorities",
            "submission_channels",
            "to_requester",
            "to_followers",
            "to_assignee",
            "to_team",
            "fixed_addresses",
            "channels",
            "subject_fr",
            "body_fr",
            "subject_en",
            "body_en",
            "follower_subject_fr",
            "follower_body_fr",
            "follower_subject_en",
            "follower_body_en",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.preview: dict[str, Any] | None = None
        for name in TEMPLATE_FIELDS:
            self.fields[name].help_text = _placeholder_help() if name == "body_fr" else ""
        for name in FOLLOWER_TEMPLATE_FIELDS:
            self.fields[name].help_text = (
                _placeholder_help(FOLLOWER_PLACEHOLDERS) if name == "follower_body_fr" else ""
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # A broken template is refused here, before a preview would render it.
        for names, audience in (
            (TEMPLATE_FIELDS, REQUESTER),
            (FOLLOWER_TEMPLATE_FIELDS, FOLLOWERS),
        ):
            for name in names:
                problems = template_errors(data[name], audience=audience) if name in data else []
                if problems:
                    self.add_error(name, problems)
        if "_preview" in self.data and not self.errors:
            self._make_preview(data)
            # Stop the save: a preview never changes the rule.
            raise ValidationError(_("Aperçu affiché ci-dessous; rien n’a été enregistré."))
        return data

    def _make_preview(self, data: dict[str, Any]) -> None:
        reference = (data.get("preview_reference") or "").strip()
        request = (
            ServiceRequest.objects.select_related("request_type", "state", "team", "citizen")
            .filter(reference=reference)
            .first()
        )
        if request is None:
            self.add_error("preview_reference", _("Aucune requête ne porte ce numéro."))
            return
        rule = NotificationRule(
            **{
                name: data.get(name)
                for name in (
                    "name",
                    "event",
                    "subject_fr",
                    "subject_en",
                    "body_fr",
                    "body_en",
                    "follower_subject_fr",
                    "follower_subject_en",
                    "follower_body_fr",
                    "follower_body_en",
                    "to_requester",
                    "to_followers",
                    "to_assignee",
                    "to_team",
                    "fixed_addresses",
                    "channels",
                )
            }
        )
        conditions = RuleConditions(
            request_types={o.pk for o in data.get("request_types") or []},
            request_groups={o.pk for o in data.get("request_groups") or []},
            states={o.pk for o in data.get("states") or []},
            zones={o.pk for o in data.get("zones") or []},
            priorities=set(data.get("priorities") or []),
            submission_channels=set(data.get("submission_channels") or []),
        )
        matches = conditions.match(request, request.zones.values_list("pk", flat=True))
        language = data.get("preview_language") or "fr"
        recipients = services.rule_recipients(rule, request)
        self.preview = {
            **services.rule_preview(rule=rule, request=request, language=language),
            "matches": matches,
            "recipients": _recipient_labels([r for r in recipients if not r.follower]),
            "reference": request.reference,
        }
        if rule.tells_followers:
            # The followers' own message, rendered with their values only: what the
            # administrator checks before saving is exactly what a follower would get.
            self.preview["followers"] = {
                **services.rule_preview(
                    rule=rule, request=request, language=language, audience=FOLLOWERS
                ),
                "recipients": _recipient_labels([r for r in recipients if r.follower]),
            }


@admin.register(NotificationRule)
class NotificationRuleAdmin(admin.ModelAdmin):
    form = NotificationRuleForm
    change_form_template = "admin/notifications/notificationrule/change_form.html"
    list_display = ("name", "event", "channel_list", "is_active", "order")
    list_filter = ("event", "is_active")
    list_editable = ("is_active", "order")
    search_fields = ("name", "subject_fr", "body_fr")
    filter_horizontal = ("request_types", "request_groups", "states", "zones")
    fieldsets = (
        (None, {"fields": ("name", "event", "is_active", "order")}),
        (
            _("Conditions (vides : toutes)"),
            {
                "fields": (
                    "request_types",
                    "request_groups",
                    "states",
                    "zones",
                    "priorities",
                    "submission_channels",
                )
            },
        ),
        (
            _("Destinataires"),
            {
                "fields": (
                    "to_requester",
                    "to_followers",
                    "to_assignee",
                    "to_team",
                    "fixed_addresses",
                )
            },
        ),
        (
            _("Canaux et messages"),
            {"fields": ("channels", "subject_fr", "body_fr", "subject_en", "body_en")},
        ),
        (
            _("Message aux abonnés"),
            {
                "description": _(
                    "Envoyé aux personnes qui suivent la requête d’une autre, si « les abonnés "
                    "de la requête » est coché : seulement ce qui est public de la requête (son "
                    "état, un message de la Ville publié aux abonnés), jamais le nom, les "
                    "coordonnées ou les mots du demandeur."
                ),
                "fields": (
                    "follower_subject_fr",
                    "follower_body_fr",
                    "follower_subject_en",
                    "follower_body_en",
                ),
            },
        ),
        (_("Aperçu"), {"fields": ("preview_reference", "preview_language")}),
    )

    @admin.display(description=_("canaux"))
    def channel_list(self, obj: NotificationRule) -> str:
        labels = dict(NotificationChannel.choices)
        return ", ".join(str(labels.get(c, c)) for c in obj.channels or [])


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, for administrators who follow deliveries and retry failures. It names no
    one: no recipient, address, subject, body, link or context (``core.privacy``); the
    request is named by its reference, read in the desk where its reading is logged."""

    list_display = ("created_at", "channel", "kind", "reference", "status", "attempts", "reason")
    list_filter = ("status", "channel", "kind", "is_emergency")
    search_fields = ("=request__reference",)
    search_help_text = _("Numéro de requête exact (2026-000123).")
    date_hierarchy = "created_at"
    actions = ("retry_failed",)
    list_select_related = ("request",)
    show_full_result_count = False
    fields = (
        "created_at",
        "channel",
        "language",
        "kind",
        "topic",
        "reference",
        "rule",
        "is_emergency",
        "status",
        "attempts",
        "reason",
        "not_before",
        "queued_at",
        "claimed_at",
        "sent_at",
        "read_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("requête"), ordering="request__reference")
    def reference(self, obj: Notification) -> str:
        return obj.request.reference if obj.request_id and obj.request else "—"

    @admin.display(description=_("raison"))
    def reason(self, obj: Notification) -> str:
        return mask_contacts(obj.last_error or "")[:200]

    @admin.action(description=_("Réessayer les notifications en échec"), permissions=["view"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = services.notifications_retry(
            ids=queryset.filter(status=NotificationStatus.FAILED).values_list("pk", flat=True)
        )
        self.message_user(
            request,
            _("%(count)d notification(s) remise(s) en file.") % {"count": count},
            messages.SUCCESS,
        )


# Push devices (tokens) and e-mail suppressions (addresses) are not here: they are a
# citizen's, who manages them in the portal and the app (victo_crm.core.privacy).
