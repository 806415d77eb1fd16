"""The development server: TLS handshakes off the accept loop, silent connections dropped."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from hipflask import Hipflask
from hipflask.serving.devtimeouts import DeferredHandshakeContext
from hipflask.serving.devtimeouts import timed_handler
from hipflask.serving.tls.context import make_adhoc_context

TIMEOUT = 0.5


@pytest.fixture
def tls_server(app: Hipflask) -> Iterator[int]:
    @app.route("/")
    def index() -> str:
        return "ok"

    context = DeferredHandshakeContext(make_adhoc_context())
    server = make_server(
        "127.0.0.1",
        0,
        app,
        threaded=True,
        request_handler=timed_handler(TIMEOUT),
        ssl_context=context,  # type: ignore[arg-type]
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()
    thread.join(5)


def _get(port: int) -> bytes:
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    with client.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        return sock.recv(4096)


def test_a_client_that_never_sends_a_client_hello_blocks_no_one(tls_server: int) -> None:
    with socket.create_connection(("127.0.0.1", tls_server)) as silent:
        assert _get(tls_server).startswith(b"HTTP/1.1 200")
        silent.settimeout(TIMEOUT + 5)
        started = time.monotonic()
        assert silent.recv(1) == b""
        assert time.monotonic() - started < TIMEOUT + 2


def test_a_silent_plain_connection_is_dropped_after_the_timeout(app: Hipflask) -> None:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=timed_handler(TIMEOUT))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port)) as silent:
            silent.sendall(b"GET / HTTP/1.1\r\n")
            silent.settimeout(TIMEOUT + 5)
            started = time.monotonic()
            silent.recv(4096)
            assert time.monotonic() - started < TIMEOUT + 2
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_the_wrapped_context_keeps_the_real_one_reachable() -> None:
    real = make_adhoc_context()

    assert DeferredHandshakeContext(real).minimum_version == real.minimum_version
