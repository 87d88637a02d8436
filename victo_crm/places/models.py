from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from victo_crm.core.models import TimeStampedModel
from victo_crm.core.text import normalize_address


class ZoneKind(models.TextChoices):
    BOUNDARY = "boundary", _("Limite municipale")
    DISTRICT = "district", _("District électoral")
    COLLECTION_SECTOR = "collection_sector", _("Secteur de collecte")
    WORKS_AREA = "works_area", _("Zone de travaux")


class Zone(TimeStampedModel):
    """A named polygon (GeoJSON Polygon or MultiPolygon, WGS 84).

    The bounding box is stored beside the geometry so that finding candidate zones for a
    point is an indexed range query; the exact test is done with shapely.
    """

    kind = models.CharField(_("type"), max_length=32, choices=ZoneKind.choices, db_index=True)
    code = models.SlugField(_("code"), max_length=80)
    name = models.CharField(_("nom"), max_length=150)
    geometry = models.JSONField(
        _("géométrie (GeoJSON)"),
        help_text=_("Un objet GeoJSON de type Polygon ou MultiPolygon, en longitude/latitude."),
    )
    min_lon = models.FloatField(editable=False, default=0)
    min_lat = models.FloatField(editable=False, default=0)
    max_lon = models.FloatField(editable=False, default=0)
    max_lat = models.FloatField(editable=False, default=0)

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ("kind", "name")
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="zone_kind_code_unique")
        ]
        indexes = [models.Index(fields=["min_lon", "max_lon", "min_lat", "max_lat"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.name}"

    @cached_property
    def shape(self) -> Any:
        from .geometry import shape_from_geojson

        return shape_from_geojson(self.geometry)

    def clean(self) -> None:
        from .geometry import GeometryError, shape_from_geojson

        try:
            geometry = shape_from_geojson(self.geometry)
        except GeometryError as error:
            raise ValidationError({"geometry": error.messages}) from error
        self.__dict__["shape"] = geometry

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.__dict__.pop("shape", None)
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = self.shape.bounds
        super().save(*args, **kwargs)


def address_label(
    civic_number: int | None,
    civic_suffix: str | None,
    street: str | None,
    unit: str | None,
    city: str | None,
) -> str:
    """An address as every face writes it ("100A, rue Alexandre, app. 3, Victoriaville"; the
    unit's word in the active language: "apt. 3" in English), from its parts: the lists of a
    thousand rows build it without a model instance."""
    # Translators: a dwelling's unit in an address ("app. 3"), abbreviated.
    unit = ", " + gettext("app. %(unit)s") % {"unit": unit} if unit else ""
    return f"{civic_number}{civic_suffix or ''}, {street or ''}{unit}, {city or ''}"


class Address(TimeStampedModel):
    """An entry of the town's address registry."""

    civic_number = models.PositiveIntegerField(_("numéro civique"))
    civic_suffix = models.CharField(_("suffixe"), max_length=8, blank=True)
    street = models.CharField(_("rue"), max_length=150, db_index=True)
    unit = models.CharField(_("unité"), max_length=20, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=7, blank=True)
    city = models.CharField(_("municipalité"), max_length=80, default="Victoriaville")
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    search_text = models.CharField(max_length=255, editable=False, db_index=True)
    zones = models.ManyToManyField(
        Zone, verbose_name=_("zones"), related_name="addresses", blank=True
    )

    class Meta:
        verbose_name = _("adresse")
        verbose_name_plural = _("adresses")
        ordering = ("street", "civic_number", "civic_suffix", "unit")
        constraints = [
            models.UniqueConstraint(
                fields=["civic_number", "civic_suffix", "street", "unit"], name="address_unique"
            )
        ]
        indexes = [models.Index(fields=["latitude", "longitude"])]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return address_label(
            self.civic_number, self.civic_suffix, self.street, self.unit, self.city
        )

    def compute_search_text(self) -> str:
        # The same words a query is cut into (address_search), city included since people
        # type it; the leading civic number stays one word ("4a").
        return normalize_address(
            f"{self.civic_number}{self.civic_suffix} {self.street} {self.unit} "
            f"{self.postal_code} {self.city}"
        )[:255]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = self.compute_search_text()
        super().save(*args, **kwargs)
