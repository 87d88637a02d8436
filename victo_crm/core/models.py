from __future__ import annotations

from typing import overload

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


class Localized:
    """A bilingual field read in the active language: ``name = Localized()`` beside
    ``name_fr`` and ``name_en`` (see ``localized``)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.field = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Localized: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> str: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> Localized | str:
        return self if obj is None else localized(obj, self.field)


class Generation(models.Model):
    """The number that tells every process its in-memory configuration is out of date
    (``core.config_cache``). Bumped in the transaction that changes the configuration, so it
    is never ahead of or behind what is committed; Redis keeps a copy for a few seconds so
    a request usually reads it there."""

    name = models.CharField(_("nom"), max_length=40, primary_key=True)
    value = models.BigIntegerField(_("valeur"), default=1)

    class Meta:
        verbose_name = _("génération")
        verbose_name_plural = _("générations")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class CacheEntry(models.Model):
    """Django's database cache table (``DatabaseCache``), where the cache goes while Redis
    is unreachable (``core.redis_cache``): rate limits, locks and one-time codes keep their
    meaning instead of vanishing. Declared as a model so migrations create it (Django's own
    ``createcachetable`` would be one more step to remember)."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "victo_cache"
        verbose_name = _("entrée de cache")
        verbose_name_plural = _("entrées de cache")

    def __str__(self) -> str:
        return self.cache_key


class RateCounter(models.Model):
    """A rate limit's count of one window (``core.ratelimit``) while Redis is unreachable:
    counted with an atomic ``UPDATE`` so concurrent calls cannot slip past a limit."""

    key = models.CharField(max_length=250, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("compteur de limite")
        verbose_name_plural = _("compteurs de limite")

    def __str__(self) -> str:
        return f"{self.key}={self.count}"


class Heartbeat(models.Model):
    """When a periodic job last ran (``beat``: the heartbeat task beat queues and a worker
    runs), for ``/readyz``."""

    name = models.CharField(_("nom"), max_length=40, primary_key=True)
    at = models.DateTimeField(_("à"))

    class Meta:
        verbose_name = _("battement")
        verbose_name_plural = _("battements")

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"
