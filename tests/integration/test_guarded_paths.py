"""Middleware guarding a path holds against an absolute-form target, under every server.

uvicorn and hypercorn pass ``GET http://host/admin/panel`` on with the whole
URL as the ASGI path, and the app routes it by its path. Middleware on
``app.wsgi_app`` or ``app.asgi_app`` must see that path too, or the target
walks past it to the view.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.server_processes import require_installed

from hipflask.testing.servers import SERVERS
from hipflask.testing.servers import ServerProcess
from hipflask.testing.servers import serve

from .test_hostile_requests import TIMEOUT
from .test_hostile_requests import exchange
from .test_hostile_requests import get

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent


@pytest.fixture(scope="module", params=list(SERVERS))
def live(request: pytest.FixtureRequest) -> Iterator[tuple[str, ServerProcess]]:
    """The server's protocol, and the server running the guarded app."""
    name: str = request.param
    require_installed(name)
    with serve("guardedapp:app", server=name, app_dir=HERE, start_timeout=TIMEOUT) as server:
        yield SERVERS[name], server


@pytest.mark.parametrize("target", [b"/admin/panel", b"http://127.0.0.1/admin/panel"])
def test_wsgi_middleware_guards_an_absolute_form_target(
    live: tuple[str, ServerProcess], target: bytes
) -> None:
    status, body = exchange(live[1], get(target, b"Host: 127.0.0.1"))

    assert status == 403
    assert b"guarded" in body


@pytest.mark.parametrize("target", [b"/staff/panel", b"http://127.0.0.1/staff/panel"])
def test_asgi_middleware_guards_an_absolute_form_target(
    live: tuple[str, ServerProcess], target: bytes
) -> None:
    if live[0] != "asgi":
        pytest.skip("ASGI middleware runs only under an ASGI server")
    status, body = exchange(live[1], get(target, b"Host: 127.0.0.1"))

    assert status == 403
    assert b"guarded" in body
