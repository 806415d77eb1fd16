"""Logins on the default (memory) registry when several processes serve the app.

Each worker process of a server has its own memory: a login made by one is
unknown to the others. It must still work there, as it does with
Flask-Login, and a logout must hold at least in the process that served it.
Two real servers of different kinds stand for two workers.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hipflask.testing.servers import ServerProcess

from .test_auth_redis import boot
from .test_auth_redis import cookie_header
from .test_auth_redis import dashboard
from .test_auth_redis import login
from .test_auth_redis import request

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def workers() -> Iterator[tuple[ServerProcess, ServerProcess]]:
    env = {"LOGINAPP_REGISTRY": "memory://", "LOGINAPP_THROTTLE_STORAGE": "memory://"}
    with (
        boot("loginapp:app", "uvicorn", env) as first,
        boot("loginapp:app", "gunicorn", env) as second,
    ):
        yield first, second


def test_a_login_made_by_one_worker_works_in_the_other(
    workers: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = workers
    jar = login(first)
    assert [dashboard(second, jar) for _ in range(3)] == [200, 200, 200]
    assert dashboard(first, jar) == 200


def test_a_logout_holds_in_the_worker_that_served_it(
    workers: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = workers
    jar = login(first, remember="1")
    assert dashboard(second, jar) == 200

    request(second, "POST", "/logout", cookie_header(jar))

    # The copied cookies are refused where the logout happened.
    assert dashboard(second, jar) == 302
    assert dashboard(second, {"remember_token": jar["remember_token"]}) == 302
