"""Empty the page cache whenever what visitors see may have changed."""

from __future__ import annotations

import contextlib
from typing import Any

from django.apps import apps
from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from .cache import website_cache_clear


def _clear(sender: Any, **kwargs: Any) -> None:
    website_cache_clear()


page_published.connect(_clear, dispatch_uid="website_cache_published")
page_unpublished.connect(_clear, dispatch_uid="website_cache_unpublished")
post_page_move.connect(_clear, dispatch_uid="website_cache_moved")
page_slug_changed.connect(_clear, dispatch_uid="website_cache_slug")

# Request types appear on information pages and in the search.
post_save.connect(_clear, sender="service_requests.RequestType", dispatch_uid="website_rt_save")

# The emergency banner reads the alerts app's notices, when that app has them.
_notice: Any = None
with contextlib.suppress(LookupError):
    _notice = apps.get_model("alerts", "Notice")
if _notice is not None:
    post_save.connect(_clear, sender=_notice, dispatch_uid="website_notice_save")
    post_delete.connect(_clear, sender=_notice, dispatch_uid="website_notice_delete")
