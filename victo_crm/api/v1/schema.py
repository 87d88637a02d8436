"""OpenAPI post-processing: the schema at /api/v1/schema/ describes the whole of what the app
talks to, as it really answers, so that a client generated from it alone works
(tests/api/test_generated_client.py proves it):

- allauth's headless specification (sign-up, e-mail verification, sign-in, two-factor,
  password reset, the session token), the app client's part of it, merged in under
  ``/_allauth/app/v1/`` with its components prefixed ``Allauth``;
- per operation, the problem responses it can give and why, with their headers
  (``Retry-After``, ``WWW-Authenticate``), and the headers of its successes (``Location``,
  ``Idempotent-Replayed``, ``ETag``/``Cache-Control``/``Vary``, ``Content-Language``);
- ``Accept-Language`` as a parameter of every operation, the server to call.
"""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings

from .export_schema import COMPONENT as EXPORT_COMPONENT
from .export_schema import personal_data_export
from .problems import TYPES

PROBLEM_TYPES = [
    *sorted(
        {
            *TYPES.values(),
            "urn:victo:problem:stale",
            "urn:victo:problem:idempotency-in-progress",
            "urn:victo:problem:idempotency-key-reused",
            "urn:victo:problem:idempotency-key-invalid",
        }
    ),
    "about:blank",
]

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {
            "type": "string",
            "enum": PROBLEM_TYPES,
            "description": "What went wrong; `about:blank` for plain HTTP errors (413, 415).",
        },
        "title": {"type": "string", "example": "Données invalides"},
        "status": {"type": "integer", "example": 400},
        "detail": {"type": "string"},
        "instance": {"type": "string", "example": "/api/v1/requests/"},
        "errors": {
            "type": "array",
            "description": "For a 400: each field at fault.",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {
                        "type": "string",
                        "description": "A JSON pointer (RFC 6901, URI fragment form) into the body.",
                        "example": "#/field_values/taille",
                    },
                    "detail": {"type": "string"},
                    "code": {"type": "string"},
                },
                "required": ["pointer", "detail"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}

HEADERS = {
    "ContentLanguage": {
        "description": "The language of the texts of the answer (`fr` unless asked otherwise).",
        "schema": {"type": "string", "enum": ["fr", "en"]},
    },
    "RetryAfter": {"description": "Seconds to wait.", "schema": {"type": "integer"}},
    "WWWAuthenticate": {
        "description": "How to authenticate: `Session-Token` (the X-Session-Token header).",
        "schema": {"type": "string"},
    },
    "Location": {
        "description": "The URL of what was created.",
        "required": True,
        "schema": {"type": "string"},
    },
    "IdempotentReplayed": {
        "description": "`true` when this answer replays the first one sent for the same "
        "Idempotency-Key (nothing was created again).",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "ETag": {
        "description": "The version of the document; send it back in If-None-Match.",
        "schema": {"type": "string"},
    },
    "CacheControl": {"description": "How long to keep it.", "schema": {"type": "string"}},
    "Vary": {
        "description": "`Accept-Language`: one copy per language.",
        "schema": {"type": "string"},
    },
}

ACCEPT_LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "description": "`en` for English texts and messages; French otherwise.",
    "schema": {"type": "string", "example": "en"},
}

WHY = {
    "304": "Not modified: the copy named by If-None-Match is current.",
    "400": "Invalid input; `errors` points at each field at fault.",
    "401": "The session token is missing, invalid or expired.",
    "403": "A browser session without a valid CSRF token.",
    "404": "No such object, or not yours.",
    "409": "Conflict: the same Idempotency-Key still in progress.",
    "413": "Request body too large.",
    "415": "Unsupported content type.",
    "422": "An Idempotency-Key reused with another body.",
    "429": "Too many requests; see the Retry-After header.",
}

# Operations whose action the request's state may not allow (409 conflict).
STATE_CONFLICTS = {
    "requests_reopen": "The request is not closed, its reopening delay has passed, or its "
    "workflow cannot reopen it online.",
    "requests_rate": "The request is not closed yet, or was already rated.",
}
# Operations that may not find what their body names (404): nothing to follow.
BODY_NOT_FOUND = {"follows_create"}

EXAMPLES = {
    "400": {
        "type": "urn:victo:problem:validation",
        "title": "Données invalides",
        "status": 400,
        "detail": "Certains champs sont à corriger.",
        "instance": "/api/v1/requests/",
        "errors": [
            {
                "pointer": "#/field_values/taille",
                "detail": "Le champ « Taille » est obligatoire.",
                "code": "invalid",
            }
        ],
    },
    "401": {
        "type": "urn:victo:problem:not-authenticated",
        "title": "Non authentifié",
        "status": 401,
        "detail": "Informations d’authentification non fournies.",
        "instance": "/api/v1/requests/",
    },
    "404": {
        "type": "urn:victo:problem:not-found",
        "title": "Introuvable",
        "status": 404,
        "detail": "Pas trouvé.",
        "instance": "/api/v1/requests/2026-000123/",
    },
    "409": {
        "type": "urn:victo:problem:conflict",
        "title": "Conflit",
        "status": 409,
        "detail": "Cette requête n’est pas fermée.",
        "instance": "/api/v1/requests/2026-000123/reopen/",
    },
}

HEADER_REF = "#/components/headers/"


def _header(name: str) -> dict[str, str]:
    return {"$ref": HEADER_REF + name}


def _problem(code: str, description: str) -> dict[str, Any]:
    content: dict[str, Any] = {"schema": {"$ref": "#/components/schemas/Problem"}}
    if code in EXAMPLES:
        content["example"] = EXAMPLES[code]
    entry: dict[str, Any] = {
        "description": description,
        "content": {"application/problem+json": content},
        "headers": {"Content-Language": _header("ContentLanguage")},
    }
    if code == "429":
        entry["headers"]["Retry-After"] = _header("RetryAfter")
    if code == "401":
        entry["headers"]["WWW-Authenticate"] = _header("WWWAuthenticate")
    return entry


def _errors_of(path: str, method: str, operation: dict[str, Any]) -> dict[str, str]:
    """The problem responses an operation can give, each with its reason. Every operation:
    400 (a control character in the path or the query is refused before any view), 401 (a
    wrong token is never silently anonymous) and 429 (rate limits)."""
    parameters = {p.get("name") for p in operation.get("parameters", [])}
    idempotent = "Idempotency-Key" in parameters
    errors = {"400": WHY["400"], "401": WHY["401"], "429": WHY["429"]}
    if method != "get":
        errors["403"] = WHY["403"]
    if "{" in path or operation["operationId"] in BODY_NOT_FOUND:
        errors["404"] = WHY["404"]
    if "cursor" in parameters:
        errors["404"] = "A `cursor` that is not one of ours (take `next` and `previous` as given)."
    if "requestBody" in operation:
        errors["413"] = WHY["413"]
        errors["415"] = WHY["415"]
    if idempotent:
        errors["409"] = WHY["409"]
        errors["422"] = WHY["422"]
    if operation["operationId"] in STATE_CONFLICTS:
        errors["409"] = "Conflict: " + STATE_CONFLICTS[operation["operationId"]]
    return dict(sorted(errors.items()))


def describe_answers(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """Problems, headers and Accept-Language on every operation of the API's own paths."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components["schemas"][EXPORT_COMPONENT] = personal_data_export()
    components.setdefault("headers", {}).update(HEADERS)
    components.setdefault("parameters", {})["AcceptLanguage"] = ACCEPT_LANGUAGE
    for path, path_item in result.get("paths", {}).items():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            operation.setdefault("parameters", []).append(
                {"$ref": "#/components/parameters/AcceptLanguage"}
            )
            responses = operation.setdefault("responses", {})
            for code, why in _errors_of(path, method, operation).items():
                responses[code] = _problem(code, why)
            idempotent = any(
                p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])
            )
            for code, response in responses.items():
                headers = response.setdefault("headers", {})
                headers.setdefault("Content-Language", _header("ContentLanguage"))
                if idempotent and code.startswith("2"):
                    headers["Idempotent-Replayed"] = _header("IdempotentReplayed")
                if code == "200" and operation["operationId"] == "me_export":
                    # The archive first (what a generated client reads by default), then its
                    # data.json alone, for `Accept: application/json`.
                    response["content"]["application/json"] = {
                        "schema": {"$ref": f"#/components/schemas/{EXPORT_COMPONENT}"}
                    }
                if code == "201" and operation["operationId"] == "requests_create":
                    headers["Location"] = _header("Location")
                if operation["tags"] == ["catalogue"] and code in ("200", "304"):
                    headers["ETag"] = _header("ETag")
                    headers["Cache-Control"] = _header("CacheControl")
                    headers["Vary"] = _header("Vary")
                if code == "304":
                    response.pop("content", None)
                    response["description"] = WHY["304"]
    result["servers"] = [
        {"url": settings.SITE_URL, "description": "This installation (VICTO_SITE_URL)."}
    ]
    return result


# --- allauth's headless specification ---------------------------------------------------------

# What the app uses of allauth (e-mail login: no phone, no login by code, no refresh token).
ALLAUTH_PATHS = (
    "/config",
    "/auth/signup",
    "/auth/email/verify",
    "/auth/email/verify/resend",
    "/auth/login",
    "/auth/2fa/authenticate",
    "/auth/reauthenticate",
    "/auth/2fa/reauthenticate",
    "/auth/session",
    "/auth/password/request",
    "/auth/password/reset",
    "/account/email",
    "/account/password/change",
    "/account/authenticators",
    "/account/authenticators/totp",
    "/account/authenticators/recovery-codes",
)
ALLAUTH_ROOT = "/_allauth/app/v1"


def _walk(node: Any, visit: Any) -> Any:
    if isinstance(node, dict):
        node = visit(node)
        return {key: _walk(value, visit) for key, value in node.items()}
    if isinstance(node, list):
        return [_walk(item, visit) for item in node]
    return node


def _to_31(node: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI 3.0's ``nullable`` said the 3.1 way (this schema is published as 3.1)."""
    if not node.pop("nullable", False):
        return node
    if "$ref" in node:
        rest = {key: value for key, value in node.items() if key != "$ref"}
        return {**rest, "oneOf": [{"$ref": node["$ref"]}, {"type": "null"}]}
    if isinstance(node.get("type"), str):
        return {**node, "type": [node["type"], "null"]}
    return node


def _any_of(node: dict[str, Any]) -> dict[str, Any]:
    """allauth's ``oneOf`` alternatives overlap (a re-authentication by password matches two
    of its ``AuthenticationMethod`` forms), so a strict validator refuses allauth's real
    answers: ``anyOf`` says what is meant."""
    if "oneOf" in node:
        node = {**node, "anyOf": node["oneOf"]}
        del node["oneOf"]
    return node


def _prefixed(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/"):
        kind, _slash, name = ref[len("#/components/") :].partition("/")
        return {**node, "$ref": f"#/components/{kind}/Allauth{name}"}
    return node


def _operation_id(path: str, method: str, methods: int) -> str:
    name = path.strip("/").replace("/", "_").replace("-", "_")
    return f"{name}_{method}" if methods > 1 else name


def merge_allauth(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """allauth's specification of its app client, merged in: one schema, one generated
    client for the whole flow. allauth serves its own at /_allauth/openapi.json too."""
    from allauth.headless.spec.internal.schema import get_schema

    spec = copy.deepcopy(get_schema())
    # Login is by e-mail address here (ACCOUNT_LOGIN_METHODS): allauth's generic form (one of
    # username, e-mail or phone) leaves a generated client without an e-mail field.
    spec["components"]["schemas"]["Login"] = {
        "type": "object",
        "properties": {
            "email": {"$ref": "#/components/schemas/Email"},
            "password": {"$ref": "#/components/schemas/Password"},
        },
        "required": ["email", "password"],
    }
    spec = _walk(_walk(_walk(spec, _any_of), _to_31), _prefixed)
    client_parameter = "#/components/parameters/AllauthClient"
    for path, path_item in spec["paths"].items():
        short = path.replace("/_allauth/{client}/v1", "").replace(ALLAUTH_ROOT, "")
        if short not in ALLAUTH_PATHS:
            continue
        methods = [m for m in path_item if m in ("get", "post", "put", "patch", "delete")]
        item: dict[str, Any] = {}
        for method in methods:
            operation = dict(path_item[method])
            operation["parameters"] = [
                p for p in operation.get("parameters", []) if p.get("$ref") != client_parameter
            ]
            operation["operationId"] = _operation_id(short, method, len(methods))
            operation["security"] = [{}]
            operation["tags"] = ["auth: " + tag for tag in operation.get("tags", [])]
            item[method] = operation
        for key, value in path_item.items():
            if key not in item and key not in ("get", "post", "put", "patch", "delete"):
                item[key] = (
                    [p for p in value if p.get("$ref") != client_parameter]
                    if key == "parameters"
                    else value
                )
        result["paths"][ALLAUTH_ROOT + short] = item
    components = result.setdefault("components", {})
    for kind, entries in spec.get("components", {}).items():
        for name, value in entries.items():
            if kind == "parameters" and name == "Client":
                continue
            components.setdefault(kind, {})["Allauth" + name] = value
    result["info"]["description"] += (
        "\n\nSign-up, e-mail verification, sign-in, two-factor authentication, password reset "
        "and the session token are django-allauth's headless API (app client), merged in here "
        "under `/_allauth/app/v1/` (operations tagged `auth: …`, components prefixed "
        "`Allauth`); allauth serves its own specification at `/_allauth/openapi.json`."
    )
    return result


def only_api_v1(endpoints: list[Any], **kwargs: Any) -> list[Any]:
    """The schema describes the mobile API only, not the CMS's or the admin's own APIs."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
