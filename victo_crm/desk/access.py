"""Who may open the desk's pages.

Anonymous visitors are sent to the login page; a signed-in person without a staff role
(a citizen) gets a 404, as if the desk did not exist; a request outside the staff member's
scope is a 404 too, so its existence never leaks. Pages reserved to supervisors answer 403
to an agent, who knows the desk exists; so does a write to a request an access grant opens
read-only. What is in scope is decided in ``scope.staff_scope``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase

from victo_crm.service_requests.models import ServiceRequest

from .scope import staff_scope
from .selectors import is_desk_user, is_supervising, request_for_desk

View = Callable[..., Any]


def desk_view(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_desk_user(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


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
