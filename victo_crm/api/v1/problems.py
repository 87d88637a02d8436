"""One error shape for the whole API: RFC 9457 problem details (``application/problem+json``).

::

    {"type": "urn:victo:problem:validation", "title": "Données invalides", "status": 400,
     "detail": "…", "instance": "/api/v1/requests/",
     "errors": [{"pointer": "#/field_values/taille", "detail": "…", "code": "required"}]}

Titles and details are in the language the middleware activated: French unless the app asks
for English with ``Accept-Language: en``. A field error's ``pointer`` is a JSON pointer (RFC
6901, in its URI fragment form) to the member of the request body at fault.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from victo_crm.core.errors import StaleUpdateError, TransitionNotAllowed
from victo_crm.core.views import RETRY_AFTER_SECONDS, database_unavailable

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"


def _titles() -> dict[int, str]:
    return {
        400: _("Données invalides"),
        401: _("Authentification requise"),
        403: _("Accès refusé"),
        404: _("Introuvable"),
        405: _("Méthode non permise"),
        406: _("Format de réponse non disponible"),
        409: _("Conflit"),
        413: _("Contenu trop volumineux"),
        415: _("Type de contenu non pris en charge"),
        422: _("Contenu non traitable"),
        429: _("Trop de requêtes"),
        500: _("Erreur du serveur"),
        503: _("Service momentanément indisponible"),
    }


TYPES = {
    400: "urn:victo:problem:validation",
    401: "urn:victo:problem:not-authenticated",
    403: "urn:victo:problem:forbidden",
    404: "urn:victo:problem:not-found",
    409: "urn:victo:problem:conflict",
    422: "urn:victo:problem:unprocessable",
    429: "urn:victo:problem:throttled",
    503: "urn:victo:problem:unavailable",
}


class Problem(exceptions.APIException):
    """An error with its own type, e.g. an idempotency conflict."""

    def __init__(self, status_code: int, detail: str, *, type_: str | None = None) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.problem_type = type_


def _pointer(path: list[str]) -> str:
    escaped = [str(part).replace("~", "~0").replace("/", "~1") for part in path]
    return "#/" + "/".join(escaped) if escaped else "#"


def _walk(detail: Any, path: list[str]) -> Iterator[dict[str, Any]]:
    if isinstance(detail, dict):
        for key, value in detail.items():
            sub = path if key in ("non_field_errors", "__all__") else [*path, *str(key).split(".")]
            yield from _walk(value, sub)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            for item in detail:
                yield {
                    "pointer": _pointer(path),
                    "detail": str(item),
                    "code": getattr(item, "code", "invalid"),
                }
        else:
            for index, item in enumerate(detail):
                yield from _walk(item, [*path, str(index)])
    else:
        yield {
            "pointer": _pointer(path),
            "detail": str(detail),
            "code": getattr(detail, "code", "invalid"),
        }


def from_django_validation(error: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ValidationError (``{"field_values.taille": [...]}``) as DRF's."""
    if hasattr(error, "error_dict"):
        detail: Any = {
            field: [str(message) for message in messages]
            for field, messages in error.message_dict.items()
        }
    else:
        detail = [str(message) for message in error.messages]
    return exceptions.ValidationError(detail)


def problem_body(
    status_code: int,
    *,
    detail: str,
    instance: str,
    type_: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": type_ or TYPES.get(status_code, "about:blank"),
        "title": _titles().get(status_code, _("Erreur")),
        "status": status_code,
        "detail": detail,
        "instance": instance,
    }
    if errors:
        body["errors"] = errors
    return body


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    request = context.get("request")
    instance = request.path if request is not None else ""
    headers: dict[str, str] = {}
    errors: list[dict[str, Any]] = []
    type_: str | None = None

    if isinstance(exc, StaleUpdateError):
        exc = Problem(409, " ".join(exc.messages), type_="urn:victo:problem:stale")
    elif isinstance(exc, DjangoValidationError):
        exc = from_django_validation(exc)
    elif isinstance(exc, TransitionNotAllowed):
        exc = Problem(409, str(exc) or _("Cette action n’est pas possible maintenant."))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if database_unavailable(exc):
        logger.error("Database unavailable: %s", type(exc).__name__)
        set_rollback()
        return Response(
            problem_body(
                503,
                detail=_(
                    "Le service est momentanément indisponible : rien n’a été enregistré. "
                    "Réessayez dans quelques instants."
                ),
                instance=instance,
            ),
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            content_type=PROBLEM_CONTENT_TYPE,
        )
    if not isinstance(exc, exceptions.APIException):
        logger.exception("Unhandled API error", exc_info=exc)
        set_rollback()
        return Response(
            problem_body(500, detail=_("Une erreur imprévue est survenue."), instance=instance),
            status=500,
            content_type=PROBLEM_CONTENT_TYPE,
        )

    if isinstance(exc, exceptions.ValidationError):
        errors = list(_walk(exc.detail, []))
        detail = (
            _("Certains champs sont à corriger.")
            if any(e["pointer"] != "#" for e in errors)
            else (errors[0]["detail"] if errors else _("Données invalides."))
        )
    else:
        detail = str(exc.detail) if not isinstance(exc.detail, list | dict) else str(exc)
    if isinstance(exc, Problem):
        type_ = exc.problem_type
    if isinstance(exc, exceptions.Throttled):
        wait = int(getattr(exc, "wait", None) or 1)
        headers["Retry-After"] = str(max(wait, 1))
        detail = _("Trop de requêtes : réessayez dans %(seconds)d secondes.") % {
            "seconds": max(wait, 1)
        }
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
    set_rollback()
    response = Response(
        problem_body(exc.status_code, detail=detail, instance=instance, type_=type_, errors=errors),
        status=exc.status_code,
        headers=headers,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    return response


def problem_response(request: HttpRequest, status_code: int, detail: str) -> JsonResponse:
    """A problem from plain Django code (the API's 404 for unknown addresses)."""
    return JsonResponse(
        problem_body(status_code, detail=detail, instance=request.path),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
