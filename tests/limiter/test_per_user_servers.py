"""A per-user limit keyed on the JWT identity, over real HTTP on loopback."""

from __future__ import annotations

import http.client
import os
from pathlib import Path

import pytest
from tests.redis_helper import REDIS_URI

from hipflask.testing.servers import LOOPBACK
from hipflask.testing.servers import ServerProcess
from hipflask.testing.servers import install_command
from hipflask.testing.servers import is_installed
from hipflask.testing.servers import serve

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
TIMEOUT = 20.0


def request(
    server: ServerProcess, method: str, path: str, token: str | None = None
) -> tuple[int, str]:
    connection = http.client.HTTPConnection(LOOPBACK, server.port, timeout=TIMEOUT)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


@pytest.mark.parametrize(("name", "path"), [("gunicorn", "/me"), ("uvicorn", "/async-me")])
def test_each_user_has_a_budget_of_their_own(name: str, path: str, redis_prefix: str) -> None:
    if not is_installed(name):
        message = f"{name} is not installed; run: {install_command(name)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    env = {"PERUSERAPP_STORAGE": REDIS_URI, "PERUSERAPP_PREFIX": redis_prefix}
    with serve(
        "peruserapp:app", server=name, app_dir=HERE, env=env, start_timeout=TIMEOUT
    ) as server:
        alice = request(server, "POST", "/token/alice")[1]
        bob = request(server, "POST", "/token/bob")[1]
        anonymous = request(server, "GET", path)[0]
        codes = [request(server, "GET", path, alice)[0] for _ in range(3)]
        answer = request(server, "GET", path, bob)
    assert anonymous == 401
    assert codes == [200, 200, 429]
    assert answer == (200, "bob")
