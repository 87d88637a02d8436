"""Administration of zones and of the address registry.

Zone and address memberships are computed, never typed: saving a zone recomputes the
addresses it covers, and saving an address recomputes its zones.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from victo_crm.core.text import address_words

from .imports import coordinates_check, postal_code_normalize
from .models import Address, Zone, ZoneKind
from .services import addresses_locate, zone_delete, zone_save


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "code", "address_count", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    ordering = ("kind", "name")
    fields = ("kind", "code", "name", "geometry", "bounding_box", "address_count")
    readonly_fields = ("bounding_box", "address_count")
    prepopulated_fields = {"code": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Zone]:
        return super().get_queryset(request).annotate(_address_count=Count("addresses"))

    @admin.display(description=_("adresses"), ordering="_address_count")
    def address_count(self, zone: Zone) -> int:
        count = getattr(zone, "_address_count", None)
        if count is None:  # a zone just saved, not loaded through get_queryset
            count = zone.addresses.count() if zone.pk else 0
        return count

    @admin.display(description=_("rectangle englobant"))
    def bounding_box(self, zone: Zone) -> str:
        if not zone.pk:
            return "—"
        return _("lat. %(min_lat).5f à %(max_lat).5f, long. %(min_lon).5f à %(max_lon).5f") % {
            "min_lat": zone.min_lat,
            "max_lat": zone.max_lat,
            "min_lon": zone.min_lon,
            "max_lon": zone.max_lon,
        }

    def save_model(self, request: HttpRequest, obj: Zone, form: Any, change: bool) -> None:
        zone_save(zone=obj)
        count = obj.addresses.count()
        self.message_user(
            request,
            ngettext(
                "%(count)d adresse se trouve dans cette zone.",
                "%(count)d adresses se trouvent dans cette zone.",
                count,
            )
            % {"count": count},
            messages.INFO,
        )

    def delete_model(self, request: HttpRequest, obj: Zone) -> None:
        zone_delete(zone=obj)


class ZoneOfKindFilter(admin.SimpleListFilter):
    """Addresses in one zone of a kind, or in none of that kind."""

    kind: str = ""
    NONE = "none"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        zones = Zone.objects.filter(kind=self.kind).order_by("name").values_list("pk", "name")
        return [(str(pk), name) for pk, name in zones] + [(self.NONE, _("Aucun"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Address]) -> QuerySet[Address]:
        value = self.value()
        if value == self.NONE:
            return queryset.exclude(zones__kind=self.kind)
        if value:
            return queryset.filter(zones__pk=value)
        return queryset


class DistrictFilter(ZoneOfKindFilter):
    title = _("district électoral")
    parameter_name = "district"
    kind = ZoneKind.DISTRICT


class CollectionSectorFilter(ZoneOfKindFilter):
    title = _("secteur de collecte")
    parameter_name = "secteur"
    kind = ZoneKind.COLLECTION_SECTOR


class WorksAreaFilter(ZoneOfKindFilter):
    title = _("zone de travaux")
    parameter_name = "travaux"
    kind = ZoneKind.WORKS_AREA


class AddressAdminForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = (
            "civic_number",
            "civic_suffix",
            "street",
            "unit",
            "postal_code",
            "city",
            "latitude",
            "longitude",
        )

    def clean_civic_suffix(self) -> str:
        # Same spelling as the CSV import, so "12a" and "12A" are one address.
        return (self.cleaned_data.get("civic_suffix") or "").strip().upper()

    def clean_postal_code(self) -> str:
        return postal_code_normalize(self.cleaned_data.get("postal_code") or "")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if latitude is not None and longitude is not None:
            try:
                coordinates_check(latitude, longitude)
            except forms.ValidationError as error:
                self.add_error("latitude", error)
        return cleaned


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    form = AddressAdminForm
    list_display = ("label", "postal_code", "zone_names")
    list_filter = (DistrictFilter, CollectionSectorFilter, WorksAreaFilter)
    search_fields = ("search_text",)
    search_help_text = _("Numéro, rue, unité ou code postal ; les accents sont facultatifs.")
    readonly_fields = ("zone_names", "created_at", "updated_at")
    fieldsets = (
        (
            None,
            {"fields": ("civic_number", "civic_suffix", "street", "unit", "postal_code", "city")},
        ),
        (_("Position"), {"fields": ("latitude", "longitude", "zone_names")}),
        (_("Historique"), {"fields": ("created_at", "updated_at")}),
    )
    list_per_page = 50
    # Counting tens of thousands of rows on every page load is wasted work.
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Address]:
        return super().get_queryset(request).prefetch_related("zones")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Address], search_term: str
    ) -> tuple[QuerySet[Address], bool]:
        # search_text is address_words joined: cut the words typed the same way.
        for word in address_words(search_term):
            queryset = queryset.filter(search_text__contains=word)
        return queryset, False

    @admin.display(description=_("adresse"), ordering="street")
    def label(self, address: Address) -> str:
        return address.label

    @admin.display(description=_("zones"))
    def zone_names(self, address: Address) -> str:
        if not address.pk:
            return "—"
        names = sorted(zone.name for zone in address.zones.all())
        return ", ".join(names) or "—"

    def save_model(self, request: HttpRequest, obj: Address, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        addresses_locate(addresses=[obj])
