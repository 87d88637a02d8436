"""OpenAPI post-processing: every operation documents the problem responses it can give, so
that the schema describes the API as it really answers (schemathesis checks that)."""

from __future__ import annotations

from typing import Any

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string", "example": "urn:victo:problem:validation"},
        "title": {"type": "string", "example": "Données invalides"},
        "status": {"type": "integer", "example": 400},
        "detail": {"type": "string"},
        "instance": {"type": "string", "example": "/api/v1/requests/"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string", "example": "#/field_values/taille"},
                    "detail": {"type": "string"},
                    "code": {"type": "string"},
                },
                "required": ["pointer", "detail"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}

DESCRIPTIONS = {
    "400": "Invalid input; `errors` points at each field at fault.",
    "401": "Not signed in, or the session token is invalid or expired.",
    "403": "Signed in through the browser without a valid CSRF token.",
    "404": "No such object, or not yours.",
    "405": "Method not allowed.",
    "406": "No acceptable representation.",
    "409": "Conflict: an Idempotency-Key still in progress, or an action not possible now.",
    "413": "Request body too large.",
    "415": "Unsupported content type.",
    "422": "An Idempotency-Key reused with another body.",
    "429": "Too many requests; see the Retry-After header.",
}
READ_ONLY = ("400", "401", "403", "404", "405", "406", "429")
WRITES = ("400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "429")


def add_problem_responses(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            codes = READ_ONLY if method == "get" else WRITES
            responses = operation.setdefault("responses", {})
            for code in codes:
                entry = responses.setdefault(code, {"description": DESCRIPTIONS[code]})
                entry.setdefault("content", {})["application/problem+json"] = {"schema": reference}
                if code == "429":
                    entry["headers"] = {
                        "Retry-After": {
                            "schema": {"type": "integer"},
                            "description": "Seconds to wait.",
                        }
                    }
    return result


def only_api_v1(endpoints: list[Any], **kwargs: Any) -> list[Any]:
    """The schema describes the mobile API only, not the CMS's or the admin's own APIs."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
