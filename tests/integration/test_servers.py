"""One app object, five real servers: each boots on loopback and serves the same behaviour.

Every server is booted once (a module-scoped fixture per server) and stopped
in the fixture's teardown, whatever the tests did. A server that is not
installed skips its tests with the ``pip install`` to run, except in CI
(``CI=true``), where every server must run.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.server_processes import require_installed

from hipflask.testing.servers import LOOPBACK
from hipflask.testing.servers import SERVERS
from hipflask.testing.servers import ServerProcess
from hipflask.testing.servers import serve

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
TIMEOUT = 10.0
# What serverapp's streamed routes send, one chunk per item.
CHUNKS = [b"chunk-0;", b"chunk-1;", b"chunk-2;", b"chunk-3;", b"chunk-4;"]
FULL_STREAM = b"".join(CHUNKS)
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "SAMEORIGIN",
    "content-security-policy": "frame-ancestors 'self'",
    "cross-origin-opener-policy": "same-origin",
}


@dataclass
class Live:
    name: str
    protocol: str
    process: ServerProcess
    gates: Path


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@pytest.fixture(scope="module", params=list(SERVERS))
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    name: str = request.param
    require_installed(name)
    gates = tmp_path_factory.mktemp(f"gates-{name}")
    server = serve(
        "serverapp:app",
        server=name,
        app_dir=HERE,
        env={"SERVERAPP_GATE_DIR": str(gates)},
        start_timeout=TIMEOUT,
    )
    with server:
        yield Live(name, SERVERS[name], server, gates)


def fetch(
    live: Live,
    path: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    connection = http.client.HTTPConnection(LOOPBACK, live.process.port, timeout=TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        found = {name.lower(): value for name, value in response.getheaders()}
        return Reply(response.status, found, data)
    except OSError as exc:
        raise AssertionError(f"{method} {path} failed: {exc!r}\n{live.process.output()}") from exc
    finally:
        connection.close()


def raw_exchange(live: Live, request: bytes) -> socket.socket:
    sock = socket.create_connection((LOOPBACK, live.process.port), timeout=TIMEOUT)
    sock.sendall(request)
    return sock


def read_until_closed(sock: socket.socket, data: bytes = b"") -> bytes:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        block = sock.recv(65536)
        if not block:
            return data
        data += block
    raise AssertionError(f"The server did not close the connection; got {data!r}")


def split_response(raw: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status_line, headers, body


def dechunk(body: bytes) -> list[bytes]:
    """The chunks of a ``Transfer-Encoding: chunked`` body, in order."""
    chunks = []
    while True:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return chunks
        chunks.append(rest[:size])
        assert rest[size : size + 2] == b"\r\n", f"bad chunk framing: {body!r}"
        body = rest[size + 2 :]


def test_int_converter_routes_to_the_view_and_returns_json(live: Live) -> None:
    reply = fetch(live, "/user/42")

    assert reply.status == 200
    assert reply.headers["content-type"] == "application/json"
    assert reply.json() == {"id": 42, "type": "int"}


def test_dict_view_is_served_as_json(live: Live) -> None:
    reply = fetch(live, "/json")

    assert reply.status == 200
    assert reply.json() == {"message": "Hello, World!"}


def test_plain_text_body_and_length_arrive_intact(live: Live) -> None:
    reply = fetch(live, "/plaintext")

    assert reply.status == 200
    assert reply.body == b"Hello, World!"
    assert reply.headers["content-type"] == "text/plain"


def test_urlencoded_form_post_is_parsed(live: Live) -> None:
    reply = fetch(
        live,
        "/form",
        method="POST",
        body=b"name=Ada+Lovelace&tag=math&tag=poetry&accent=%C3%A9",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert reply.status == 200
    assert reply.json() == {
        "fields": {"name": ["Ada Lovelace"], "tag": ["math", "poetry"], "accent": ["é"]}
    }


def test_async_view_is_awaited(live: Live) -> None:
    reply = fetch(live, "/async")

    assert reply.status == 200
    assert reply.json() == {"async": True, "path": "/async"}


@pytest.mark.parametrize("path", ["/stream", "/astream"])
def test_streamed_response_arrives_complete(live: Live, path: str) -> None:
    reply = fetch(live, path)

    assert reply.status == 200
    assert reply.body == FULL_STREAM


@pytest.mark.parametrize("path", ["/stream", "/astream"])
def test_streamed_response_is_sent_chunk_by_chunk(live: Live, path: str) -> None:
    # The view holds back every chunk after the first until the gate file
    # exists, so seeing the first chunk before opening the gate proves the
    # server sent it on its own instead of buffering the whole body.
    gate = live.gates / uuid.uuid4().hex
    request = (
        f"GET {path}?gate={gate.name} HTTP/1.1\r\nHost: {LOOPBACK}\r\nConnection: close\r\n\r\n"
    )
    sock = raw_exchange(live, request.encode())
    try:
        received = b""
        while CHUNKS[0] not in received:
            block = sock.recv(65536)
            assert block, f"connection closed before the first chunk: {received!r}"
            received += block
        assert CHUNKS[1] not in received
        gate.touch()
        raw = read_until_closed(sock, received)
    finally:
        gate.touch()
        sock.close()

    status_line, headers, body = split_response(raw)
    assert status_line.startswith("HTTP/1.1 200")
    assert headers["transfer-encoding"] == "chunked"
    chunks = dechunk(body)
    assert len(chunks) > 1
    assert b"".join(chunks) == FULL_STREAM


def test_unknown_path_is_404(live: Live) -> None:
    reply = fetch(live, "/missing")

    assert reply.status == 404
    assert b"Not Found" in reply.body


@pytest.mark.parametrize("path", ["/json", "/missing", "/stream"])
def test_default_security_headers_are_on_every_response(live: Live, path: str) -> None:
    reply = fetch(live, path)

    found = {name: reply.headers.get(name) for name in SECURITY_HEADERS}
    assert found == SECURITY_HEADERS


def test_head_sends_the_get_headers_and_no_body(live: Live) -> None:
    request = f"HEAD /plaintext HTTP/1.1\r\nHost: {LOOPBACK}\r\nConnection: close\r\n\r\n"
    sock = raw_exchange(live, request.encode())
    try:
        raw = read_until_closed(sock)
    finally:
        sock.close()

    status_line, headers, body = split_response(raw)
    assert status_line.startswith("HTTP/1.1 200")
    assert headers["content-type"] == "text/plain"
    assert headers.get("content-length") == str(len(b"Hello, World!"))
    assert body == b""


def test_before_serving_runs_at_lifespan_startup_under_asgi(live: Live) -> None:
    reply = fetch(live, "/lifespan")

    # ASGI servers send the lifespan startup before any request; WSGI has no
    # such event, so the hook runs inside the first request instead.
    assert reply.json() == {"before_serving": True, "in_request": live.protocol == "wsgi"}
