"""WSGI middleware on ``app.wsgi_app`` runs under every real server, ASGI ones included.

Each server boots ``middlewareapp:app`` on loopback; what a WSGI server
gets from the middleware (a refusal, a header, a mounted app), an ASGI
server must get too. A server that is not installed skips with the
``pip install`` to run, except in CI.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.server_processes import require_installed

from hipflask.testing.servers import LOOPBACK
from hipflask.testing.servers import SERVERS
from hipflask.testing.servers import ServerProcess
from hipflask.testing.servers import serve

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
TIMEOUT = 10.0


@pytest.fixture(scope="module", params=list(SERVERS))
def live(request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    name: str = request.param
    require_installed(name)
    with serve("middlewareapp:app", server=name, app_dir=HERE, start_timeout=TIMEOUT) as server:
        yield server


def fetch(
    live: ServerProcess,
    path: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(LOOPBACK, live.port, timeout=TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        found = {name.lower(): value for name, value in response.getheaders()}
        return response.status, found, data
    except OSError as exc:
        raise AssertionError(f"{method} {path} failed: {exc!r}\n{live.output()}") from exc
    finally:
        connection.close()


def test_the_allowlist_refuses_the_admin_page(live: ServerProcess) -> None:
    status, headers, body = fetch(live, "/admin")
    assert (status, body) == (403, b"not from here")
    assert headers["x-stamp"] == "stamped"


def test_the_view_sees_the_environ_and_the_response_carries_the_header(
    live: ServerProcess,
) -> None:
    status, headers, body = fetch(live, "/where")
    assert status == 200
    assert headers["x-stamp"] == "stamped"
    assert json.loads(body) == {"stamp": "stamped", "url": "/where"}


def test_the_mounted_app_answers_under_its_prefix(live: ServerProcess) -> None:
    status, _headers, body = fetch(live, "/sub/page")
    assert status == 200
    assert json.loads(body) == {"script_name": "/sub", "url": "/sub/page"}


def test_a_form_post_and_a_body_over_the_limit(live: ServerProcess) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _headers, body = fetch(live, "/echo", "POST", b"name=ada", form)
    assert (status, json.loads(body)) == (200, {"form": {"name": "ada"}})
    status, headers, _body = fetch(live, "/echo", "POST", b"name=" + b"x" * 4096, form)
    assert status == 413
    assert headers["x-stamp"] == "stamped"


def test_a_streamed_response_arrives_through_the_middleware(live: ServerProcess) -> None:
    status, headers, body = fetch(live, "/stream")
    assert (status, body) == (200, b"chunk-0;chunk-1;chunk-2;")
    assert headers["x-stamp"] == "stamped"
