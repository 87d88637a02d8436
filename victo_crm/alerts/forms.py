from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from victo_crm.places.models import Address, Zone
from victo_crm.places.selectors import AddressMatch, address_resolve

from .models import AlertTopic, AreaKind, Notice
from .services import EVERY_CHANNEL

CHANNEL_LABELS = {
    "email": _("Courriel"),
    "in_app": _("Dans le portail et l’application"),
    "sms": _("Texto"),
    "push": _("Notification sur l’appareil"),
}


class AddressSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Votre adresse"),
        max_length=150,
        help_text=_("Par exemple : 2 rue Notre-Dame Est"),
    )


def address_match_error(match: AddressMatch, query: str) -> str:
    """Why a query did not name one address, in words a citizen can act on."""
    if match.address is not None:
        return ""
    if match.number_missing:
        return gettext(
            "Ce numéro n’existe pas au registre sur cette rue : vérifiez-le ou choisissez une "
            "adresse proche dans la liste."
        )
    if match.candidates:
        return gettext("Plusieurs adresses correspondent : choisissez la vôtre dans la liste.")
    return gettext("Aucune adresse du registre ne correspond à « %(query)s ».") % {"query": query}


class SubscriptionForm(forms.Form):
    topic = forms.ModelChoiceField(
        label=_("Sujet"), queryset=AlertTopic.objects.filter(is_active=True), empty_label=None
    )
    address = forms.CharField(
        label=_("Adresse"),
        max_length=150,
        help_text=_("La vôtre ou celle d’un proche, par exemple : 2 rue Notre-Dame Est"),
    )
    # Set by the radio buttons listing the candidates when the address typed named several.
    address_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    label = forms.CharField(label=_("Nom de l’adresse (facultatif)"), max_length=80, required=False)
    channels = forms.MultipleChoiceField(
        label=_("Me prévenir par"),
        choices=[(c, CHANNEL_LABELS[c]) for c in EVERY_CHANNEL],
        widget=forms.CheckboxSelectMultiple,
        initial=["email", "in_app"],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.candidates: list[Address] = []
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        query = data.get("address")
        if not isinstance(query, str):
            return data
        chosen = data.get("address_id")
        address = Address.objects.filter(pk=chosen).first() if chosen else None
        if address is None:
            match = address_resolve(query)
            address = match.address
            self.candidates = match.candidates
            error = address_match_error(match, query)
            if error:
                self.add_error("address", error)
                return data
        data["address"] = address
        return data


class NoticeForm(forms.ModelForm):
    zones = forms.ModelMultipleChoiceField(
        label=_("Zones"),
        queryset=Zone.objects.exclude(kind="boundary"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Pour « Des zones » : cochez chaque zone visée."),
    )

    class Meta:
        model = Notice
        fields = [
            "topic",
            "severity",
            "title_fr",
            "title_en",
            "body_fr",
            "body_en",
            "area_kind",
            "zones",
            "streets",
            "latitude",
            "longitude",
            "radius_m",
            "starts_at",
            "ends_at",
        ]
        widgets = {
            "starts_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "ends_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "body_fr": forms.Textarea(attrs={"rows": 5}),
            "body_en": forms.Textarea(attrs={"rows": 5}),
            "streets": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area_kind"].choices = AreaKind.choices  # type: ignore[attr-defined]
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]  # type: ignore[attr-defined]
        # Which of the area fields applies depends on "secteur visé": say so on each.
        self.fields["streets"].help_text = _("Pour « Une liste de rues » : une rue par ligne.")
        for name in ("latitude", "longitude", "radius_m"):
            self.fields[name].help_text = _("Pour « Un rayon autour d’un point ».")
