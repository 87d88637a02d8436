"""Accessible form fields and small formatting helpers for the desk's templates."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from victo_crm.core.templatetags.maps import map_tile_attrs
from victo_crm.core.typography import format_number

register = template.Library()


@register.inclusion_tag("desk/includes/field.html")
def desk_field(field: Any, extra_help: str = "") -> dict[str, Any]:
    """Label, help and errors tied to the input with aria-describedby (WCAG 1.3.1, 3.3.1)."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        described.append(f"{field.auto_id}_errors")
    attrs: dict[str, Any] = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    if field.field.required and not isinstance(field.field.widget, forms.RadioSelect):
        attrs["required"] = True
    is_group = isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
    return {
        "field": field,
        "widget": field.as_widget(attrs=attrs),
        "is_group": is_group,
        "described": " ".join(described),
    }


@register.filter
def capped(count: int, capped_flag: bool) -> str:
    text = number_format(count, force_grouping=True)
    return f"{text}+" if capped_flag else text


@register.filter
def person(user: Any) -> str:
    if not user:
        return ""
    return user.get_full_name() or user.email


@register.simple_tag
def sla_label(code: str) -> str:
    return {
        "closed": _("Fermée"),
        "paused": _("Délai suspendu"),
        "late": _("En retard"),
        "soon": _("Échéance dans moins de 24 h"),
        "ok": _("Dans les délais"),
        "none": _("Sans délai cible"),
    }.get(code, code)


@register.filter
def hours(value: float | None) -> str:
    if value is None:
        return "—"
    return number_format(value, decimal_pos=1)


@register.filter
def percent(value: float | None) -> str:
    """50,0 % (French, no-break space) / 50.0% (English); — when there is nothing to divide."""
    if value is None:
        return "—"
    return _("%(rate)s %%") % {"rate": format_number(value, 1)}


@register.filter
def channel_label(code: str) -> str:
    from victo_crm.accounts.models import Channel

    try:
        return str(Channel(code).label)
    except ValueError:
        return code


# Shared with the portal's map (core.templatetags.maps); kept here for the desk's templates.
register.simple_tag(map_tile_attrs)
