"""Staff and teams in the admin. Citizens' accounts are not here: the admin is the
configuration back-office (``core.privacy``); a citizen keeps their account on the portal,
and staff read what a citizen submitted in the desk, where it is scoped and logged."""

from __future__ import annotations

from typing import Any

# allauth registers these in the admin; imported first so they can be taken out again.
import allauth.account.admin
import allauth.mfa.admin  # noqa: F401
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Team, User
from .selectors import staff_accounts
from .services import staff_two_factor_reset

# Every account's e-mail addresses, and second-factor secrets: personal data, and secrets.
admin.site.unregister(EmailAddress)
admin.site.unregister(Authenticator)


class EmailUserCreationForm(forms.ModelForm):
    """A staff account: created with its roles, so that it is a staff account from the
    start (an account without a role would be a citizen's, which the admin does not show).

    No password: nobody types another person's password. The account starts without one;
    the person chooses it through the sign-in page's "Mot de passe oublié ?" (allauth's
    reset, by e-mail) and then enrols their second factor, like every staff member."""

    groups = forms.ModelMultipleChoiceField(
        label=_("rôles"),
        queryset=Group.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Au moins un rôle : agent, superviseur, administrateur, rédacteur web…"),
    )

    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "groups")

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
            self.save_m2m()
        return user


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
    """Staff accounts only: a citizen is never listed, and their page is not found."""

    add_form = EmailUserCreationForm
    form = EmailUserChangeForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_active", "groups", "preferred_language")
    search_fields = ("email", "first_name", "last_name")
    show_full_result_count = False
    inlines = (TeamMembershipInline,)
    # No phone or postal address: the person keeps those in their own profile.
    fieldsets = (
        (None, {"fields": ("email",)}),
        (_("Identité"), {"fields": ("first_name", "last_name", "preferred_language")}),
        (
            _("Rôles et permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "groups"),
            },
        ),
    )

    actions = ("reset_two_factor",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return staff_accounts().prefetch_related("groups")

    @admin.action(
        description=_("Réinitialiser l’authentification à deux facteurs (téléphone perdu)"),
        permissions=["change"],
    )
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        people = 0
        for user in queryset:
            if staff_two_factor_reset(user=user):
                people += 1
                self.log_change(
                    request, user, [{"changed": {"fields": ["two-factor authentication"]}}]
                )
        self.message_user(
            request,
            ngettext(
                "%(count)d personne devra configurer une nouvelle application "
                "d’authentification à sa prochaine connexion.",
                "%(count)d personnes devront configurer une nouvelle application "
                "d’authentification à leur prochaine connexion.",
                people,
            )
            % {"count": people},
            messages.SUCCESS,
        )

    def user_change_password(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        # No password form but allauth's: a person changes their own there, or resets it.
        raise Http404

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        # Teams on the change page, which the add page leads to once the account exists.
        return self.inlines if obj is not None else ()


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name_fr", "code", "email", "is_active")
    search_fields = ("name_fr", "name_en", "code")
    filter_horizontal = ("members",)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "members":
            # Staff only: listing every account here would list every citizen.
            kwargs["queryset"] = staff_accounts().order_by("last_name", "first_name", "email")
        return super().formfield_for_manytomany(db_field, request, **kwargs)
