from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    AlertTopic,
    CollectionCalendar,
    CollectionException,
    Notice,
    NoticeEvent,
    NoticePolicy,
)


@admin.register(AlertTopic)
class AlertTopicAdmin(admin.ModelAdmin):
    list_display = ("name_fr", "code", "category", "is_active", "order")
    list_editable = ("is_active", "order")
    list_filter = ("category",)
    prepopulated_fields = {"code": ("name_fr",)}
    search_fields = ("name_fr", "name_en", "code")


class CollectionExceptionInline(admin.TabularInline):
    model = CollectionException
    extra = 0
    fields = ("kind", "date", "new_date", "reason_fr", "reason_en")


@admin.register(CollectionCalendar)
class CollectionCalendarAdmin(admin.ModelAdmin):
    list_display = (
        "topic",
        "zone",
        "frequency",
        "weekday",
        "season_start",
        "season_end",
        "is_active",
    )
    list_filter = ("topic", "zone", "frequency", "is_active")
    inlines = (CollectionExceptionInline,)
    autocomplete_fields = ()


@admin.register(CollectionException)
class CollectionExceptionAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "new_date", "calendar", "reason_fr")
    list_filter = ("kind",)
    date_hierarchy = "date"


# Subscriptions are not here: each is a citizen's address, topics and channels, which the
# citizen manages in the portal and the app (victo_crm.core.privacy).


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Read notices here. They are written, published, approved and withdrawn only on the
    pages at /alertes/avis/ (the services): those show the audience first, check the
    permission to reach the whole town, and log each step. Changing a notice here would
    go around all of that (and change the audience of a fan-out under way)."""

    list_display = ("title_fr", "topic", "severity", "area_kind", "status", "audience_count")
    list_filter = ("status", "severity", "area_kind", "topic")
    search_fields = ("title_fr", "title_en")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(NoticeEvent)
class NoticeEventAdmin(admin.ModelAdmin):
    """The notices' audit log: who asked, approved, refused, published or withdrew which
    notice, when, with which reach. Rows are only ever added, by the services."""

    list_display = ("at", "kind", "notice", "actor_email", "severity", "area", "audience_count")
    list_filter = ("kind", "is_broad", "severity")
    search_fields = ("actor_email", "notice__title_fr")
    date_hierarchy = "at"
    list_select_related = ("notice",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(NoticePolicy)
class NoticePolicyAdmin(admin.ModelAdmin):
    """One row: added once, never deleted (its absence means the defaults)."""

    list_display = ("__str__", "require_second_approval", "broad_audience_from", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not NoticePolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
