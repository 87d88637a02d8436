"""The portal writes its plainest widgets itself (a template per widget costs a millisecond
on a loaded server): the markup must be Django's, attribute for attribute."""

from __future__ import annotations

import re
from typing import Any

import pytest

from victo_crm.portal.forms import (
    CommentForm,
    DeleteAccountForm,
    DetailsForm,
    LocationForm,
    ProfileForm,
    RatingForm,
    ReopenForm,
)
from victo_crm.portal.templatetags.portal import _fast_widget, choice_input

pytestmark = pytest.mark.django_db


def same(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def forms_to_compare(request_type: Any) -> list[Any]:
    details = {"request_type": request_type, "language": "fr"}
    posted = {
        "field_taille": "moyen",
        "field_nombre": "3 <b>",
        "field_releve": "2026-05-01T10:00",
        "field_voies": ["nord"],
        "description": 'Un "trou" & <script>',
        "contact_name": "Lucie",
        "contact_email": "pas-une-adresse",
        "text": "Bonjour\nà vous",
        "reason": "",
        "rating": "4",
        "first_name": "Marie",
        "address_query": "1 notre",
        "latitude": "46.05",
        "password": "secret",
    }
    made = [
        DetailsForm(guest=True, **details),
        DetailsForm(posted, guest=True, **details),
        DetailsForm(initial={"draft_id": "abc"}, guest=False, **details),
        CommentForm(),
        CommentForm(posted),
        ReopenForm(posted),
        RatingForm(),
        RatingForm(posted),
        ProfileForm(posted),
        DeleteAccountForm(posted),
        LocationForm(posted, request_type=request_type),
    ]
    for form in made:
        if form.is_bound:
            form.is_valid()
    return made


def test_fast_widgets_write_what_django_writes(request_type: Any, address: Any) -> None:
    compared = 0
    for form in forms_to_compare(request_type):
        for field in form:
            attrs = {"aria-required": "true", "aria-describedby": f"{field.auto_id}_helptext"}
            fast = _fast_widget(field, dict(attrs))
            if fast is not None:
                assert same(fast) == same(field.as_widget(attrs=dict(attrs))), field.name
                compared += 1
            kind = getattr(field.field.widget, "input_type", "")
            for choice in field.subwidgets if kind in ("radio", "checkbox") else []:
                assert same(choice_input(choice)) == same(choice.tag()), field.name
                compared += 1
    assert compared > 25
