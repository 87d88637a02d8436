"""Configuration back-office: request types, their fields, workflows.

Workflows are edited on one page (states and transitions inline). Transitions name their
states by code so that a state and the transitions that reach it can be added in the same
save; the whole graph is checked before anything is written.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from victo_crm.core.typography import quoted

from .models import (
    RequestEvent,
    RequestGroup,
    RequestType,
    RequestTypeField,
    ServiceRequest,
    State,
    StateRole,
    Transition,
    Workflow,
)
from .workflows import StateNode, validate_graph

# --- Workflows --------------------------------------------------------------------------------


def _live_forms(formset: BaseInlineFormSet) -> list[forms.ModelForm]:
    """Forms that will exist after the save: filled in and not marked for deletion."""
    return [
        form
        for form in formset.forms
        if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
    ]


class StateFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        codes: list[str] = []
        roles: list[str] = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            instance = form.instance
            if data.get("DELETE"):
                continue
            if data.get("code"):
                if instance.pk and "code" in form.changed_data and instance.requests.exists():
                    form.add_error(
                        "code",
                        _("Des requêtes sont dans cet état : son code ne peut plus changer."),
                    )
                codes.append(data["code"])
            if data.get("role"):
                roles.append(data["role"])
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValidationError(
                _("Codes d’état en double : %(codes)s.") % {"codes": ", ".join(duplicates)}
            )
        doubled = [role for role in StateRole if roles.count(role.value) > 1]
        if doubled:
            raise ValidationError(
                _("Un seul état par rôle : %(roles)s.")
                % {"roles": ", ".join(quoted(str(role.label)) for role in doubled)}
            )


def state_deletion_refusal(state: State) -> str:
    """Why a saved state cannot be deleted ("" when it can)."""
    in_use = state.requests.count()
    if in_use:
        return _(
            "L’état « %(state)s » ne peut pas être supprimé : %(count)d requêtes s’y trouvent. "
            "Déplacez-les d’abord vers un autre état."
        ) % {"state": state.label_fr, "count": in_use}
    if (
        RequestEvent.objects.filter(to_state=state).exists()
        or RequestEvent.objects.filter(from_state=state).exists()
    ):
        return _(
            "L’état « %(state)s » figure dans l’historique de requêtes; il ne peut pas être "
            "supprimé. Retirez plutôt les transitions qui y mènent."
        ) % {"state": state.label_fr}
    return ""


class StateInline(admin.TabularInline):
    model = State
    formset = StateFormSet
    extra = 0

    def get_formset(self, request: HttpRequest, obj: Workflow | None = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        base = formset.form

        class Guarded(base):  # type: ignore[misc, valid-type]
            def hand_clean_DELETE(self) -> None:
                # Counted before Django's own check, which would list every protected
                # request (slow and unreadable with thousands of them).
                if self.cleaned_data.get("DELETE") and self.instance.pk:
                    refusal = state_deletion_refusal(self.instance)
                    if refusal:
                        raise ValidationError(refusal)
                super().hand_clean_DELETE()

        formset.form = Guarded
        return formset

    fields = (
        "order",
        "code",
        "label_fr",
        "label_en",
        "citizen_label_fr",
        "citizen_label_en",
        "is_initial",
        "is_final",
        "role",
        "open311_status",
        "sla_running",
    )


class StateCodeInput(forms.TextInput):
    """A text box suggesting the workflow's state codes: a state added in this same save
    can be typed before it exists; the formset checks every code against the states."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.codes: list[tuple[str, str]] = []

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> Any:
        from django.utils.html import format_html, format_html_join

        list_id = f"{(attrs or {}).get('id') or name}-codes"
        attrs = {**(attrs or {}), "list": list_id, "autocomplete": "off", "size": 14}
        options = format_html_join("", '<option value="{}">{}</option>', self.codes)
        return format_html(
            '{}<datalist id="{}">{}</datalist>',
            super().render(name, value, attrs, renderer),
            list_id,
            options,
        )


class TransitionForm(forms.ModelForm):
    from_code = forms.SlugField(label=_lazy("de l’état (code)"), widget=StateCodeInput)
    to_code = forms.SlugField(label=_lazy("vers l’état (code)"), widget=StateCodeInput)

    class Meta:
        model = Transition
        fields = (
            "order",
            "label_fr",
            "label_en",
            "allowed_groups",
            "citizen_may_fire",
            "takes_charge",
            "comment_required",
            "notify_citizen",
        )

    def __init__(
        self, *args: Any, state_choices: list[tuple[str, str]] | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        for name in ("from_code", "to_code"):
            widget = self.fields[name].widget
            assert isinstance(widget, StateCodeInput)
            widget.codes = list(state_choices or [])
        if self.instance.pk:
            self.fields["from_code"].initial = self.instance.from_state.code
            self.fields["to_code"].initial = self.instance.to_state.code

    def save(self, commit: bool = True) -> Transition:
        # States are saved before transitions (inline order), so new ones exist by now.
        states = State.objects.filter(workflow_id=self.instance.workflow_id)
        self.instance.from_state = states.get(code=self.cleaned_data["from_code"])
        self.instance.to_state = states.get(code=self.cleaned_data["to_code"])
        return super().save(commit)


class TransitionFormSet(BaseInlineFormSet):
    """Validates the workflow's whole graph, with the states formset submitted beside it."""

    states_formset: StateFormSet | None = None

    def clean(self) -> None:
        super().clean()
        states_fs = self.states_formset
        if states_fs is None or not states_fs.is_valid() or any(form.errors for form in self.forms):
            return
        nodes = [
            StateNode(
                form.cleaned_data["code"],
                form.cleaned_data.get("label_fr") or form.cleaned_data["code"],
                bool(form.cleaned_data.get("is_initial")),
                bool(form.cleaned_data.get("is_final")),
                form.cleaned_data.get("role") or "",
            )
            for form in _live_forms(states_fs)
        ]
        known = {node.key for node in nodes}
        edges = []
        for form in _live_forms(self):
            pair = (form.cleaned_data["from_code"], form.cleaned_data["to_code"])
            unknown = [code for code in pair if code not in known]
            if unknown:
                raise ValidationError(
                    _(
                        "La transition « %(action)s » mène à un état qui n’est pas dans ce flux "
                        "(ou qui est supprimé) : %(codes)s."
                    )
                    % {"action": form.cleaned_data.get("label_fr", ""), "codes": ", ".join(unknown)}
                )
            if pair in edges:
                raise ValidationError(
                    _("Deux transitions relient les mêmes états (%(from)s → %(to)s).")
                    % {"from": pair[0], "to": pair[1]}
                )
            edges.append(pair)
        # The workflow form is validated after the formsets are built, on this same instance.
        if self.instance.is_active:
            errors = validate_graph(nodes, edges)
            if errors:
                raise ValidationError(errors)


class TransitionInline(admin.TabularInline):
    model = Transition
    form = TransitionForm
    formset = TransitionFormSet
    extra = 0
    fk_name = "workflow"
    fields = (
        "order",
        "from_code",
        "to_code",
        "label_fr",
        "label_en",
        "allowed_groups",
        "citizen_may_fire",
        "comment_required",
        "notify_citizen",
        "takes_charge",
    )

    def get_formset(self, request: HttpRequest, obj: Workflow | None = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        choices = _state_choices(request, obj)

        class Bound(formset):  # type: ignore[misc, valid-type]
            def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
                return {**super().get_form_kwargs(index), "state_choices": choices}

        return Bound


def _state_choices(request: HttpRequest, obj: Workflow | None) -> list[tuple[str, str]]:
    """Suggestions: the saved states, plus those typed in a submission shown again."""
    choices: dict[str, str] = {}
    if obj is not None and obj.pk:
        for state in obj.states.all():
            choices[state.code] = state.label_fr
    if request.method == "POST":
        prefix = "states-"
        for key in request.POST:
            value = str(request.POST.get(key, "")).strip()
            if key.startswith(prefix) and key.endswith("-code") and value:
                label = str(request.POST.get(key[: -len("code")] + "label_fr", "")) or value
                choices.setdefault(value, label)
    return list(choices.items())


class WorkflowForm(forms.ModelForm):
    class Meta:
        model = Workflow
        fields = ("code", "name_fr", "name_en", "description", "is_active")

    def clean_is_active(self) -> bool:
        active = self.cleaned_data["is_active"]
        instance = self.instance
        if not active and instance.pk and instance.is_active:
            types = instance.request_types.count()
            open_requests = ServiceRequest.objects.filter(state__workflow=instance).count()
            if types or open_requests:
                raise ValidationError(
                    _(
                        "Ce flux sert à %(types)d types et %(requests)d requêtes : il ne peut pas "
                        "redevenir un brouillon."
                    )
                    % {"types": types, "requests": open_requests}
                )
        return active


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    form = WorkflowForm
    inlines = (StateInline, TransitionInline)
    list_display = ("name_fr", "code", "is_active", "state_count", "type_count")
    search_fields = ("name_fr", "name_en", "code")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Workflow]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_states=Count("states", distinct=True),
                n_types=Count("request_types", distinct=True),
            )
        )

    @admin.display(description=_lazy("états"), ordering="n_states")
    def state_count(self, obj: Any) -> int:
        return obj.n_states

    @admin.display(description=_lazy("types de requête"), ordering="n_types")
    def type_count(self, obj: Any) -> int:
        return obj.n_types

    def _create_formsets(self, request: HttpRequest, obj: Workflow, change: bool) -> Any:
        formsets, inline_instances = super()._create_formsets(request, obj, change)  # type: ignore[misc]
        states_fs = next((fs for fs in formsets if fs.model is State), None)
        for formset in formsets:
            if isinstance(formset, TransitionFormSet):
                formset.states_formset = states_fs
        return formsets, inline_instances


# --- Request types --------------------------------------------------------------------------


class FieldFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        orders: list[Any] = []
        codes: list[Any] = []
        for form in _live_forms(self):
            orders.append(form.cleaned_data.get("order"))
            codes.append(form.cleaned_data.get("code"))
        if len(set(orders)) != len(orders):
            raise ValidationError(_("Chaque champ doit avoir un ordre différent."))
        if len(set(codes)) != len(codes):
            raise ValidationError(_("Chaque champ doit avoir un code différent."))


class RequestTypeFieldInline(admin.StackedInline):
    model = RequestTypeField
    formset = FieldFormSet
    extra = 0
    fields = (
        ("order", "code", "datatype", "required"),
        ("label_fr", "label_en"),
        ("help_fr", "help_en"),
        "choices",
    )


@admin.register(RequestGroup)
class RequestGroupAdmin(admin.ModelAdmin):
    list_display = ("name_fr", "name_en", "code", "order")
    list_editable = ("order",)
    search_fields = ("name_fr", "name_en", "code")


@admin.register(RequestType)
class RequestTypeAdmin(admin.ModelAdmin):
    inlines = (RequestTypeFieldInline,)
    list_display = (
        "name_fr",
        "code",
        "group",
        "team",
        "workflow",
        "sla_hours",
        "public_visibility",
        "is_sensitive",
        "is_active",
    )
    list_filter = ("is_active", "public_visibility", "is_sensitive", "group", "team", "workflow")
    list_select_related = ("group", "team", "workflow")
    search_fields = ("name_fr", "name_en", "code", "keywords")
    fieldsets = (
        (
            None,
            {"fields": ("code", ("name_fr", "name_en"), "group", "keywords", "is_active", "order")},
        ),
        (_lazy("Description"), {"fields": ("description_fr", "description_en")}),
        (
            _lazy("Traitement"),
            {"fields": ("team", "workflow", "sla_hours", "default_priority")},
        ),
        (
            _lazy("Lieu et photos"),
            {"fields": ("location_required", "location_allowed", "photos_allowed")},
        ),
        (
            _lazy("Publication (Open311, cartes publiques, suggestions de doublons)"),
            {"fields": ("public_visibility", "is_sensitive")},
        ),
    )


# Requests are not here: staff read them in the desk, within their scope, and each read is
# written to its access log (victo_crm.core.privacy).
