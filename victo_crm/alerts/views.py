"""Thin views: validate, call a service or a selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from victo_crm.accounts import roles
from victo_crm.core.errors import form_add_errors
from victo_crm.notifications.unsubscribe import read_token
from victo_crm.places.models import Address
from victo_crm.places.selectors import address_resolve

from . import ical, services
from .calendar import upcoming_collections
from .forms import (
    CHANNEL_LABELS,
    AddressSearchForm,
    NoticeForm,
    SubscriptionForm,
    address_match_error,
)
from .models import AlertTopic, Notice, NoticePolicy, NoticeStatus, Subscription
from .selectors import (
    active_notices,
    may_publish_broad,
    notice_audience_count,
    notice_channel_counts,
    notice_is_broad,
    pending_notices,
    subscriptions_for,
)


def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "alerts/index.html",
        {"notices": active_notices(), "search_form": AddressSearchForm()},
    )


def notice_public(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(
        Notice.objects.select_related("topic"),
        pk=pk,
        status__in=[NoticeStatus.PUBLISHING, NoticeStatus.PUBLISHED, NoticeStatus.WITHDRAWN],
        # A draft or a request for approval taken back is withdrawn without ever being public.
        published_at__isnull=False,
    )
    return render(request, "alerts/notice_public.html", {"notice": notice})


# --- Collection days, without an account ---------------------------------------------------


def collection_search(request: HttpRequest) -> HttpResponse:
    form = AddressSearchForm(request.GET or None)
    candidates: list[Address] = []
    if form.is_valid():
        query = form.cleaned_data["q"]
        match = address_resolve(query)
        if match.address is not None:
            return redirect("alerts:collection_days", address_id=match.address.pk)
        candidates = match.candidates
        form.add_error("q", address_match_error(match, query))
    return render(
        request, "alerts/collection_search.html", {"form": form, "candidates": candidates}
    )


def collection_days(request: HttpRequest, address_id: int) -> HttpResponse:
    address = get_object_or_404(Address, pk=address_id)
    token = ical.address_token(address)
    feed = request.build_absolute_uri(reverse("alerts:collection_ical", args=[token]))
    return render(
        request,
        "alerts/collection_days.html",
        {
            "address": address,
            "schedule": upcoming_collections(address.pk),
            "ical_url": feed,
            "webcal_url": _webcal(feed),
        },
    )


def _webcal(feed: str) -> str:
    """The feed's address for "subscribe" links: calendar apps open webcal:// themselves."""
    return feed.replace("https://", "webcal://").replace("http://", "webcal://")


def collection_ical(request: HttpRequest, token: str) -> HttpResponse:
    address_id = ical.address_from_token(token)
    if address_id is None:
        raise Http404
    address = get_object_or_404(Address, pk=address_id)
    language = (request.GET.get("lang") or translation.get_language() or "fr")[:2]
    body = ical.build_ical(address, language=language if language in ("fr", "en") else "fr")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="collectes.ics"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- Signed-in citizens ---------------------------------------------------------------------


@login_required
def my_calendar(request: HttpRequest) -> HttpResponse:
    addresses: dict[int, Address] = {}
    labels: dict[int, str] = {}
    own: Address | None = getattr(request.user, "address", None)
    if own is not None:
        addresses[own.pk] = own
    for subscription in subscriptions_for(request.user):
        addresses.setdefault(subscription.address_id, subscription.address)
        if subscription.label and subscription.address_id != getattr(own, "pk", None):
            labels.setdefault(subscription.address_id, subscription.label)
    entries = []
    for address in addresses.values():
        feed = request.build_absolute_uri(
            reverse("alerts:collection_ical", args=[ical.address_token(address)])
        )
        entries.append(
            {
                "address": address,
                "label": labels.get(address.pk, ""),
                "schedule": upcoming_collections(address.pk, weeks=4),
                "ical_url": feed,
                "webcal_url": _webcal(feed),
            }
        )
    return render(request, "alerts/my_calendar.html", {"entries": entries})


@login_required
def subscriptions(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial: dict[str, Any] = {}
    if user.address_id:  # type: ignore[union-attr]
        initial["address"] = user.address.label  # type: ignore[union-attr]
    form = SubscriptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_create(
                user=user,  # type: ignore[arg-type]
                topic=form.cleaned_data["topic"],
                address=form.cleaned_data["address"],
                channels=form.cleaned_data["channels"],
                label=form.cleaned_data["label"],
            )
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("Votre abonnement est enregistré."))
            return redirect("alerts:subscriptions")
    return render(
        request,
        "alerts/subscriptions.html",
        {
            "form": form,
            "subscriptions": subscriptions_for(user),
            "topics": AlertTopic.objects.filter(is_active=True),
        },
    )


@login_required
@require_POST
def subscription_delete(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(Subscription, pk=pk, user=request.user)
    services.subscription_delete(user=request.user, subscription=subscription)  # type: ignore[arg-type]
    messages.success(request, _("Votre abonnement est supprimé."))
    return redirect("alerts:subscriptions")


# --- Unsubscribe, without signing in -----------------------------------------------------------


@csrf_exempt  # the signed token is the credential; mail clients' one-click POST has no cookie
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    target = read_token(token)
    if target is None:
        return render(request, "alerts/unsubscribe_invalid.html", status=400)
    done = False
    if request.method == "POST":
        services.unsubscribe_apply(target=target)
        done = True
    topic_label = dict(_topic_labels()).get(target.topic, target.topic)
    return render(
        request,
        "alerts/unsubscribe.html",
        {"done": done, "topic_label": topic_label, "token": token},
    )


def _topic_labels() -> list[tuple[str, str]]:
    from victo_crm.accounts.models import Topic

    return [
        *((value, str(label)) for value, label in Topic.choices),
        ("staff", _("Messages de travail")),
        ("*", _("Tous les sujets")),
    ]


# --- Staff: notices --------------------------------------------------------------------------


def _require_staff(request: HttpRequest) -> None:
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied
    if not (roles.is_staff_member(user) or roles.WEB_EDITOR in roles.role_names(user)):
        raise PermissionDenied


def staff_view(view: Any) -> Any:
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _require_staff(request)
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@staff_view
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = Notice.objects.select_related("topic").order_by("-created_at")[:100]
    return render(
        request,
        "alerts/staff/notice_list.html",
        {
            "notices": notices,
            "pending": list(pending_notices()),
            "may_approve": may_publish_broad(request.user),  # type: ignore[arg-type]
        },
    )


@staff_view
def notice_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    notice = get_object_or_404(Notice, pk=pk, status=NoticeStatus.DRAFT) if pk else None
    initial = {} if notice else {"starts_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    form = NoticeForm(request.POST or None, instance=notice, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.notice_save_draft(
                notice=form.save(commit=False),
                actor=request.user,  # type: ignore[arg-type]
                zones=form.cleaned_data["zones"],
            )
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            return redirect("alerts:notice_detail", pk=saved.pk)
    return render(request, "alerts/staff/notice_form.html", {"form": form, "notice": notice})


def _channel_rows(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [{"channel": CHANNEL_LABELS[c], "n": counts[c]} for c in counts]


def _detail(
    request: HttpRequest, notice: Notice, *, error: str = "", status: int = 200
) -> HttpResponse:
    user = request.user
    audience = broad = counts = None
    if notice.status in (NoticeStatus.DRAFT, NoticeStatus.PENDING):
        audience = notice_audience_count(notice)
        broad = notice_is_broad(notice, audience=audience)
    if notice.status == NoticeStatus.PENDING:
        counts = _channel_rows(notice_channel_counts(notice))
    delivery = None
    if notice.status in (NoticeStatus.PUBLISHING, NoticeStatus.PUBLISHED, NoticeStatus.WITHDRAWN):
        from django.db.models import Count

        from victo_crm.notifications.models import (
            Notification,
            NotificationChannel,
            NotificationStatus,
        )

        channels, statuses = dict(NotificationChannel.choices), dict(NotificationStatus.choices)
        delivery = [
            {
                "channel": channels.get(row["channel"], row["channel"]),
                "status": statuses.get(row["status"], row["status"]),
                "n": row["n"],
            }
            for row in Notification.objects.filter(group_key=f"notice:{notice.pk}")
            .values("channel", "status")
            .annotate(n=Count("pk"))
            .order_by("channel", "status")
        ]
    may_broad = may_publish_broad(user)  # type: ignore[arg-type]
    return render(
        request,
        "alerts/staff/notice_detail.html",
        {
            "notice": notice,
            "audience": audience,
            "broad": broad,
            "counts": counts,
            "delivery": delivery,
            "may_publish": not broad or may_broad,
            "may_approve": may_broad and notice.requested_by_id != user.pk,
            "is_requester": notice.requested_by_id == user.pk,
            "events": notice.events.select_related("actor").order_by("at", "pk"),
            "error": error,
        },
        status=status,
    )


@staff_view
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice.objects.select_related("topic"), pk=pk)
    return _detail(request, notice)


@staff_view
def notice_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation page: who the notice reaches, on which channels, then "send"."""
    notice = get_object_or_404(Notice.objects.select_related("topic"), pk=pk)
    if notice.status != NoticeStatus.DRAFT:
        return redirect("alerts:notice_detail", pk=pk)
    policy = NoticePolicy.current()
    audience = notice_audience_count(notice)
    broad = notice_is_broad(notice, audience=audience, policy=policy)
    error, status = "", 200
    if broad:
        try:
            services.refuse_without_broad_permission(request.user)  # type: ignore[arg-type]
        except PermissionDenied as refusal:
            error, status = str(refusal), 403
    if not error and request.method == "POST":
        if request.POST.get("confirm") != "yes":
            error, status = _("Cochez la case pour confirmer l’envoi."), 400
        else:
            try:
                published = services.notice_publish(notice=notice, actor=request.user)  # type: ignore[arg-type]
            except PermissionDenied as refusal:
                error, status = str(refusal), 403
            except ValidationError as invalid:
                messages.error(request, " ".join(invalid.messages))
                return redirect("alerts:notice_detail", pk=pk)
            else:
                if published.status == NoticeStatus.PENDING:
                    messages.success(
                        request,
                        _(
                            "Demande envoyée : l’avis partira quand une autre personne "
                            "l’aura approuvé."
                        ),
                    )
                else:
                    messages.success(
                        request,
                        _("Avis publié; envoi en cours à %(count)d personne(s).")
                        % {"count": published.audience_count},
                    )
                return redirect("alerts:notice_detail", pk=pk)
    return render(
        request,
        "alerts/staff/notice_confirm.html",
        {
            "notice": notice,
            "audience": audience,
            "broad": broad,
            "needs_approval": broad and policy.require_second_approval,
            "counts": None if status == 403 else _channel_rows(notice_channel_counts(notice)),
            "error": error,
            "allowed": status != 403,
        },
        status=status,
    )


@staff_view
@require_POST
def notice_approve(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice.objects.select_related("topic"), pk=pk)
    if request.POST.get("confirm") != "yes":
        return _detail(
            request, notice, error=_("Cochez la case pour confirmer l’envoi."), status=400
        )
    try:
        approved = services.notice_approve(notice=notice, actor=request.user)  # type: ignore[arg-type]
    except PermissionDenied as refusal:
        return _detail(request, notice, error=str(refusal), status=403)
    except ValidationError as invalid:
        messages.error(request, " ".join(invalid.messages))
    else:
        messages.success(
            request,
            _("Avis approuvé et publié : envoi en cours à %(count)d personne(s).")
            % {"count": approved.audience_count},
        )
    return redirect("alerts:notice_detail", pk=pk)


@staff_view
@require_POST
def notice_reject(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice.objects.select_related("topic"), pk=pk)
    try:
        services.notice_reject(
            notice=notice,
            actor=request.user,  # type: ignore[arg-type]
            reason=request.POST.get("reason", "")[:2000],
        )
    except PermissionDenied as refusal:
        return _detail(request, notice, error=str(refusal), status=403)
    except ValidationError as invalid:
        return _detail(request, notice, error=" ".join(invalid.messages), status=400)
    messages.success(request, _("Demande refusée : l’avis est revenu au brouillon."))
    return redirect("alerts:notice_detail", pk=pk)


@staff_view
@require_POST
def notice_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice, pk=pk)
    services.notice_withdraw(notice=notice, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Avis retiré."))
    return redirect("alerts:notice_detail", pk=pk)
