"""The CMS's user pages (``/cms/users/``) and its bulk actions on users, limited to staff
accounts, as in the Django admin: a citizen is never listed there and their pages and bulk
actions answer 404 (``victo_crm.core.privacy``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_list_or_404
from wagtail.users.views import users
from wagtail.users.views.bulk_actions import (
    AssignRoleBulkAction,
    DeleteBulkAction,
    SetActiveStateBulkAction,
)

from victo_crm.accounts.selectors import staff_accounts


def _staff_only(obj: Any) -> Any:
    if not staff_accounts().filter(pk=obj.pk).exists():
        raise Http404
    return obj


class IndexView(users.IndexView):
    def get_base_queryset(self) -> QuerySet[Any]:
        return super().get_base_queryset().filter(pk__in=staff_accounts().values("pk"))


class EditView(users.EditView):
    def get_object(self, *args: Any) -> Any:
        return _staff_only(super().get_object())


class DeleteView(users.DeleteView):
    def get_object(self, *args: Any) -> Any:
        return _staff_only(super().get_object())


class HistoryView(users.HistoryView):
    def get_object(self, *args: Any) -> Any:
        return _staff_only(super().get_object())


class StaffUserViewSet(users.UserViewSet):
    index_view_class = IndexView
    edit_view_class = EditView
    delete_view_class = DeleteView
    history_view_class = HistoryView


class _StaffBulkAction:
    """Bulk actions on users reach staff accounts only (their confirmation page lists the
    accounts chosen by id in the URL)."""

    @classmethod
    def get_queryset(cls, model: Any, object_ids: Any) -> Any:
        return get_list_or_404(staff_accounts(), pk__in=object_ids)

    def get_all_objects_in_listing_query(self, parent_id: Any) -> Any:
        listed = super().get_all_objects_in_listing_query(parent_id)  # type: ignore[misc]
        return listed.filter(pk__in=staff_accounts().values("pk"))


class StaffAssignRoleBulkAction(_StaffBulkAction, AssignRoleBulkAction):
    pass


class StaffDeleteBulkAction(_StaffBulkAction, DeleteBulkAction):
    pass


class StaffSetActiveStateBulkAction(_StaffBulkAction, SetActiveStateBulkAction):
    pass


STAFF_BULK_ACTIONS = (
    StaffAssignRoleBulkAction,
    StaffDeleteBulkAction,
    StaffSetActiveStateBulkAction,
)
