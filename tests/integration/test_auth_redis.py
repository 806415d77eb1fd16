"""Revocations and logouts hold across processes sharing one real Redis.

Two servers of different kinds (gunicorn for WSGI, uvicorn for ASGI) run the
same app with the same secret key and the same Redis: what one process
revokes or logs out, the other refuses.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.real_servers import redis_prefix
from tests.real_servers import redis_url

from hipflask.testing.servers import LOOPBACK
from hipflask.testing.servers import ServerProcess
from hipflask.testing.servers import install_command
from hipflask.testing.servers import is_installed
from hipflask.testing.servers import serve

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
TIMEOUT = 20.0
PASSWORD = "correct horse battery staple"


def boot(target: str, name: str, env: dict[str, str]) -> ServerProcess:
    if not is_installed(name):
        pytest.skip(f"{name} is not installed; run: {install_command(name)}")
    return serve(target, server=name, app_dir=HERE, env=env, start_timeout=TIMEOUT)


def request(
    server: ServerProcess,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[int, bytes, list[tuple[str, str]]]:
    connection = http.client.HTTPConnection(LOOPBACK, server.port, timeout=TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), response.getheaders()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def prefix() -> Iterator[str]:
    with redis_prefix("auth") as chosen:
        yield chosen


@pytest.fixture(scope="module")
def jwt_pair(prefix: str) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    env = {"JWTAPP_BLOCKLIST": redis_url(), "JWTAPP_PREFIX": prefix + "jwt:"}
    with boot("jwtapp:app", "gunicorn", env) as first, boot("jwtapp:app", "uvicorn", env) as second:
        yield first, second


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def jwt_login(server: ServerProcess) -> dict[str, str]:
    status, body, _ = request(
        server, "POST", "/login", {"Content-Type": "application/json"}, b'{"username":"alice"}'
    )
    assert status == 200
    tokens: dict[str, str] = json.loads(body)
    return tokens


def test_token_revoked_in_one_process_is_refused_by_the_other(
    jwt_pair: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = jwt_pair
    tokens = jwt_login(first)
    assert request(second, "GET", "/me", bearer(tokens["access_token"]))[0] == 200
    assert request(first, "DELETE", "/logout", bearer(tokens["access_token"]))[0] == 200
    status, body, _ = request(second, "GET", "/async-me", bearer(tokens["access_token"]))
    assert (status, json.loads(body)) == (401, {"msg": "Token has been revoked"})
    assert request(second, "POST", "/refresh", bearer(tokens["refresh_token"]))[0] == 401


def test_refresh_token_reused_in_another_process_revokes_the_family(
    jwt_pair: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = jwt_pair
    tokens = jwt_login(first)
    status, body, _ = request(first, "POST", "/refresh", bearer(tokens["refresh_token"]))
    assert status == 200
    rotated = json.loads(body)
    assert request(second, "POST", "/refresh", bearer(tokens["refresh_token"]))[0] == 401
    assert request(first, "GET", "/me", bearer(rotated["access_token"]))[0] == 401


@pytest.fixture(scope="module")
def login_pair(prefix: str) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    env = {
        "LOGINAPP_REGISTRY": redis_url(),
        "LOGINAPP_PREFIX": prefix + "login:",
        "LOGINAPP_THROTTLE_STORAGE": redis_url(),
    }
    with (
        boot("loginapp:app", "uvicorn", env) as first,
        boot("loginapp:app", "gunicorn", env) as second,
    ):
        yield first, second


def cookies_of(headers: list[tuple[str, str]]) -> dict[str, str]:
    jar = {}
    for key, value in headers:
        if key.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            jar[name] = rest.split(";")[0]
    return jar


def cookie_header(jar: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()), "Accept": "text/html"}


def form(data: dict[str, str]) -> tuple[dict[str, str], bytes]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return headers, urllib.parse.urlencode(data).encode()


def login(server: ServerProcess, **extra: str) -> dict[str, str]:
    headers, body = form({"username": "alice", "password": PASSWORD, **extra})
    status, _, response_headers = request(server, "POST", "/login", headers, body)
    assert status == 302
    return cookies_of(response_headers)


def dashboard(server: ServerProcess, jar: dict[str, str]) -> Any:
    return request(server, "GET", "/dashboard", cookie_header(jar))[0]


def test_logout_in_one_process_ends_the_cookie_in_the_other(
    login_pair: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = login_pair
    jar = login(first, remember="1")
    assert dashboard(second, jar) == 200
    request(second, "POST", "/logout", cookie_header(jar))
    assert dashboard(first, jar) == 302
    assert dashboard(first, {"remember_token": jar["remember_token"]}) == 302


def test_logout_everywhere_reaches_every_process(
    login_pair: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = login_pair
    laptop = login(first)
    phone = login(second, remember="1")
    assert request(second, "POST", "/logout-everywhere", cookie_header(laptop))[0] == 200
    assert dashboard(first, phone) == 302
    assert dashboard(second, {"remember_token": phone["remember_token"]}) == 302


def test_failed_logins_are_counted_across_processes(
    login_pair: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = login_pair
    name = f"guess-{uuid.uuid4().hex[:8]}"
    codes = []
    for attempt in range(6):
        server = first if attempt % 2 else second
        headers, body = form({"username": name, "password": "x"})
        codes.append(request(server, "POST", "/login", headers, body)[0])
    assert codes == [401] * 5 + [429]
