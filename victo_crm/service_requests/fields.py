"""Custom fields of request types: their definition and the values citizens submit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .models import RequestTypeField

MAX_STRING = 255
MAX_TEXT = 5000


def parse_choices(raw: str) -> list[tuple[str, str, str]]:
    """``code | libellé | label`` lines → [(code, label_fr, label_en)]."""
    choices = []
    for line in (raw or "").splitlines():
        line = line.strip()
        if not line:
            continue
        parts = [part.strip() for part in line.split("|")]
        code = parts[0]
        label_fr = parts[1] if len(parts) > 1 and parts[1] else code
        label_en = parts[2] if len(parts) > 2 and parts[2] else label_fr
        choices.append((code, label_fr, label_en))
    return choices


def choice_label(field: RequestTypeField, value: Any, language: str | None = None) -> str:
    """A stored choice in the reader's language (French when English is missing).

    Values are stored as choice codes. Older rows (and values typed by hand into the admin)
    may hold a label instead, in either language: it is read back to its choice, so it too
    follows the reader. Anything else is shown as stored."""
    language = (language or translation.get_language() or "fr")[:2]
    text = str(value)
    folded = text.strip().casefold()
    for code, label_fr, label_en in parse_choices(field.choices):
        if text == code or folded in (label_fr.casefold(), label_en.casefold()):
            return label_en if language == "en" and label_en else label_fr
    return text


def display_value(field: RequestTypeField, value: Any, language: str | None = None) -> str:
    """A stored value as a reader sees it: choices by their label, lists joined."""
    if field.is_list:
        items = value if isinstance(value, list | tuple) else [value]
        return ", ".join(choice_label(field, item, language) for item in items)
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def field_answers(
    fields: Iterable[RequestTypeField],
    values: Mapping[str, Any] | None,
    language: str | None = None,
) -> list[dict[str, Any]]:
    """Each answered field, in the fields' order and in the reader's language (``language``,
    else the active one): its code, its label, the value stored (codes for choices) and the
    value as shown. One place for every face: portal, desk, API, e-mails."""
    from victo_crm.core.models import localized

    values = values or {}
    return [
        {
            "code": field.code,
            "label": localized(field, "label", language),
            "value": values[field.code],
            "display": display_value(field, values[field.code], language),
        }
        for field in fields
        if field.code in values and not _is_empty(values[field.code])
    ]


def field_rows(
    fields: Iterable[RequestTypeField],
    values: Mapping[str, Any] | None,
    language: str | None = None,
) -> list[tuple[str, str]]:
    """(label, value shown) pairs of ``field_answers``."""
    return [(a["label"], a["display"]) for a in field_answers(fields, values, language)]


def clean_field_definition(field: RequestTypeField) -> None:
    from .models import FieldDatatype

    choices = parse_choices(field.choices)
    if field.datatype in (FieldDatatype.SINGLE, FieldDatatype.MULTI):
        if not choices:
            raise ValidationError(
                {"choices": _("Une liste de choix doit proposer au moins un choix.")}
            )
        codes = [code for code, _fr, _en in choices]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValidationError(
                {
                    "choices": _("Codes de choix en double : %(codes)s.")
                    % {"codes": ", ".join(duplicates)}
                }
            )
        if any(not code or " " in code for code in codes):
            raise ValidationError(
                {"choices": _("Chaque code de choix doit être un mot sans espace.")}
            )
    elif choices:
        raise ValidationError(
            {"choices": _("Seules les listes (choix unique ou multiples) ont des choix.")}
        )
    if field.order < 1:
        raise ValidationError({"order": _("L’ordre doit être un entier positif.")})


def _clean_one(field: RequestTypeField, value: Any) -> Any:
    """Return the stored form of one value, or raise ValidationError with a French message."""
    from .models import FieldDatatype

    datatype = field.datatype
    if datatype in (FieldDatatype.STRING, FieldDatatype.TEXT):
        if not isinstance(value, str | int | float | Decimal) or isinstance(value, bool):
            raise ValidationError(_("Ce champ attend du texte."), code="invalid")
        text = str(value).strip()
        limit = MAX_STRING if datatype == FieldDatatype.STRING else MAX_TEXT
        if len(text) > limit:
            raise ValidationError(
                _("Ce texte est trop long (%(limit)d caractères au maximum).") % {"limit": limit},
                code="max_length",
            )
        return text
    if datatype == FieldDatatype.NUMBER:
        if isinstance(value, bool):
            raise ValidationError(_("Ce champ attend un nombre."), code="invalid")
        try:
            number = Decimal(
                str(value).strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
            )
        except InvalidOperation:
            raise ValidationError(_("Ce champ attend un nombre."), code="invalid") from None
        if not number.is_finite():
            raise ValidationError(_("Ce champ attend un nombre."), code="invalid")
        return int(number) if number == number.to_integral_value() else float(number)
    if datatype == FieldDatatype.DATE:
        try:
            parsed_date = parse_date(str(value).strip()) if isinstance(value, str) else None
        except ValueError:  # well formed but impossible: 2026-02-30
            parsed_date = None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            parsed_date = value
        if parsed_date is None:
            raise ValidationError(_("Ce champ attend une date (AAAA-MM-JJ)."), code="invalid")
        return parsed_date.isoformat()
    if datatype == FieldDatatype.DATETIME:
        parsed: dt.datetime | None
        if isinstance(value, dt.datetime):
            parsed = value
        else:
            try:
                parsed = parse_datetime(str(value).strip()) if isinstance(value, str) else None
            except ValueError:
                parsed = None
        if parsed is None:
            raise ValidationError(
                _("Ce champ attend une date et une heure (AAAA-MM-JJ HH:MM)."), code="invalid"
            )
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        return parsed.isoformat()
    codes = {code for code, _fr, _en in parse_choices(field.choices)}
    if datatype == FieldDatatype.SINGLE:
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if not isinstance(value, str) or value not in codes:
            raise ValidationError(
                _("« %(value)s » ne fait pas partie des choix proposés.") % {"value": value},
                code="invalid_choice",
            )
        return value
    if datatype == FieldDatatype.MULTI:
        values = value if isinstance(value, list | tuple) else [value]
        chosen = []
        for item in values:
            if not isinstance(item, str) or item not in codes:
                raise ValidationError(
                    _("« %(value)s » ne fait pas partie des choix proposés.") % {"value": item},
                    code="invalid_choice",
                )
            if item not in chosen:
                chosen.append(item)
        return chosen
    raise ValidationError(_("Type de champ inconnu."), code="invalid")


def _is_empty(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str | list | tuple) and len(value) == 0)
        or (isinstance(value, str) and not value.strip())
    )


def validate_field_values(
    fields: Iterable[RequestTypeField], values: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Check submitted values against a type's definition.

    Returns the cleaned values keyed by field code. Raises one ValidationError with a
    message per field code (unknown codes are refused too, so nothing is silently dropped).
    """
    values = dict(values or {})
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    known = set()
    for field in fields:
        known.add(field.code)
        value = values.get(field.code)
        if _is_empty(value):
            if field.required:
                errors[field.code] = [
                    _("Le champ « %(label)s » est obligatoire.") % {"label": field.label}
                ]
            continue
        try:
            cleaned[field.code] = _clean_one(field, value)
        except ValidationError as error:
            errors[field.code] = [
                _("%(label)s : %(message)s") % {"label": field.label, "message": message}
                for message in error.messages
            ]
    for code in sorted(set(values) - known):
        if not _is_empty(values[code]):
            errors[code] = [_("Ce champ n’existe pas pour ce type de requête.")]
    if errors:
        raise ValidationError(errors)
    return cleaned
