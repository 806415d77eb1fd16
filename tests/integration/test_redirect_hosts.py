"""Redirects answering a malformed Host header, over real sockets to every server.

A Host with characters no host name has leaves the request no host, and an
absolute ``Location`` built from it reads ``https:///evil.example``, which
browsers follow to ``https://evil.example/``. The slash redirect must name
the path alone, and the HTTPS redirect, which needs a host, must refuse.
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
MALFORMED = [b"x/evil.example", b"x@evil.example", b"[evil"]


@pytest.fixture(scope="module", params=list(SERVERS))
def live(request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    name: str = request.param
    require_installed(name)
    with serve("redirecthostapp:app", server=name, app_dir=HERE, start_timeout=TIMEOUT) as server:
        yield server


def head_of(live: ServerProcess, target: bytes, host: bytes) -> tuple[int, dict[bytes, bytes]]:
    """The status and headers of a GET for ``target`` with ``Host: host``."""
    request = b"GET " + target + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n"
    with socket.create_connection((LOOPBACK, live.port), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        received = b""
        deadline = time.monotonic() + TIMEOUT
        while b"\r\n\r\n" not in received and time.monotonic() < deadline:
            block = sock.recv(65536)
            if not block:
                break
            received += block
    lines = received.partition(b"\r\n\r\n")[0].split(b"\r\n")
    assert lines[0].startswith(b"HTTP/1."), received
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split(b" ", 2)[1]), headers


@pytest.mark.parametrize("host", MALFORMED)
def test_a_slash_redirect_names_only_the_path(live: ServerProcess, host: bytes) -> None:
    status, headers = head_of(live, b"/evil.example", host)
    assert status == 308
    assert headers[b"location"] == b"/evil.example/"


@pytest.mark.parametrize("host", MALFORMED)
def test_the_https_redirect_refuses_a_host_it_cannot_name(live: ServerProcess, host: bytes) -> None:
    status, headers = head_of(live, b"/secure/evil.example", host)
    assert status == 400
    assert b"location" not in headers


def test_a_well_formed_host_still_gets_both_redirects(live: ServerProcess) -> None:
    assert head_of(live, b"/evil.example", b"127.0.0.1")[1][b"location"] == b"/evil.example/"
    status, headers = head_of(live, b"/secure/x", b"127.0.0.1")
    assert status == 302
    assert headers[b"location"] == b"https://127.0.0.1/secure/x"
