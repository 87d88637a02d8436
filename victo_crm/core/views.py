from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from . import readiness
from .boundary import busy

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Nothing else is tried (see ``readyz``), so a restart is
    never ordered because a dependency is down."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness, per dependency (``core.readiness``): 503 when PostgreSQL fails (or any
    check with ``?strict=1``), 200 otherwise, ``degraded`` when something else fails."""
    ready, all_ok, checks = readiness.run_checks()
    strict = request.GET.get("strict") == "1"
    status = "ok" if all_ok else ("degraded" if ready else "fail")
    code = 200 if (all_ok or (ready and not strict)) else 503
    return JsonResponse({"status": status, "checks": checks}, status=code)


def database_unavailable(error: BaseException | None) -> bool:
    """Whether an error says PostgreSQL cannot be reached now (restarting, refusing, a
    connection cut): worth a 503 and a retry, not a 500."""
    return isinstance(error, OperationalError | InterfaceError)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After, in the caller's format (``core.boundary.busy``: a short page, a
    problem document on the API, Open311's and allauth's own errors). None of them reads the
    database (nor the session, nor the menus), which is what is down."""
    response = busy(
        request,
        _(
            "Nos services en ligne sont momentanément indisponibles. Ce que vous veniez "
            "d’envoyer n’a pas été enregistré : réessayez dans quelques instants."
        ),
        RETRY_AFTER_SECONDS,
    )
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an unreachable database (a restart, a failover) is a 503 the caller
    may retry; anything else is Django's 500 page."""
    error = sys.exc_info()[1]
    if database_unavailable(error):
        return unavailable_response(request)
    from django.views.defaults import server_error as default

    return default(request)


@csrf_exempt
def allauth_not_offered(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """allauth headless always routes its phone-number endpoints, but this project signs in by
    e-mail and stores no phone in allauth (the adapter has no ``get_phone``): they would
    answer 500. They answer allauth's own 404 instead."""
    return JsonResponse({"status": 404}, status=404)
