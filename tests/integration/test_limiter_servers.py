"""The limiter over real HTTP on loopback: forged addresses, shared budgets, a dead store."""

from __future__ import annotations

import http.client
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.redis_helper import REDIS_URI
from tests.redis_helper import closed_port

from hipflask.testing.servers import LOOPBACK
from hipflask.testing.servers import ServerProcess
from hipflask.testing.servers import install_command
from hipflask.testing.servers import is_installed
from hipflask.testing.servers import serve

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
TIMEOUT = 20.0
# One WSGI and one ASGI server: the sync and the async store drivers.
SERVERS = ["gunicorn", "uvicorn"]


def require_server(name: str) -> None:
    if not is_installed(name):
        message = f"{name} is not installed; run: {install_command(name)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def fetch(
    server: ServerProcess,
    path: str = "/",
    headers: dict[str, str] | None = None,
    method: str = "GET",
) -> tuple[int, dict[str, str]]:
    connection = http.client.HTTPConnection(LOOPBACK, server.port, timeout=TIMEOUT)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status, {name.lower(): value for name, value in response.getheaders()}
    finally:
        connection.close()


def status(server: ServerProcess, path: str = "/", headers: dict[str, str] | None = None) -> int:
    return fetch(server, path, headers)[0]


# uvicorn believes X-Forwarded-For, and gunicorn X-Forwarded-Proto, from
# 127.0.0.1 unless told otherwise; the test client connects from there, so
# the servers' own rewrites are off (gunicorn trusts only an address that
# never connects) and only the app's PROXY_FIX decides: no proxy is trusted.
EXTRA_ARGS = {
    "uvicorn": ["--no-proxy-headers"],
    "gunicorn": ["--forwarded-allow-ips", "198.51.100.1"],
}


def boot(name: str, **env: str) -> ServerProcess:
    require_server(name)
    return serve(
        "limitedapp:app",
        server=name,
        app_dir=HERE,
        env=env,
        extra_args=EXTRA_ARGS.get(name, []),
        start_timeout=TIMEOUT,
    )


@pytest.fixture(params=SERVERS)
def server_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_forged_x_forwarded_for_gets_no_fresh_budget(server_name: str) -> None:
    with boot(server_name, LIMITEDAPP_PREFIX=uuid.uuid4().hex) as server:
        codes = [
            status(server, "/", {"X-Forwarded-For": f"198.51.100.{n}, 203.0.113.{n}"})
            for n in range(5)
        ]
    assert codes == [200, 200, 200, 429, 429]


@pytest.fixture
def shared_prefix(redis_prefix: str) -> Iterator[str]:
    yield redis_prefix


def test_two_processes_sharing_redis_share_one_budget(server_name: str, shared_prefix: str) -> None:
    env = {"LIMITEDAPP_STORAGE": REDIS_URI, "LIMITEDAPP_PREFIX": shared_prefix}
    path = "/async" if server_name == "uvicorn" else "/"
    with boot(server_name, **env) as first, boot(server_name, **env) as second:
        codes = [status(first, path), status(second, path), status(first, path)]
        codes += [status(second, path), status(first, path)]
    assert codes == [200, 200, 200, 429, 429]


def test_a_client_that_keeps_breaching_is_shut_out_everywhere(
    server_name: str, shared_prefix: str
) -> None:
    env = {"LIMITEDAPP_STORAGE": REDIS_URI, "LIMITEDAPP_PREFIX": shared_prefix}
    with boot(server_name, LIMITEDAPP_META="2 per hour", **env) as server:
        # "/" allows 3 a minute; two refusals spend the meta budget, and
        # "/async", with a budget of its own still untouched, is refused too.
        codes = [status(server, "/") for _ in range(5)]
        code, headers = fetch(server, "/async")
    assert codes == [200, 200, 200, 429, 429]
    assert code == 429
    assert int(headers["retry-after"]) > 60


def test_a_dead_store_fails_closed_over_http(server_name: str) -> None:
    env = {"LIMITEDAPP_STORAGE": f"redis://127.0.0.1:{closed_port()}"}
    with boot(server_name, **env) as server:
        assert status(server, "/async") == 503


def test_a_dead_store_fails_open_when_configured(server_name: str) -> None:
    env = {"LIMITEDAPP_STORAGE": f"redis://127.0.0.1:{closed_port()}", "LIMITEDAPP_SWALLOW": "1"}
    with boot(server_name, **env) as server:
        assert [status(server, "/async") for _ in range(5)] == [200] * 5


ALLOWED = "https://app.example"
EVIL = "https://evil.example"


def test_cross_site_writes_and_preflights_as_a_browser_sends_them(server_name: str) -> None:
    preflight = {"Access-Control-Request-Method": "PUT", "Sec-Fetch-Mode": "cors"}
    cross_site = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}
    with boot(server_name, LIMITEDAPP_PREFIX=uuid.uuid4().hex) as server:
        # Preflights are answered and never counted (budget: 3 per minute).
        for _ in range(4):
            code, headers = fetch(server, "/api/items", {**preflight, "Origin": ALLOWED}, "OPTIONS")
            assert (code, headers["access-control-allow-origin"]) == (200, ALLOWED)
        code, headers = fetch(server, "/api/items", {**preflight, "Origin": EVIL}, "OPTIONS")
        assert "access-control-allow-origin" not in headers
        refused = fetch(server, "/api/items", {**cross_site, "Origin": EVIL}, "PUT")
        allowed = fetch(server, "/api/items", {**cross_site, "Origin": ALLOWED}, "PUT")
    assert refused[0] == 403
    assert allowed[0] == 200
    assert allowed[1]["access-control-allow-origin"] == ALLOWED
    assert "Origin" in allowed[1]["vary"]


def test_a_forged_x_forwarded_proto_does_not_skip_the_https_redirect(server_name: str) -> None:
    with boot(server_name, LIMITEDAPP_PREFIX=uuid.uuid4().hex) as server:
        code, headers = fetch(server, "/secure", {"X-Forwarded-Proto": "https"})
    assert code == 302
    assert headers["location"].startswith("https://")
