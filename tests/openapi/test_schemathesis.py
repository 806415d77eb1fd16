"""Property-based: schemathesis fuzzes the sample API against its own document.

Under both protocols, no generated request may cause a 500, and every
response must match the documented status codes, content types and schemas.
The number of examples per operation is bounded so the run stays short.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings
from schemathesis.checks import content_type_conformance
from schemathesis.checks import not_a_server_error
from schemathesis.checks import response_schema_conformance
from schemathesis.checks import status_code_conformance
from tests.openapi.sample_api import create_app

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

wsgi_app = create_app()
asgi_app = create_app()
wsgi_schema = schemathesis.openapi.from_wsgi("/openapi.json", wsgi_app)
asgi_schema = schemathesis.openapi.from_asgi("/openapi.json", asgi_app)

_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@wsgi_schema.parametrize()
@_SETTINGS
def test_wsgi_api_conforms_to_its_document(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)


@asgi_schema.parametrize()
@_SETTINGS
def test_asgi_api_conforms_to_its_document(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)


@pytest.mark.parametrize("app", [wsgi_app, asgi_app])
def test_both_apps_serve_the_document(app: Any) -> None:
    assert app.test_client().get("/openapi.json").status_code == 200
