"""``@cross_origin`` without ``CORS(app)``, and JSON errors, over real HTTP on loopback.

Each test boots a fresh server so that its first request is the first the
process ever handles: nothing may have taught the app about the view yet.
"""

from __future__ import annotations

import http.client
import json
from pathlib import Path

import pytest
from tests.integration.test_limiter_servers import SERVERS
from tests.integration.test_limiter_servers import TIMEOUT
from tests.integration.test_limiter_servers import require_server

from hipflask.testing.servers import LOOPBACK
from hipflask.testing.servers import ServerProcess
from hipflask.testing.servers import serve

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
PARTNER = "https://partner.example"
EVIL = "https://evil.example"


def boot(name: str) -> ServerProcess:
    require_server(name)
    return serve("originapp:app", server=name, app_dir=HERE, start_timeout=TIMEOUT)


def fetch(
    server: ServerProcess, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(LOOPBACK, server.port, timeout=TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        connection.close()


@pytest.fixture(params=SERVERS)
def server_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_the_first_request_of_a_fresh_server_may_be_a_preflight(server_name: str) -> None:
    preflight = {
        "Origin": PARTNER,
        "Access-Control-Request-Method": "PUT",
        "Sec-Fetch-Mode": "cors",
    }
    with boot(server_name) as server:
        code, headers, _ = fetch(server, "OPTIONS", "/widget", preflight)
    assert code == 200
    assert headers["access-control-allow-origin"] == PARTNER
    assert headers["access-control-max-age"] == "60"
    assert "PUT" in headers["access-control-allow-methods"]


@pytest.mark.parametrize(("origin", "expected"), [(PARTNER, 200), (EVIL, 403)])
def test_the_first_request_of_a_fresh_server_may_be_a_cross_site_post(
    server_name: str, origin: str, expected: int
) -> None:
    cross_site = {"Origin": origin, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}
    with boot(server_name) as server:
        code, headers, _ = fetch(server, "POST", "/widget", cross_site)
    assert code == expected
    assert ("access-control-allow-origin" in headers) is (expected == 200)


def test_a_wildcard_policy_lets_no_cookie_carrying_write_through(server_name: str) -> None:
    # A form posted from a sibling subdomain goes with SameSite=Lax cookies;
    # a policy for cookie-less API calls must not let it past the check.
    sibling = {"Origin": "https://evil.127.0.0.1.example", "Sec-Fetch-Site": "same-site"}
    with boot(server_name) as server:
        forged = fetch(server, "POST", "/public", {**sibling, "Cookie": "session=the-victims"})
        called = fetch(server, "POST", "/public", {**sibling, "Sec-Fetch-Mode": "cors"})
    assert forged[0] == 403
    assert called[0] == 200
    assert called[1]["access-control-allow-origin"] == sibling["Origin"]


def test_malformed_json_gets_a_json_400_over_the_wire(server_name: str) -> None:
    sent_json = {"Content-Type": "application/json", "Accept": "text/html"}
    with boot(server_name) as server:
        deep = fetch(server, "POST", "/echo", sent_json, b"[" * 100_000)
        bad_utf8 = fetch(server, "POST", "/echo", sent_json, b'{"a": "\xff"}')
        form = fetch(
            server, "POST", "/echo", {"Content-Type": "application/x-www-form-urlencoded"}, b"a=b"
        )
    for code, headers, body in (deep, bad_utf8):
        assert code == 400
        assert headers["content-type"] == "application/json"
        assert json.loads(body)["description"] == "The request body is not valid JSON."
    assert form[0] == 415
    assert form[1]["content-type"].startswith("text/html")
