"""Portal forms: they shape what the citizen typed; the services decide whether it is valid,
so the portal and the mobile API refuse the same things with the same words."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from victo_crm.accounts.models import Language
from victo_crm.places.models import Address
from victo_crm.places.selectors import address_resolve, point_in_town, zones_containing
from victo_crm.service_requests.models import FieldDatatype, RequestType, RequestTypeField


class PortalForm(forms.Form):
    """Marks invalid inputs and links each to its messages (aria-describedby)."""

    # Our own French messages on the same page: the browser's bubbles would not be.
    use_required_attribute = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.required:
                field.widget.attrs.setdefault("aria-required", "true")

    def mark_errors(self) -> None:
        for name in self.errors:
            if name in self.fields:
                field = self.fields[name]
                if getattr(field.widget, "use_fieldset", False):
                    continue  # the fieldset carries the description (see field.html)
                auto_id = self[name].auto_id
                described = [f"{auto_id}-error"]
                if field.help_text:
                    described.append(f"{auto_id}_helptext")
                field.widget.attrs["aria-invalid"] = "true"
                field.widget.attrs["aria-describedby"] = " ".join(described)

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_errors()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self.mark_errors()

    def add_service_error(self, field: str | None, messages: list[str]) -> None:
        self.add_error(field if field in self.fields else None, messages)


class AddressPickForm(PortalForm):
    """A form whose address the citizen picks in the registry's list (``address_id``) or
    types (``address_query``): ``self.address`` when one matches, ``self.candidates`` when
    she must choose."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.address: Address | None = None
        self.candidates: list[Address] = []
        super().__init__(*args, **kwargs)

    def resolve_address(self, data: dict[str, Any], *, not_found: Any) -> None:
        """``not_found``: the error, with ``%(query)s``, when the typed text matches no
        address of the registry (None: no error, the caller decides)."""
        query = (data.get("address_query") or "").strip()
        if data.get("address_id"):
            self.address = Address.objects.filter(pk=data["address_id"]).first()
            if self.address is None:
                self.add_error(
                    "address_query", _("Cette adresse ne figure pas au registre de la Ville.")
                )
        elif query:
            match = address_resolve(query, limit=6)
            if match.address is not None:
                self.address = match.address
            elif match.candidates:
                self.candidates = match.candidates
                self.add_error(
                    "address_query",
                    _(
                        "Ce numéro n’existe pas au registre sur cette rue : vérifiez-le ou "
                        "choisissez une adresse proche dans la liste."
                    )
                    if match.number_missing
                    else _("Plusieurs adresses correspondent : choisissez la vôtre dans la liste."),
                )
            elif not_found is not None:
                self.add_error("address_query", not_found % {"query": query})


class TypeSearchForm(forms.Form):
    q = forms.CharField(label=_("Rechercher un type de requête"), required=False, max_length=100)


# --- Location ------------------------------------------------------------------------------------


class LocationForm(AddressPickForm):
    address_query = forms.CharField(
        label=_("Adresse"),
        required=False,
        max_length=200,
        help_text=_("Tapez le numéro et le nom de la rue, puis choisissez dans la liste."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    address_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    location_text = forms.CharField(
        label=_("Précisions sur le lieu (facultatif)"),
        required=False,
        max_length=255,
        help_text=_("Par exemple : devant l’entrée du parc, côté nord de la rue."),
    )

    def __init__(self, *args: Any, request_type: RequestType, **kwargs: Any) -> None:
        self.request_type = request_type
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lat, lon = data.get("latitude"), data.get("longitude")
        # A point on the map stands for an address the registry does not know.
        not_found = _(
            "Nous ne trouvons pas « %(query)s » au registre des adresses de la Ville. "
            "Vérifiez le numéro et la rue, ou placez un repère sur la carte."
        )
        self.resolve_address(data, not_found=not_found if lat is None else None)
        if self.address is None and not self.errors:
            if lat is not None and lon is not None:
                zones = zones_containing(latitude=lat, longitude=lon)
                if not point_in_town(latitude=lat, longitude=lon, zones=zones):
                    self.add_error(
                        "address_query",
                        _("Ce lieu est hors du territoire de la Ville de Victoriaville."),
                    )
            elif self.request_type.location_required:
                self.add_error(
                    "address_query",
                    _("Indiquez le lieu : une adresse ou un point sur la carte."),
                )
        return data

    def draft(self) -> dict[str, Any]:
        """What the next step needs, kept in the session."""
        data = self.cleaned_data
        if self.address is not None:
            return {
                "address_id": self.address.pk,
                "label": self.address.label,
                "latitude": self.address.latitude,
                "longitude": self.address.longitude,
                "location_text": data.get("location_text") or "",
            }
        return {
            "address_id": None,
            "label": "",
            "latitude": data.get("latitude"),
            "longitude": data.get("longitude"),
            "location_text": data.get("location_text") or "",
        }


# --- Details -------------------------------------------------------------------------------------


def _custom_field(field: RequestTypeField, language: str) -> forms.Field:
    label = field.label
    common: dict[str, Any] = {"label": label, "required": field.required, "help_text": field.help}
    datatype = field.datatype
    if datatype in (FieldDatatype.SINGLE, FieldDatatype.MULTI):
        choices = [
            (code, label_en if language == "en" else label_fr)
            for code, label_fr, label_en in field.parsed_choices()
        ]
        if datatype == FieldDatatype.SINGLE:
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if datatype == FieldDatatype.TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **common)
    if datatype == FieldDatatype.NUMBER:
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if datatype == FieldDatatype.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if datatype == FieldDatatype.DATETIME:
        return forms.CharField(
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common
        )
    return forms.CharField(**common)


class DetailsForm(PortalForm):
    """The type's own fields, a description, photos (read from request.FILES by the view)
    and, for a guest, how to reach them."""

    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 5000}),
        help_text=_("Décrivez ce que vous avez constaté. 5 000 caractères au maximum."),
    )
    draft_id = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)

    def __init__(
        self, *args: Any, request_type: RequestType, guest: bool, language: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.custom_fields = list(request_type.fields.all())
        custom: dict[str, forms.Field] = {}
        for definition in self.custom_fields:
            custom[f"field_{definition.code}"] = _custom_field(definition, language)
        # Custom fields first, in the administrator's order; then the description.
        self.fields = {**custom, **self.fields}
        if guest:
            self.fields["contact_name"] = forms.CharField(
                label=_("Votre nom"),
                max_length=200,
                widget=forms.TextInput({"autocomplete": "name"}),
            )
            self.fields["contact_email"] = forms.EmailField(
                label=_("Votre courriel"),
                help_text=_("Nous y enverrons le lien privé pour suivre votre requête."),
                widget=forms.EmailInput({"autocomplete": "email"}),
                error_messages={"invalid": _("Entrez une adresse courriel valide.")},
            )
            self.fields["contact_phone"] = forms.CharField(
                label=_("Votre téléphone (facultatif)"),
                required=False,
                max_length=32,
                widget=forms.TextInput({"type": "tel", "autocomplete": "tel"}),
            )
        for field in self.fields.values():
            if field.required:
                field.widget.attrs["aria-required"] = "true"
                field.error_messages["required"] = _("Ce champ est obligatoire.")
        for field_obj in self.custom_fields:
            # The service checks required custom fields with a message naming them.
            form_field = self.fields[f"field_{field_obj.code}"]
            form_field.required = False
            form_field.show_required = field_obj.required  # type: ignore[attr-defined]

    def field_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {f.code: data.get(f"field_{f.code}") for f in self.custom_fields}

    def custom_bound_fields(self) -> list[forms.BoundField]:
        return [self[f"field_{f.code}"] for f in self.custom_fields]


# --- After submission ----------------------------------------------------------------------------


class CommentForm(PortalForm):
    text = forms.CharField(
        label=_("Votre commentaire"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 5000}),
        error_messages={"required": _("Écrivez votre commentaire.")},
    )


class ReopenForm(PortalForm):
    reason = forms.CharField(
        label=_("Qu’est-ce qui n’est pas réglé ?"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 5000}),
        error_messages={"required": _("Expliquez en quelques mots ce qui n’est pas réglé.")},
    )


class RatingForm(PortalForm):
    rating = forms.TypedChoiceField(
        label=_("Votre satisfaction"),
        coerce=int,
        choices=[
            (5, _("5 — Très satisfait")),
            (4, _("4 — Satisfait")),
            (3, _("3 — Moyennement satisfait")),
            (2, _("2 — Insatisfait")),
            (1, _("1 — Très insatisfait")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une note de 1 à 5.")},
    )
    comment = forms.CharField(
        label=_("Commentaire (facultatif)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 5000}),
    )


# --- Account -------------------------------------------------------------------------------------


class ProfileForm(AddressPickForm):
    first_name = forms.CharField(
        label=_("Prénom"),
        required=False,
        max_length=150,
        widget=forms.TextInput({"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nom"),
        required=False,
        max_length=150,
        widget=forms.TextInput({"autocomplete": "family-name"}),
    )
    phone = forms.CharField(
        label=_("Téléphone (facultatif)"),
        required=False,
        max_length=32,
        widget=forms.TextInput({"type": "tel", "autocomplete": "tel"}),
    )
    address_query = forms.CharField(
        label=_("Adresse postale"),
        required=False,
        max_length=200,
        help_text=_(
            "Choisie dans le registre des adresses de la Ville, pour vous informer de ce qui "
            "touche votre secteur (collectes, travaux)."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    address_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    address_unit = forms.CharField(
        label=_("Appartement (facultatif)"), required=False, max_length=20
    )
    preferred_language = forms.ChoiceField(
        label=_("Langue de communication"),
        choices=Language.choices,
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        not_found = _(
            "Nous ne trouvons pas « %(query)s » au registre des adresses de la Ville. "
            "Vérifiez le numéro et la rue."
        )
        self.resolve_address(data, not_found=not_found)
        return data


class DeleteAccountForm(PortalForm):
    password = forms.CharField(
        label=_("Votre mot de passe"),
        widget=forms.PasswordInput({"autocomplete": "current-password"}),
        error_messages={"required": _("Entrez votre mot de passe pour confirmer.")},
    )
    confirm = forms.BooleanField(
        label=_("Je comprends que mon compte sera supprimé définitivement."),
        error_messages={"required": _("Cochez la case pour confirmer.")},
    )
