"""``{% load typography %}``: the filters of ``core.typography`` for every template.

``{{ when|long_date }}`` 6 décembre 2026 · ``|short_date`` 6 déc. 2026 ·
``|long_datetime`` / ``|short_datetime`` with the time · ``|time_of_day`` 14 h 05 ·
``{{ n|number }}`` 1 234 · ``{% coordinates lat lon %}`` 46,05750 ; -71,95690 ·
``{{ text|punctuation }}`` · ``{{ text|quoted }}`` « texte » / “text”."""

from __future__ import annotations

from typing import Any

from django import template

from victo_crm.core import typography

register = template.Library()


@register.filter
def long_date(value: Any) -> str:
    return typography.format_date(value)


@register.filter
def short_date(value: Any) -> str:
    return typography.format_date(value, short=True)


@register.filter
def long_datetime(value: Any) -> str:
    return typography.format_date(value, time=True)


@register.filter
def short_datetime(value: Any) -> str:
    return typography.format_date(value, short=True, time=True)


@register.filter
def time_of_day(value: Any) -> str:
    return typography.format_time(value)


@register.filter
def number(value: Any, decimals: int | None = None) -> str:
    return typography.format_number(value, decimals)


@register.simple_tag
def coordinates(latitude: Any, longitude: Any) -> str:
    return typography.format_coordinates(latitude, longitude)


@register.filter
def punctuation(value: Any) -> str:
    return typography.punctuation(str(value))


@register.filter
def quoted(value: Any) -> str:
    return typography.quoted(str(value))
