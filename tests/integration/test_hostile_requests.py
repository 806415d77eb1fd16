"""Hostile and malformed HTTP over real sockets: one answer, whatever the server and protocol.

Each request is written byte for byte to every server hipflask supports
(granian in both modes, gunicorn, uvicorn, hypercorn). What a server refuses
itself is its business; what reaches the app must get the same status under
WSGI and ASGI, and a 500 only where the app made the error.
"""

from __future__ import annotations

import socket
import time
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
    with serve("hostileapp:app", server=name, app_dir=HERE, start_timeout=TIMEOUT) as server:
        yield server


def exchange(live: ServerProcess, data: bytes) -> tuple[int, bytes]:
    """Send ``data`` on a new connection; the status and body of the answer."""
    with socket.create_connection((LOOPBACK, live.port), timeout=TIMEOUT) as sock:
        sock.sendall(data)
        received = b""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                block = sock.recv(65536)
            except ConnectionResetError:
                break
            if not block:
                break
            received += block
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1."), (
        f"No answer (the connection was dropped): {received!r}\n{live.output()[-2000:]}"
    )
    return int(head.split(b" ", 2)[1]), body


def get(target: bytes, *headers: bytes) -> bytes:
    lines = [b"GET " + target + b" HTTP/1.1", *headers, b"Connection: close", b"", b""]
    return b"\r\n".join(lines)


def test_two_hosts_in_one_host_header_are_refused(live: ServerProcess) -> None:
    status, _ = exchange(live, get(b"/", b"Host: good.example, evil.example"))

    assert status == 400


@pytest.mark.parametrize(
    "target", [b"http://127.0.0.1/p/x", b"http://elsewhere.example/p/x", b"ftp://127.0.0.1/p/x"]
)
def test_an_absolute_form_target_is_served_as_its_path(live: ServerProcess, target: bytes) -> None:
    status, body = exchange(live, get(target, b"Host: 127.0.0.1"))

    assert status == 200
    assert body.endswith(b"rest=x")


@pytest.mark.parametrize("target", [b"/header", b"/async-header"])
@pytest.mark.parametrize("escaped", [b"%00", b"%0B", b"%1B", b"%7F", b"%F0%9F%98%80"])
def test_a_header_value_no_server_can_send_is_the_apps_500(
    live: ServerProcess, target: bytes, escaped: bytes
) -> None:
    status, body = exchange(live, get(target + b"?v=a" + escaped + b"b", b"Host: 127.0.0.1"))

    assert status == 500
    assert body.endswith(b"hostileapp 500")
    assert "a\x1bb" not in live.output()


@pytest.mark.parametrize("escaped", [b"%00", b"%7F", b"%F0%9F%98%80"])
def test_a_hook_setting_an_unsendable_value_on_every_response_gets_the_apps_500(
    live: ServerProcess, escaped: bytes
) -> None:
    status, body = exchange(live, get(b"/?tag=a" + escaped + b"b", b"Host: 127.0.0.1"))

    assert status == 500
    assert body.endswith(b"hostileapp 500")


@pytest.mark.parametrize("escaped", [b"X%20Y", b"X:Y", b"X%00Y", b"X%C3%A9"])
def test_a_header_name_no_server_can_send_is_the_apps_500(
    live: ServerProcess, escaped: bytes
) -> None:
    status, body = exchange(live, get(b"/header-name?n=" + escaped, b"Host: 127.0.0.1"))

    assert status == 500
    assert body.endswith(b"hostileapp 500")
