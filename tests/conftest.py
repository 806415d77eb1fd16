"""Shared fixtures: an app, and a client that runs every behaviour test under both protocols."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.redis_helper import redis_prefix as redis_prefix  # a shared fixture

from hipflask import Hipflask
from hipflask.testing.client import HipflaskClient

SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture
def app() -> Hipflask:
    app = Hipflask("tests_app")
    app.config.update(TESTING=True, SECRET_KEY=SECRET)
    return app


@pytest.fixture(params=["wsgi", "asgi"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def client(app: Hipflask, protocol: str) -> Iterator[HipflaskClient]:
    test_client: Any = app.test_client(protocol=protocol)
    yield test_client
    if test_client._shim is not None:
        test_client._shim.close()
