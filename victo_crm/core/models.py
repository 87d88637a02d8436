from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        abstract = True


def localized(obj: object, field: str, language: str | None = None) -> str:
    """The French or English variant of a bilingual field (``name_fr``/``name_en``).

    French is the source of truth: an empty English value falls back to French.
    """
    language = (language or translation.get_language() or "fr")[:2]
    if language == "en":
        value = getattr(obj, f"{field}_en", "")
        if value:
            return value
    return getattr(obj, f"{field}_fr", "")
