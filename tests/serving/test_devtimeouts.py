"""The development server: TLS handshakes off the accept loop, slow clients dropped."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from hipflask import Hipflask
from hipflask import jsonify
from hipflask import request as request_proxy
from hipflask.serving.devtimeouts import DeadlineReader
from hipflask.serving.devtimeouts import DeferredHandshakeContext
from hipflask.serving.devtimeouts import timed_handler
from hipflask.serving.tls.context import make_adhoc_context

#: The servers' head deadline and body silence limit: long enough that a
#: loaded machine's scheduling cannot use it up, short enough to wait for.
TIMEOUT = 1.0


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


@pytest.fixture(params=["plain", "tls"])
def timed_server(request: pytest.FixtureRequest, app: Hipflask) -> Iterator[tuple[int, bool]]:
    @app.route("/", methods=["GET", "POST"])
    def index() -> object:
        return jsonify(
            cookies=request_proxy.cookies.to_dict(),
            size=len(request_proxy.get_data()),
            type=request_proxy.headers.get("Content-Type"),
        )

    tls = request.param == "tls"
    context = DeferredHandshakeContext(make_adhoc_context()) if tls else None
    server = make_server(
        "127.0.0.1",
        0,
        app,
        threaded=True,
        request_handler=timed_handler(TIMEOUT, 1000),
        ssl_context=context,  # type: ignore[arg-type]
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server.server_port, tls
    server.shutdown()
    server.server_close()
    thread.join(5)


def _connect(server: tuple[int, bool]) -> socket.socket:
    port, tls = server
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if not tls:
        return sock
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    return client.wrap_socket(sock)


def _closed_after(sock: socket.socket, trickle: bytes = b"") -> float:
    started = time.monotonic()
    sock.settimeout(0.1)
    while time.monotonic() - started < TIMEOUT + 5:
        try:
            data = sock.recv(65536)
            if not data or data.startswith(b"HTTP/1.1 4"):
                break
        except TimeoutError:
            pass
        except OSError:
            break
        if trickle:
            try:
                sock.send(trickle)
            except OSError:
                break
    return time.monotonic() - started


def test_a_head_trickled_a_byte_at_a_time_is_cut_off(timed_server: tuple[int, bool]) -> None:
    with _connect(timed_server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        assert _closed_after(sock, trickle=b"X") < TIMEOUT + 1


def test_an_idle_keep_alive_connection_is_closed(timed_server: tuple[int, bool]) -> None:
    with _connect(timed_server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.1)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        assert _closed_after(sock) < TIMEOUT + 1


def test_a_body_trickled_a_byte_at_a_time_is_cut_off(timed_server: tuple[int, bool]) -> None:
    with _connect(timed_server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\na")
        assert _closed_after(sock, trickle=b"a") < TIMEOUT + 1


def test_a_body_sent_in_time_is_read_whole_after_a_slow_start(
    timed_server: tuple[int, bool],
) -> None:
    with _connect(timed_server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n")
        time.sleep(TIMEOUT / 4)  # a quarter of the head's deadline, spent waiting
        sock.sendall(b"Connection: close\r\n\r\n" + b"x" * 200_000)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
        assert b'"size":200000' in reply


def test_repeated_cookies_and_content_types_reach_the_app_joined(
    timed_server: tuple[int, bool],
) -> None:
    with _connect(timed_server) as sock:
        sock.sendall(
            b"GET / HTTP/1.1\r\nHost: x\r\nCookie: a=1\r\nCookie: b=2\r\nConnection: close\r\n"
            b"Content-Type: text/plain\r\nContent-Type: text/html\r\n\r\n"
        )
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
        assert b'"cookies":{"a":"1","b":"2"}' in reply
        assert b'"type":"text/plain,text/html"' in reply


def test_a_head_whose_deadline_passed_is_not_read_further() -> None:
    left, right = socket.socketpair()
    with left, right:
        reader = DeadlineReader(left, 0.05, 1000)
        reader.start_head()
        right.sendall(b"GET / HTTP/1.1\r\n")
        time.sleep(0.1)

        with pytest.raises(TimeoutError, match="did not arrive in time"):
            reader.readinto(bytearray(100))


def test_a_body_below_the_rate_after_the_grace_period_fails_to_read() -> None:
    left, right = socket.socketpair()
    with left, right:
        reader = DeadlineReader(left, 0.05, 1000)
        reader.start_body()
        right.sendall(b"a")
        assert reader.readinto(bytearray(100)) == 1
        time.sleep(0.1)
        right.sendall(b"b")

        with pytest.raises(TimeoutError, match="too slowly"):
            reader.readinto(bytearray(100))


def test_without_a_timeout_requests_are_served_untimed(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=timed_handler(None))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 200")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
