from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from .models import Team, User


class EmailUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class EmailUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class TeamMembershipInline(admin.TabularInline):
    model = Team.members.through
    extra = 0
    verbose_name = _("équipe")
    verbose_name_plural = _("équipes")
    autocomplete_fields = ("team",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = EmailUserCreationForm
    form = EmailUserChangeForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_active", "groups", "preferred_language")
    search_fields = ("email", "first_name", "last_name", "phone")
    show_full_result_count = False
    autocomplete_fields = ("address",)
    inlines = (TeamMembershipInline,)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Identité et coordonnées"),
            {
                "fields": (
                    "first_name",
                    "last_name",
                    "phone",
                    "address",
                    "address_unit",
                    "preferred_language",
                )
            },
        ),
        (
            _("Rôles et permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name_fr", "code", "email", "is_active")
    search_fields = ("name_fr", "name_en", "code")
    filter_horizontal = ("members",)
