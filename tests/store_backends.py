"""Every store backend the auth suites run against: embedded and real servers.

``store_url`` yields a store URL and a key prefix of the test's own; the
real servers skip (or fail in CI) when they are not running.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.real_servers import empty_database_on
from tests.real_servers import redis_prefix

BACKENDS = ["memory", "file", "sqlite", "redis", "postgresql", "mariadb"]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    backend = request.param
    if backend == "memory":
        yield "memory://", "auth:"
    elif backend == "file":
        yield f"file://{tmp_path / 'auth-store'}", "auth:"
    elif backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'auth.db'}", "auth:"
    elif backend == "redis":
        from tests.real_servers import redis_url

        with redis_prefix("auth") as prefix:
            yield redis_url(), prefix
    else:
        with empty_database_on(request, backend) as url:
            yield url, "auth:"
