"""Who may open the desk's pages.

Anonymous visitors are sent to the login page; a signed-in person without a staff role
(a citizen) gets a 404, as if the desk did not exist; a request outside the staff member's
scope is a 404 too, so its existence never leaks. Pages reserved to supervisors answer 403
to an agent, who knows the desk exists; so does a write to a request an access grant opens
read-only. What is in scope is decided in ``scope.staff_scope``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from victo_crm.accounts import roles
from victo_crm.service_requests.models import ServiceRequest
from victo_crm.service_requests.scope import staff_scope

from .selectors import is_desk_user, is_supervising, request_for_desk
from .services import BREAK_GLASS_ATTR

View = Callable[..., Any]


def desk_view(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_desk_user(request.user):
            raise Http404
        if needs_break_glass(request.user):
            opened = break_glass_opened(request)
            if opened is None:
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('desk:break_glass')}?{query}")
            setattr(request.user, BREAK_GLASS_ATTR, opened)
        return view(request, *args, **kwargs)

    return wrapper


# --- Break-glass: a superuser without a staff role ----------------------------------------------

BREAK_GLASS_SESSION_KEY = "victo_break_glass"
BREAK_GLASS_DURATION = timedelta(hours=1)


def needs_break_glass(user: Any) -> bool:
    """A superuser who holds no staff role (the technical account) reads citizens' data only
    in an emergency: first they state why (``break_glass_open``), then each read names that
    statement in the access log. Staff roles go through their scope as usual."""
    return bool(user.is_superuser and not (roles.role_names(user) & set(roles.STAFF_ROLES)))


def break_glass_opened(request: HttpRequest) -> int | None:
    """The access-log id of this session's live break-glass statement, if any."""
    state = request.session.get(BREAK_GLASS_SESSION_KEY) or {}
    if state.get("user") != request.user.pk:
        return None
    opened_at = state.get("at", 0)
    if timezone.now().timestamp() - opened_at > BREAK_GLASS_DURATION.total_seconds():
        return None
    return int(state["log"])


def break_glass_remember(request: HttpRequest, log_id: int) -> None:
    request.session[BREAK_GLASS_SESSION_KEY] = {
        "user": request.user.pk,
        "log": log_id,
        "at": timezone.now().timestamp(),
    }


def supervisor_view(view: View) -> View:
    @desk_view
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_supervising(request.user):  # type: ignore[arg-type]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def get_request_or_404(
    request: HttpRequest, reference: str, *, to_act: bool = False
) -> ServiceRequest:
    """The request if the user may see it, else 404. With ``to_act``, a request the user
    only reads (an access grant "consultation seulement") answers 403: they know it exists."""
    found = request_for_desk(request.user, reference)  # type: ignore[arg-type]
    if found is None:
        raise Http404
    if to_act and not staff_scope(request.user).may_act(found):
        raise PermissionDenied
    return found
