"""Wagtail admin configuration: the accessibility checker runs the WCAG 2.1 A/AA rules."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from wagtail import hooks
from wagtail.admin.userbar import AccessibilityItem


class WcagAccessibilityItem(AccessibilityItem):
    """Wagtail's checker (the userbar on pages and the editor's "Checks" panel) running every
    WCAG 2.1 A and AA rule of axe-core, the level Québec's SGQRI 008 standard requires, plus
    Wagtail's own content rules."""

    def get_axe_run_only(self, request: Any) -> Any:
        return {"type": "tag", "values": list(settings.VICTO_WEBSITE_AXE_TAGS)}

    def get_axe_rules(self, request: Any) -> dict[str, Any]:
        return {
            "p-as-heading": {"enabled": True},
            "alt-text-quality": {"enabled": True},
            **super().get_axe_rules(request),
        }


@hooks.register("construct_wagtail_userbar")
def use_wcag_accessibility_checker(request: Any, items: list[Any], page: Any) -> None:
    for index, item in enumerate(items):
        if type(item) is AccessibilityItem:
            items[index] = WcagAccessibilityItem()


def _staff_only_user_bulk_actions() -> None:
    # Registered after Wagtail's own (order 1): the registry keeps the last one per action.
    from .cms_users import STAFF_BULK_ACTIONS

    for action_class in STAFF_BULK_ACTIONS:
        hooks.register("register_bulk_action", action_class, order=1)


_staff_only_user_bulk_actions()
