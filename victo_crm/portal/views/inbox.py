"""My notices ("Mes avis"): the citizen's in-app notifications, and marking them read.

Paged like My requests: by keyset on (created_at, id), newest first, 20 a page, without a
total count, so an old account's page 30 costs what page 1 costs and a notice arriving
meanwhile never shifts a page. Opening the page marks nothing read: the citizen does,
with a button (a plain form, without script)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from victo_crm.notifications import selectors as notification_selectors
from victo_crm.notifications import services as notification_services
from victo_crm.notifications.models import Notification
from victo_crm.portal.selectors import KeysetPage, decode_cursor, keyset_page, keyset_window

from .common import citizen_required, me, private

# What the list shows; the body can be long, but it is shown whole.
LIST_FIELDS = ("subject", "body", "link", "created_at", "read_at", "is_emergency")


def _inbox_page(inbox: QuerySet[Notification], *, before: str, after: str) -> KeysetPage:
    """One page of the inbox, newest first, in one query."""
    qs = inbox.only(*LIST_FIELDS)
    return keyset_page(
        lambda before_key, after_key, size: keyset_window(
            qs, before=before_key, after=after_key, size=size
        ),
        before=before,
        after=after,
    )


def _our_hosts(request: HttpRequest) -> set[str]:
    return {request.get_host(), urlsplit(settings.SITE_URL).netloc}


def _safe_link(link: str, request: HttpRequest) -> str:
    """The notice's link if it leads to this site, as a path when it names our own address
    (so that it works on whichever host serves the page); "" otherwise, so that a stray
    ``javascript:`` or foreign address is never offered."""
    link = (link or "").strip()
    if not link or not url_has_allowed_host_and_scheme(
        link, allowed_hosts=_our_hosts(request), require_https=False
    ):
        return ""
    parts = urlsplit(link)
    if parts.netloc:
        link = parts._replace(scheme="", netloc="").geturl() or "/"
    # A bare "page/" would be read relative to the inbox's own address.
    return link if link.startswith("/") else ""


def _back_to_inbox(request: HttpRequest, anchor: str = "") -> HttpResponseRedirect:
    """To the inbox page the form was on (its cursor, checked), 303 so the browser GETs it."""
    query = {
        key: value
        for key in ("avant", "apres")
        if decode_cursor(value := request.POST.get(key, "")) is not None
    }
    url = reverse("portal:inbox")
    if query:
        url += "?" + urlencode(query)
    response = HttpResponseRedirect(url + (f"#{anchor}" if anchor else ""))
    response.status_code = 303
    return response


@require_GET
@citizen_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = me(request)
    before, after = request.GET.get("avant", ""), request.GET.get("apres", "")
    page = _inbox_page(notification_selectors.inbox_for(user), before=before, after=after)
    for notification in page.items:
        notification.safe_link = _safe_link(notification.link, request)
    unread = notification_selectors.unread_count(user)
    return render(
        request,
        "portal/inbox.html",
        {
            "page": page,
            # The nav shows the same number: counted once (templatetags.portal.inbox_unread).
            "inbox_unread": unread,
            # One reverse() for the whole list rather than one per notice.
            "read_prefix": reverse("portal:inbox_mark_read", args=[0])[: -len("0/lu/")],
            # The forms bring the citizen back to this page (the views check these again).
            "before": before if decode_cursor(before) else "",
            "after": after if decode_cursor(after) else "",
        },
    )


@private("POST")
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notice read. Another citizen's id answers like an unknown one (404)."""
    user = me(request)
    if not notification_selectors.inbox_for(user).filter(pk=pk).exists():
        raise Http404
    notification_services.notification_mark_read(user=user, notification_id=pk)
    messages.success(request, _("L’avis est marqué comme lu."))
    return _back_to_inbox(request, anchor=f"avis-{pk}")


@require_POST
@citizen_required
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = notification_services.notifications_mark_all_read(user=me(request))
    if count:
        messages.success(request, _("Tous vos avis sont marqués comme lus."))
    else:
        messages.info(request, _("Vous n’aviez aucun avis non lu."))
    return _back_to_inbox(request)
