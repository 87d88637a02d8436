"""The OpenAPI schema against the API itself (schemathesis, in-process through WSGI): generated
calls of every operation, anonymous and signed in, give no server error and no answer the
schema does not describe (status, content type, headers, body). Examples are few so that the
suite stays fast; CI may raise VICTO_SCHEMATHESIS_EXAMPLES."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import session_token_for

EXAMPLES = int(os.environ.get("VICTO_SCHEMATHESIS_EXAMPLES", "3"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# allauth's part of the schema (/_allauth/app/v1/) is walked, call by call, by
# test_generated_client.py: generated calls would only sign up strangers and trip its limits.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application()).include(
    path_regex="^/api/v1/"
)
schema.config.generation.update(modes=["positive"], max_examples=EXAMPLES)

HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    """Calls go straight to the WSGI app: like Django's test client, keep the end of a
    request from closing the connection that holds the test's transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_schema_covers_the_api(db: None) -> None:
    paths = schema.raw_schema["paths"]
    assert "/api/v1/requests/" in paths
    assert "/api/v1/request-types/" in paths
    assert len(paths) >= 20
    assert "sessionToken" in schema.raw_schema["components"]["securitySchemes"]


def test_the_schema_says_what_a_generated_client_needs(db: None) -> None:
    """issue 20: sign-in in the same schema, one component per media type, headers, closed
    sets as enums, per-operation errors, a server."""
    raw = schema.raw_schema
    components = raw["components"]["schemas"]
    paths = raw["paths"]
    assert raw["openapi"].startswith("3.1")
    assert raw["servers"][0]["url"]
    for path in ("auth/signup", "auth/email/verify", "auth/login", "auth/2fa/authenticate"):
        assert f"/_allauth/app/v1/{path}" in paths
    assert "/_allauth/app/v1/auth/password/request" in paths
    submit = paths["/api/v1/requests/"]["post"]
    media = submit["requestBody"]["content"]
    assert media["application/json"]["schema"] != media["multipart/form-data"]["schema"]
    multipart = components["RequestSubmitMultipartRequest"]["properties"]
    assert multipart["field_values"]["type"] == "string"
    assert "photos" not in components["RequestSubmitRequest"]["properties"]
    assert set(submit["responses"]["201"]["headers"]) >= {"Location", "Idempotent-Replayed"}
    key = next(p for p in submit["parameters"] if p.get("name") == "Idempotency-Key")
    assert (key["schema"]["minLength"], key["schema"]["maxLength"]) == (1, 255)
    catalogue = paths["/api/v1/request-types/"]["get"]["responses"]
    assert {"ETag", "Cache-Control", "Vary"} <= set(catalogue["200"]["headers"])
    assert "WWW-Authenticate" in catalogue["401"]["headers"]
    problem_types = components["Problem"]["properties"]["type"]["enum"]
    assert "urn:victo:problem:conflict" in problem_types
    assert "public_reply" in components["TimelineEntryKindEnum"]["enum"]
    assert "emergency" in components["SeverityEnum"]["enum"]
    assert components["CatalogueField"]["properties"]["choices"]["items"]["$ref"].endswith(
        "/CatalogueChoice"
    )
    assert set(components["DeviceKeys"]["properties"]) == {"p256dh", "auth"}
    address = components["RequestDetail"]["properties"]["address"]["oneOf"]
    assert {"type": "null"} in address
    # Errors per operation: a reopen can conflict with the request's state, a list cannot.
    assert "409" in paths["/api/v1/requests/{reference}/reopen/"]["post"]["responses"]
    assert "409" not in paths["/api/v1/requests/"]["get"]["responses"]
    assert "404" not in paths["/api/v1/request-groups/"]["get"]["responses"]


@pytest.mark.filterwarnings("ignore")
@schema.parametrize()
@HYPOTHESIS
def test_anonymous_calls_conform_to_the_schema(case: Any, db: None, request_type: Any) -> None:
    case.call_and_validate(checks=CHECKS)


@pytest.mark.filterwarnings("ignore")
@schema.parametrize()
@HYPOTHESIS
def test_signed_in_calls_conform_to_the_schema(
    case: Any, citizen: Any, request_type: Any, town: Any
) -> None:
    case.call_and_validate(headers={"X-Session-Token": session_token_for(citizen)}, checks=CHECKS)
