from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .models import ApiKey
from .services import api_key_create


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ("name", "is_active")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Open311 keys: the key is generated on creation and shown once in a message."""

    form = ApiKeyForm
    list_display = ("name", "prefix", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("name", "prefix")
    readonly_fields = ("prefix", "created_at", "last_used_at")
    actions = ("deactivate",)

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if not change:
            created, key = api_key_create(name=obj.name)
            if not obj.is_active:
                ApiKey.objects.filter(pk=created.pk).update(is_active=False)
            obj.pk, obj.prefix, obj.key_hash = created.pk, created.prefix, created.key_hash
            obj.created_at = created.created_at
            obj._state.adding = False
            messages.warning(
                request,
                _(
                    "Clé créée pour « %(name)s » : %(key)s — copiez-la maintenant, elle ne "
                    "sera plus jamais affichée."
                )
                % {"name": obj.name, "key": key},
            )
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_lazy("Désactiver les clés choisies"))
    def deactivate(self, request: HttpRequest, queryset: Any) -> None:
        queryset.update(is_active=False)
