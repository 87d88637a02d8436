"""Empty the page cache whenever what visitors see may have changed.

Notices are followed differently: the cache keys hold a fingerprint of the notices in
force, read at most once a second (``cache.notices_version``), which also sees a notice
start or end on its own and a withdrawal written with ``UPDATE`` (no signal).
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.apps import apps
from django.db.models.signals import post_delete, post_save
from wagtail.models import PageViewRestriction, Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from .cache import website_cache_clear, website_notices_changed


def _clear(sender: Any, **kwargs: Any) -> None:
    website_cache_clear()


def _notices(sender: Any, **kwargs: Any) -> None:
    website_notices_changed()


page_published.connect(_clear, dispatch_uid="website_cache_published")
page_unpublished.connect(_clear, dispatch_uid="website_cache_unpublished")
post_page_move.connect(_clear, dispatch_uid="website_cache_moved")
page_slug_changed.connect(_clear, dispatch_uid="website_cache_slug")

# Privacy settings decide which pages may be shared; the site, which URLs pages have.
for _model, _name in ((PageViewRestriction, "restriction"), (Site, "site")):
    post_save.connect(_clear, sender=_model, dispatch_uid=f"website_{_name}_save")
    post_delete.connect(_clear, sender=_model, dispatch_uid=f"website_{_name}_delete")

# Request types (and their groups) appear on information pages and in the search.
for _name in ("RequestType", "RequestGroup"):
    _label = f"service_requests.{_name}"
    post_save.connect(_clear, sender=_label, dispatch_uid=f"website_{_name}_save")
    post_delete.connect(_clear, sender=_label, dispatch_uid=f"website_{_name}_delete")

# The emergency banner reads the alerts app's notices, when that app has them. A save
# only makes this process read the notices again now: a fan-out saves its notice after
# every chunk, and the other processes see a change within a second anyway.
_notice: Any = None
with contextlib.suppress(LookupError):
    _notice = apps.get_model("alerts", "Notice")
if _notice is not None:
    post_save.connect(_notices, sender=_notice, dispatch_uid="website_notice_save")
    post_delete.connect(_notices, sender=_notice, dispatch_uid="website_notice_delete")
