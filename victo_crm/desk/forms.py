"""Forms of the desk: they validate input and hand it to the services."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from victo_crm.accounts.models import Team, User
from victo_crm.places.models import Zone, ZoneKind
from victo_crm.service_requests.models import (
    Channel,
    Priority,
    RequestGroup,
    RequestType,
    State,
    Transition,
)

from .selectors import SORTS, Filters


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.email


class QueueFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=200,
        help_text=_(
            "Une référence (2026-000123), des mots de la description, le nom, le courriel "
            "ou le téléphone du demandeur. Les accents sont ignorés."
        ),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    request_type = forms.ModelChoiceField(
        label=_("Type"), queryset=RequestType.objects.none(), required=False
    )
    group = forms.ModelChoiceField(
        label=_("Groupe de types"), queryset=RequestGroup.objects.none(), required=False
    )
    state = forms.ChoiceField(label=_("État"), required=False)
    zone = forms.ModelChoiceField(label=_("Zone"), queryset=Zone.objects.none(), required=False)
    priority = forms.TypedChoiceField(
        label=_("Priorité"),
        choices=[("", _("Toutes")), *list(Priority.choices)],
        coerce=int,
        required=False,
        empty_value=None,
    )
    channel = forms.ChoiceField(
        label=_("Canal"), choices=[("", _("Tous")), *list(Channel.choices)], required=False
    )
    created_from = forms.DateField(
        label=_("Reçues à partir du"), required=False, widget=DateInput()
    )
    created_to = forms.DateField(label=_("Reçues jusqu’au"), required=False, widget=DateInput())
    assignee = forms.ChoiceField(label=_("Responsable"), required=False)
    sort = forms.ChoiceField(
        label=_("Trier par"),
        required=False,
        choices=[("", _("Ordre par défaut de la file"))]
        + [(code, sort.label) for code, sort in SORTS.items()],
    )

    def __init__(self, *args: Any, agents: list[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["request_type"].queryset = RequestType.objects.only(
            "id", "name_fr", "name_en"
        ).order_by("name_fr")
        fields["request_type"].empty_label = _("Tous")
        fields["group"].queryset = RequestGroup.objects.order_by("order", "name_fr")
        fields["group"].empty_label = _("Tous")
        fields["zone"].queryset = Zone.objects.filter(
            kind__in=(ZoneKind.DISTRICT, ZoneKind.COLLECTION_SECTOR)
        ).only("id", "kind", "name")
        fields["zone"].empty_label = _("Toutes")
        states: dict[str, str] = {}
        for code, label in State.objects.order_by("order").values_list("code", "label_fr"):
            states.setdefault(code, label)
        fields["state"].choices = [("", _("Tous")), *list(states.items())]
        fields["assignee"].choices = [
            ("", _("Tous")),
            ("none", _("Personne (non attribuée)")),
        ] + [(str(a.pk), a.get_full_name() or a.email) for a in agents or []]

    def to_filters(self) -> Filters:
        if not self.is_valid():
            return Filters()
        data = self.cleaned_data
        assignee = data.get("assignee") or ""
        return Filters(
            request_type=data["request_type"].pk if data.get("request_type") else None,
            group=data["group"].pk if data.get("group") else None,
            state=data.get("state") or "",
            zone=data["zone"].pk if data.get("zone") else None,
            priority=data.get("priority"),
            channel=data.get("channel") or "",
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
            assignee=int(assignee) if assignee.isdigit() else None,
            unassigned=assignee == "none",
            q=data.get("q") or "",
        )


class DeskForm(forms.Form):
    """Several forms share the request page: each gets its own id prefix so no two inputs
    share an id (labels and aria-describedby stay unambiguous)."""

    id_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class VersionedForm(DeskForm):
    """Carries the version of the request the agent was looking at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class TransitionForm(VersionedForm):
    id_prefix = "transition"
    transition = forms.TypedChoiceField(
        label=_("Action"), coerce=int, widget=forms.RadioSelect, choices=()
    )
    comment = forms.CharField(
        label=_("Commentaire au citoyen"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Visible du citoyen. Obligatoire pour certaines actions (indiqué)."),
    )
    for_followers = forms.BooleanField(
        label=_("Montrer aussi ce commentaire aux abonnés"),
        required=False,
        widget=forms.CheckboxInput(attrs={"aria-describedby": "id_transition_for_followers_help"}),
        help_text=_(
            "Les personnes qui suivent la requête voient toujours le nouvel état; le "
            "commentaire seulement si vous cochez. N’y mettez rien de personnel."
        ),
    )

    def __init__(self, *args: Any, transitions: list[Transition] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        field: Any = self.fields["transition"]
        field.choices = [
            (
                t.pk,
                f"{t.label} → {t.to_state.label}"
                + (f" ({_('commentaire obligatoire')})" if t.comment_required else ""),
            )
            for t in transitions
        ]


class AssignForm(VersionedForm):
    id_prefix = "assign"
    team = forms.ModelChoiceField(label=_("Équipe"), queryset=Team.objects.none())
    assignee = UserChoiceField(
        label=_("Agent responsable"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Personne (à l’équipe)"),
    )

    def __init__(self, *args: Any, agents: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["team"].queryset = Team.objects.filter(is_active=True).order_by("name_fr")
        if agents is not None:
            fields["assignee"].queryset = agents


class PriorityForm(VersionedForm):
    id_prefix = "priority"
    priority = forms.TypedChoiceField(label=_("Priorité"), choices=Priority.choices, coerce=int)


class PublicSummaryForm(VersionedForm):
    id_prefix = "public"
    summary = forms.CharField(
        label=_("Résumé public"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Ce que le public peut lire de cette requête à la place de la description du "
            "citoyen (Open311, cartes publiques), si le type est publié avec sa description. "
            "N’y mettez ni nom, ni numéro de téléphone, ni adresse d’une personne. Laissez vide "
            "pour retirer le résumé approuvé."
        ),
    )


class NoteForm(DeskForm):
    id_prefix = "note"
    text = forms.CharField(
        label=_("Note interne"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Visible du personnel seulement; jamais montrée au citoyen."),
    )


class ReplyForm(VersionedForm):
    id_prefix = "reply"
    text = forms.CharField(
        label=_("Réponse au citoyen"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Visible du citoyen dans son suivi et envoyée selon ses préférences."),
    )
    for_followers = forms.BooleanField(
        label=_("Publier aussi aux abonnés de la requête"),
        required=False,
        widget=forms.CheckboxInput(attrs={"aria-describedby": "id_reply_for_followers_help"}),
        help_text=_(
            "Sans cette case, la réponse reste entre la Ville et le demandeur. Cochez-la "
            "seulement pour un message qui s’adresse à tous (sans nom ni détail personnel)."
        ),
    )


def parse_references(text: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r"\d{4}-\d{1,9}", text or "")))


class MergeForm(DeskForm):
    id_prefix = "merge"
    duplicates = forms.CharField(
        label=_("Références des doublons"),
        max_length=2000,
        help_text=_(
            "Une ou plusieurs références séparées par des espaces ou des virgules, "
            "par exemple 2026-000124, 2026-000131."
        ),
    )
    note = forms.CharField(
        label=_("Note publique aux citoyens des doublons"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Laisser vide pour le message habituel, qui indique la requête conservée."),
    )

    def clean_duplicates(self) -> list[str]:
        references = parse_references(self.cleaned_data["duplicates"])
        if not references:
            raise forms.ValidationError(_("Indiquez au moins une référence, comme 2026-000124."))
        return references


class BulkForm(forms.Form):
    ACTIONS = (
        ("assign", _("Attribuer")),
        ("transition", _("Changer l’état")),
    )
    action = forms.ChoiceField(label=_("Action groupée"), choices=ACTIONS)
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=())
    team = forms.ModelChoiceField(
        label=_("Équipe"), queryset=Team.objects.none(), required=False, empty_label=_("Inchangée")
    )
    assignee = UserChoiceField(
        label=_("Agent"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Personne"),
    )
    to_state = forms.ChoiceField(label=_("Nouvel état"), required=False)
    comment = forms.CharField(
        label=_("Commentaire au citoyen"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, agents: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        data = self.data
        posted = data.getlist("ids") if hasattr(data, "getlist") else data.get("ids", [])
        fields["ids"].choices = [(v, v) for v in posted if str(v).isdigit()]
        fields["team"].queryset = Team.objects.filter(is_active=True).order_by("name_fr")
        if agents is not None:
            fields["assignee"].queryset = agents
        states: dict[str, str] = {}
        for code, label in State.objects.order_by("order").values_list("code", "label_fr"):
            states.setdefault(code, label)
        fields["to_state"].choices = [("", "—"), *list(states.items())]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "transition" and not data.get("to_state"):
            self.add_error("to_state", _("Choisissez le nouvel état."))
        return data


class CitizenSearchForm(forms.Form):
    citoyen = forms.CharField(
        label=_("Trouver le citoyen"),
        required=False,
        max_length=100,
        help_text=_("Nom, courriel, téléphone ou adresse."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class OnBehalfForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Reçue par"),
        choices=[(Channel.PHONE, Channel.PHONE.label), (Channel.COUNTER, Channel.COUNTER.label)],
        widget=forms.RadioSelect,
        initial=Channel.PHONE,
    )
    citizen = forms.IntegerField(required=False, widget=forms.HiddenInput)
    contact_name = forms.CharField(label=_("Nom du demandeur"), required=False, max_length=200)
    contact_email = forms.EmailField(label=_("Courriel du demandeur"), required=False)
    contact_phone = forms.CharField(
        label=_("Téléphone du demandeur"), required=False, max_length=32
    )
    request_type = forms.ModelChoiceField(
        label=_("Type de requête"), queryset=RequestType.objects.none()
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    address = forms.IntegerField(required=False, widget=forms.HiddenInput)
    address_query = forms.CharField(
        label=_("Adresse"),
        required=False,
        max_length=200,
        help_text=_("Tapez le numéro et la rue, puis choisissez dans la liste."),
    )
    location_text = forms.CharField(
        label=_("Précisions sur le lieu"), required=False, max_length=255
    )
    priority = forms.TypedChoiceField(
        label=_("Priorité"),
        choices=[("", _("Celle du type")), *list(Priority.choices)],
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["request_type"]
        field.queryset = (
            RequestType.objects.filter(is_active=True)
            .select_related("group")
            .order_by("group__order", "order", "name_fr")
        )


class BreakGlassForm(DeskForm):
    id_prefix = "break_glass"
    reason = forms.CharField(
        label=_("Motif de l’accès d’urgence"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Pourquoi devez-vous consulter des données de citoyens (incident, demande de "
            "l’administration, numéro de billet…) ? Le motif est inscrit au journal des "
            "consultations avec chacune de vos consultations."
        ),
    )


class ReclassifyForm(VersionedForm):
    """The right type and place in one step (mail to the request address arrives in the
    triage type, without a place)."""

    id_prefix = "reclassify"
    request_type = forms.ChoiceField(label=_("Bon type de requête"))
    address_query = forms.CharField(
        label=_("Adresse"),
        required=False,
        max_length=200,
        help_text=_("Par exemple 1 rue Notre-Dame Est. Vide : le lieu actuel est gardé."),
    )

    def __init__(self, *args: Any, types: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["request_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—")] + [(t.code, str(t)) for t in types]
