"""Shared fixtures: an app, and a client that runs every behaviour test under both protocols."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from tests.real_servers import shared_mariadb_url as shared_mariadb_url  # shared fixtures
from tests.real_servers import shared_postgresql_url as shared_postgresql_url
from tests.redis_helper import redis_prefix as redis_prefix  # a shared fixture

from hipflask import Hipflask
from hipflask.testing.client import HipflaskClient

SECRET = "test-secret-key-that-is-long-enough-0123456789"

# The processes tests start (servers, reloads, command-line runs) write no bytecode
# caches: a test that rewrites a module (version 1, then 2, of the same size) within
# one second would have the next process take the first version's cache for current,
# since a cache is judged by the source's size and whole-second time. The tests' own
# processes keep theirs (the assertion rewriting of every test module).
os.environ["PYTHONDONTWRITEBYTECODE"] = "1"

_SHARED_NODE_IDS = pytest.StashKey[set[str]]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Note the tests that share a node id with another (see pytest_runtest_setup)."""
    seen: set[str] = set()
    shared: set[str] = set()
    for item in items:
        if item.nodeid in seen:
            shared.add(item.nodeid)
        seen.add(item.nodeid)
    config.stash[_SHARED_NODE_IDS] = shared


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail a test whose node id another test has too.

    pytest-xdist hands whole test files to its workers by node id: of several
    tests with one id it runs one, and the others are never run, unreported.
    """
    if item.nodeid in item.config.stash.get(_SHARED_NODE_IDS, set()):
        pytest.fail(
            f"Another test has this node id ({item.nodeid}): a parallel run skips all"
            " but one of them. Give each its own id (a parametrize id), or check"
            " the pytest version pyproject.toml pins.",
            pytrace=False,
        )


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
