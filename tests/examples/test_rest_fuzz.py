"""Schemathesis fuzzes the REST example against its own document, under both protocols."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from examples.rest.app import create_app
from hypothesis import HealthCheck
from hypothesis import settings
from schemathesis.checks import content_type_conformance
from schemathesis.checks import not_a_server_error
from schemathesis.checks import response_schema_conformance
from schemathesis.checks import status_code_conformance

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# The schemas are loaded at import, before fixtures exist: the databases live in
# a folder of this module's own, removed when the test run ends.
_FOLDER = Path(tempfile.mkdtemp(prefix="hipflask-rest-example-"))
atexit.register(shutil.rmtree, _FOLDER, ignore_errors=True)


def _app(name: str) -> Any:
    app = create_app(str(_FOLDER / f"{name}.sqlite"))
    app.config["TESTING"] = True
    return app


wsgi_schema = schemathesis.openapi.from_wsgi("/openapi.json", _app("wsgi"))
asgi_schema = schemathesis.openapi.from_asgi("/openapi.json", _app("asgi"))
_SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


@wsgi_schema.parametrize()
@_SETTINGS
def test_wsgi_example_conforms_to_its_document(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)


@asgi_schema.parametrize()
@_SETTINGS
def test_asgi_example_conforms_to_its_document(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)
