"""Mail and texts received: the original of a message on a timeline, the replies held for
review, and the messages whose processing failed (see and replay). Views validate, call an
``inbound`` service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from victo_crm.accounts.models import User
from victo_crm.inbound.models import InboundMessage, Status
from victo_crm.inbound.services import inbound_discard, inbound_release, inbound_replay
from victo_crm.service_requests.scope import staff_scope

from .access import desk_view, get_request_or_404, supervisor_view
from .models import AccessWhat
from .selectors import is_supervising
from .services import access_log_record

ATTENTION = (Status.HELD, Status.FAILED, Status.RECEIVED)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@supervisor_view
def inbound_list(request: HttpRequest) -> HttpResponse:
    """What needs someone: held replies and failed messages (no sender or words here: the
    page of each message shows them, and logs the reading)."""
    wanted = request.GET.get("statut", "")
    rows = InboundMessage.objects.select_related("request").only(
        "pk",
        "transport",
        "status",
        "reason",
        "size",
        "received_at",
        "attempts",
        "request__reference",
    )
    rows = (
        rows.filter(status=wanted) if wanted in Status.values else rows.filter(status__in=ATTENTION)
    )
    return render(
        request,
        "desk/inbound_list.html",
        {
            "nav": "inbound",
            "rows": rows[:200],
            "statuses": Status.choices,
            "wanted": wanted,
        },
    )


def _message_or_404(request: HttpRequest, pk: int, *, to_act: bool = False) -> InboundMessage:
    message = get_object_or_404(InboundMessage.objects.select_related("request"), pk=pk)
    if message.request is not None:
        # Someone who may not see the request does not learn the message exists.
        get_request_or_404(request, message.request.reference, to_act=to_act)
    elif not is_supervising(_user(request)):
        raise Http404
    return message


@desk_view
def inbound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message_or_404(request, pk)
    access_log_record(
        user=_user(request),
        what=AccessWhat.INBOUND_MESSAGE,
        request=message.request,
        detail=f"inbound:{message.pk}",
    )
    user = _user(request)
    may_act = message.request is None or staff_scope(user).may_act(message.request)
    return render(
        request,
        "desk/inbound_detail.html",
        {
            "nav": "inbound",
            "message": message,
            "may_release": may_act and message.status == Status.HELD and message.request,
            "may_discard": may_act and message.status in (Status.HELD, Status.FAILED),
            "may_replay": is_supervising(user)
            and message.status in (Status.FAILED, Status.RECEIVED),
        },
    )


@desk_view
@require_POST
def inbound_action(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message_or_404(request, pk, to_act=True)
    user = _user(request)
    action = request.POST.get("action", "")
    try:
        if action == "release":
            inbound_release(message=message, actor=user)
            messages.success(request, _("Le message a été ajouté à l’historique de la requête."))
        elif action == "discard":
            inbound_discard(message=message, actor=user)
            messages.success(request, _("Le message a été écarté."))
        elif action == "replay":
            if not is_supervising(user):
                raise PermissionDenied
            message = inbound_replay(message=message, actor=user)
            messages.success(
                request,
                _("Le message a été traité de nouveau : %(status)s.")
                % {"status": message.get_status_display()},
            )
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("desk:inbound", pk=message.pk)
