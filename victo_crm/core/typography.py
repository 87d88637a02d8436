"""French and English typography in one place: dates, numbers, coordinates, punctuation.

Every face (website, portal, desk, alerts, e-mails) shows dates, numbers and positions through
these functions (templates through ``{% load typography %}``), so that a French page never
shows "6 Déc 2026", "46,05750, -71,95690" or "Status change : …":

* dates: French months in lower case, abbreviated with a period ("6 déc. 2026"), English
  month first ("Dec. 6, 2026");
* times: the Québec "14 h 05" in French, "14:05" in English;
* numbers: the locale's decimal mark and a no-break space (French) or comma (English)
  between thousands;
* coordinates: French "46,05750 ; -71,95690" (decimal comma, so the separator is a
  semicolon), English "46.05750, -71.95690";
* punctuation: in French a no-break space before « : ; ? ! » and inside guillemets
  (« texte »), in English none before « : ; ? ! ». The French message catalogue is made
  this way from the source strings (``scripts/i18n.py fill-fr``) and the English one is
  checked (``tests/core/test_typography.py``);
* quotations: « texte » in French, “text” in English (``quoted``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from datetime import time as time_of_day
from decimal import Decimal

from django.utils import timezone
from django.utils.dates import MONTHS, MONTHS_AP
from django.utils.formats import number_format
from django.utils.translation import get_language, override

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"

# A space of any kind (or none, after a letter or a closing mark) before « : ; ? ! »: French
# wants a no-break space there. A colon glued to what follows (14:30, https://) is left alone.
_FR_BEFORE = re.compile(r"[ \u202f\u00a0]+([:;?!])")
_FR_GLUED = re.compile(r"(?<=[\w»)\]])([;?!])(?=\s|$|[»)\]])|(?<=[^\W\d_])(:)(?=\s|$)")
_EN_BEFORE = re.compile(r"(?<=\S)[ \u202f\u00a0]+([:;?!])(?=\s|$)")
# Guillemets hold their text between no-break spaces: « texte », never «texte» nor a line
# that ends on « or starts with ».
_FR_OPENING = re.compile(r"«[ \u202f\u00a0]*")
_FR_CLOSING = re.compile(r"[ \u202f\u00a0]*»")


def _language(language: str | None) -> str:
    return (language or get_language() or "fr")[:2]


def french_spacing(text: str) -> str:
    """French punctuation: a no-break space (never an ordinary one, never none) before
    « : ; ? ! » and inside guillemets (« texte »)."""
    text = _FR_OPENING.sub("«" + NBSP, text)
    text = _FR_CLOSING.sub(NBSP + "»", text)
    text = _FR_BEFORE.sub(NBSP + r"\1", text)
    return _FR_GLUED.sub(lambda m: NBSP + (m.group(1) or m.group(2)), text)


def english_spacing(text: str) -> str:
    """English punctuation: no space before « : ; ? ! »."""
    return _EN_BEFORE.sub(r"\1", text)


def punctuation(text: str, language: str | None = None) -> str:
    return french_spacing(text) if _language(language) == "fr" else english_spacing(text)


def quoted(text: str, language: str | None = None) -> str:
    """A quotation in the reader's language: «\u00a0texte\u00a0» in French, “text” in English."""
    if _language(language) == "fr":
        return f"«{NBSP}{text}{NBSP}»"
    return f"“{text}”"


def _as_local(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def format_date(
    value: date | datetime | None,
    *,
    short: bool = False,
    time: bool = False,
    year: bool = True,
    language: str | None = None,
) -> str:
    """ "6 décembre 2026" / "December 6, 2026"; short: "6 déc. 2026" / "Dec. 6, 2026";
    with ``time`` the hour follows (``format_time``: "6 déc. 2026, 14 h 30" /
    "Dec. 6, 2026, 14:30")."""
    if value is None or value == "":
        return ""
    value = _as_local(value)
    lang = _language(language)
    with override(lang):
        month = str((MONTHS_AP if short else MONTHS)[value.month])
    if lang == "fr":
        month = month.lower()
        text = f"{value.day}{NBSP}{month}" + (f"{NBSP}{value.year}" if year else "")
    else:
        text = f"{month}{NBSP}{value.day}" + (f", {value.year}" if year else "")
    if time and isinstance(value, datetime):
        text += ", " + format_time(value, language=lang)
    return text


def format_time(value: time_of_day | datetime | None, language: str | None = None) -> str:
    """The hour on the 24-hour clock: the Québec way in French, "14 h 05", "9 h 00" (the
    Office québécois de la langue française), no-break spaces so that it never splits across
    lines; "14:05" in English. Django's own ``|time`` and ``|date`` say the same in French
    (``victo_crm/formats/fr/formats.py``)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if _language(language) == "fr":
        return f"{value.hour}{NBSP}h{NBSP}{value.minute:02d}"
    return f"{value.hour:02d}:{value.minute:02d}"


def format_number(
    value: int | float | Decimal | None, decimals: int | None = None, language: str | None = None
) -> str:
    """1 234,5 (French, no-break space) / 1,234.5 (English)."""
    if value is None or value == "":
        return ""
    with override(_language(language)):
        text = number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    return text.replace(NARROW_NBSP, NBSP).replace(" ", NBSP)


def format_coordinates(
    latitude: float | Decimal | str | None,
    longitude: float | Decimal | str | None,
    language: str | None = None,
) -> str:
    """46,05750 ; -71,95690 (French: the decimal comma leaves the semicolon to separate) /
    46.05750, -71.95690 (English)."""
    if latitude is None or longitude is None or latitude == "" or longitude == "":
        return ""
    lang = _language(language)
    try:
        lat = f"{float(latitude):.5f}"
        lon = f"{float(longitude):.5f}"
    except (TypeError, ValueError):
        return ""
    if lang == "fr":
        return f"{lat.replace('.', ',')}{NBSP}; {lon.replace('.', ',')}"
    return f"{lat}, {lon}"
