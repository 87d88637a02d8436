"""Wagtail's users app, its user pages limited to staff accounts (``cms_users``).

In a module of its own: ``website/apps.py`` must hold one app config only, or Django would
not pick ``WebsiteConfig`` (and its ``ready()``) for the website app."""

from wagtail.users.apps import WagtailUsersAppConfig


class StaffUsersConfig(WagtailUsersAppConfig):
    user_viewset = "victo_crm.website.cms_users.StaffUserViewSet"
