"""A service's refusal lands on the form that called it: each message next to its field."""

from __future__ import annotations

from django import forms

from victo_crm.core.errors import ValidationError, form_add_errors


class Form(forms.Form):
    address_query = forms.CharField(required=False)
    field_size = forms.CharField(required=False)
    email = forms.CharField(required=False)


def _errors(error: ValidationError, rename: dict[str, str | None] | None = None) -> dict:
    form = Form(data={})
    assert form.is_valid()
    form_add_errors(form, error, rename)
    return {name: list(messages) for name, messages in form.errors.items()}


def test_a_message_goes_next_to_the_field_it_names_the_rest_to_the_top():
    error = ValidationError({"email": ["Courriel invalide."], "description": ["Trop court."]})
    assert _errors(error) == {"email": ["Courriel invalide."], "__all__": ["Trop court."]}


def test_names_and_prefixes_are_renamed_and_none_means_the_top():
    error = ValidationError(
        {
            "address": ["Adresse inconnue."],
            "field_values.size": ["Choisissez une taille."],
            "location": ["Hors de la ville."],
        }
    )
    rename = {"address": "address_query", "field_values.": "field_", "location": None}
    assert _errors(error, rename) == {
        "address_query": ["Adresse inconnue."],
        "field_size": ["Choisissez une taille."],
        "__all__": ["Hors de la ville."],
    }


def test_a_refusal_without_a_field_goes_to_the_top():
    assert _errors(ValidationError("Non.")) == {"__all__": ["Non."]}
