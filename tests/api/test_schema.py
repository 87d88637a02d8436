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

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
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
