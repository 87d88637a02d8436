from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AlertTopic, CollectionCalendar, CollectionException, Notice, Subscription
from .services import EVERY_CHANNEL


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


class SubscriptionAdminForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=_("canaux"),
        choices=[(c, c) for c in EVERY_CHANNEL],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Subscription
        fields = ("user", "topic", "address", "label", "channels", "is_active")


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionAdminForm
    list_display = ("user", "topic", "address", "is_active", "created_at")
    list_filter = ("topic", "is_active")
    search_fields = ("user__email", "address__street")
    raw_id_fields = ("user", "address")


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Read and correct notices here; publishing goes through the page at /alertes/avis/,
    which shows the audience first and fans out in the background."""

    list_display = ("title_fr", "topic", "severity", "status", "starts_at", "audience_count")
    list_filter = ("status", "severity", "topic")
    search_fields = ("title_fr", "title_en")
    filter_horizontal = ("zones",)
    readonly_fields = (
        "status",
        "published_at",
        "published_by",
        "audience_count",
        "fanout_done_at",
        "created_by",
    )
