"""Hostile clients against real servers on loopback: slow, truncated, broken, smuggling-shaped.

Each server boots once per module with short timeouts, so every attack is
bounded: a slow socket must be dropped within its configured timeout, and
normal requests must keep a low median latency while hundreds of slow
sockets are open. Truncated and broken bodies must get 400 and leave no
side effect, and no server may log a 500.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import socket
import ssl
import statistics
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hipflask.testing.servers import LOOPBACK
from hipflask.testing.servers import ServerProcess
from hipflask.testing.servers import free_port
from hipflask.testing.servers import install_command
from hipflask.testing.servers import is_installed
from hipflask.testing.servers import serve

pytestmark = pytest.mark.integration

TIMEOUT = 1.0  # every configured timeout, in seconds
SLACK = 2.5  # how much later than its timeout a slow socket may be dropped
SLOW_BODIES = 20
SLOWLORIS = 300
NORMAL_REQUESTS = 40

APP = textwrap.dedent(
    """
    import os
    from pathlib import Path

    from hipflask import Hipflask, jsonify, request

    app = Hipflask(__name__)
    app.secret_key = "6d1f0c9a4e7b2d8f3a5c0e1b9d7f2a4c8e6b0d3f5a1c7e9b2d4f6a8c0e3b5d7f"
    app.config["BODY_READ_TIMEOUT"] = 1
    app.config["BODY_MIN_RATE"] = 1000
    STORE = Path(os.environ["RELIABILITY_STORE"])

    @app.get("/")
    def index():
        return "ok"

    @app.post("/form")
    def form():
        fields = request.form.to_dict()
        with STORE.open("a") as store:
            store.write(repr(fields) + "\\n")
        return jsonify(fields)

    @app.get("/cookies")
    def cookies():
        return jsonify(request.cookies.to_dict())

    @app.post("/json")
    def json_echo():
        data = request.get_json()
        with STORE.open("a") as store:
            store.write(repr(data) + "\\n")
        return jsonify(data)
    """
)

# uvicorn's timed protocol (``--http relproto:Protocol``) and gunicorn's timed
# worker (``-k relproto.Worker``), with this module's timeouts.
PROTOCOL = f"""
from hipflask.serving.gunicorn import timed_worker
from hipflask.serving.uvicorn import header_timeout_protocol

Protocol = header_timeout_protocol({TIMEOUT})
Worker = timed_worker({TIMEOUT}, {TIMEOUT}, 1000)
"""

HIPFLASK = [sys.executable, "-c", "from hipflask.cli.main import main; main()"]
LIMITS = ["--header-timeout", "1", "--body-timeout", "1", "--body-min-rate", "1000"]


# Built once: loading the trust store for each connection would be most of
# what the latency measurement sees. The adhoc certificate is not verified.
_CLIENT_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
_CLIENT_TLS.check_hostname = False
_CLIENT_TLS.verify_mode = ssl.CERT_NONE


@dataclass
class Live:
    name: str
    process: ServerProcess
    store: Path
    tls: bool = False

    def connect(self, timeout: float = 5.0) -> socket.socket:
        sock = socket.create_connection((LOOPBACK, self.process.port), timeout=timeout)
        if not self.tls:
            return sock
        return _CLIENT_TLS.wrap_socket(sock)

    def exchange(self, data: bytes, half_close: bool = False) -> bytes:
        with self.connect() as sock:
            sock.sendall(data)
            if half_close and not self.tls:
                sock.shutdown(socket.SHUT_WR)
            chunks = []
            try:
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    if b"\r\n\r\n" in b"".join(chunks) and _complete(b"".join(chunks)):
                        break
            except (TimeoutError, ConnectionError):
                pass
            return b"".join(chunks)

    def stored(self) -> str:
        return self.store.read_text() if self.store.exists() else ""


def _complete(reply: bytes) -> bool:
    head, _, body = reply.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def _status(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/") else 0


#: Servers that bound each read's silence, never a whole request head.
SILENCE_ONLY = ("hypercorn",)

SERVERS = [
    "granian-wsgi",
    "granian-asgi",
    "gunicorn",
    "uvicorn",
    "hypercorn",
    "devserver",
    "devserver-tls",
]


def _command(name: str, port: int, folder: Path) -> ServerProcess:
    env = {"RELIABILITY_STORE": str(folder / "store.txt"), "PYTHONPATH": str(folder)}
    if name.startswith("granian-"):
        interface = name.split("-")[1]
        args = [
            *HIPFLASK,
            "--app",
            "relapp:app",
            "serve",
            "--port",
            str(port),
            "--host-name",
            "localhost",
        ]
        # The access log stays on: a 500 must show up in the output.
        command = [*args, "--interface", interface, *LIMITS]
        return ServerProcess(command, port=port, env=env, cwd=folder)
    if name.startswith("devserver"):
        args = [*HIPFLASK, "--app", "relapp:app", "run", "--port", str(port)]
        tls = ["--cert", "adhoc"] if name == "devserver-tls" else []
        command = [*args, *tls, "--io-timeout", str(TIMEOUT)]
        return ServerProcess(command, port=port, env=env, cwd=folder)
    return serve(
        "relapp:app", server=name, port=port, app_dir=folder, env=env, extra_args=EXTRA[name]
    )


# What each server is told so that it times out slow clients itself.
EXTRA: dict[str, list[str]] = {
    "uvicorn": ["--http", "relproto:Protocol"],
    # Seconds of silence on a read; hypercorn has no deadline for a whole head.
    "hypercorn": ["--read-timeout", str(round(TIMEOUT)), "--keep-alive", str(round(TIMEOUT))],
    # A slow client holds a thread until its deadline: more threads than attackers.
    "gunicorn": ["-k", "relproto.Worker", "--threads", "400", "--keep-alive", str(round(TIMEOUT))],
}


@pytest.fixture(scope="module", params=SERVERS)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    name: str = request.param
    module = "granian" if name.startswith("granian") else name
    if module in ("gunicorn", "uvicorn", "hypercorn", "granian") and not is_installed(
        "granian-wsgi" if module == "granian" else module
    ):
        message = f"{module} is not installed; run: {install_command(name)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    folder = tmp_path_factory.mktemp(f"reliability-{name}")
    (folder / "relapp.py").write_text(APP, encoding="utf-8")
    (folder / "relproto.py").write_text(PROTOCOL, encoding="utf-8")
    process = _command(name, free_port(), folder)
    with process:
        yield Live(name, process, folder / "store.txt", tls=name == "devserver-tls")
        output = process.output()
    # Access log lines end the quoted request line with the status.
    assert '" 500 ' not in output, output[-3000:]
    assert "Traceback" not in output, output[-3000:]


FORM = b"Content-Type: application/x-www-form-urlencoded\r\n"


def test_a_body_cut_short_by_a_half_close_is_a_400_without_side_effect(live: Live) -> None:
    if live.tls:
        pytest.skip("a TLS client cannot half-close and keep reading")
    reply = live.exchange(
        b"POST /form HTTP/1.1\r\nHost: localhost\r\n"
        + FORM
        + b"Content-Length: 30\r\n\r\ncut=short",
        half_close=True,
    )

    assert _status(reply) in (400, 0)
    assert "cut" not in live.stored()


def test_a_client_that_disconnects_mid_body_leaves_no_error_and_no_side_effect(
    live: Live,
) -> None:
    with live.connect() as sock:
        sock.sendall(
            b"POST /form HTTP/1.1\r\nHost: localhost\r\n"
            + FORM
            + b"Content-Length: 50\r\n\r\ngone=1"
        )
    # The server notices on its next read; the next request must be served.
    assert (
        _status(live.exchange(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
        == 200
    )
    time.sleep(0.3)

    assert "gone" not in live.stored()


def test_a_broken_chunk_is_a_400_without_side_effect(live: Live) -> None:
    reply = live.exchange(
        b"POST /form HTTP/1.1\r\nHost: localhost\r\n" + FORM + b"Transfer-Encoding: chunked\r\n\r\n"
        b"9\r\nbad=chunk\r\nzz\r\nabc\r\n0\r\n\r\n"
    )

    assert _status(reply) in (400, 0)
    assert "bad" not in live.stored()


def test_a_truncated_json_body_is_a_400_without_side_effect(live: Live) -> None:
    if live.tls:
        pytest.skip("a TLS client cannot half-close and keep reading")
    reply = live.exchange(
        b"POST /json HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b'Content-Length: 40\r\n\r\n{"role": "admin"}',
        half_close=True,
    )

    assert _status(reply) in (400, 0)
    assert "admin" not in live.stored()


@pytest.mark.parametrize(
    "headers",
    [
        b"Content-Length: 10\r\nContent-Length: 4\r\n",
        b"Content-Length: 10\r\nTransfer-Encoding: chunked\r\n",
        b"Content-Length: 10\r\nHost: y\r\n",
    ],
    ids=["two-lengths", "length-and-chunked", "two-hosts"],
)
def test_smuggling_shaped_framing_is_refused(live: Live, headers: bytes) -> None:
    reply = live.exchange(
        b"POST /form HTTP/1.1\r\nHost: localhost\r\n" + FORM + headers + b"\r\nsmuggled=1"
    )

    assert _status(reply) in (400, 0)
    assert "smuggled" not in live.stored()
    assert "'smu" not in live.stored()


def test_a_complete_form_is_stored(live: Live) -> None:
    reply = live.exchange(
        b"POST /form HTTP/1.1\r\nHost: localhost\r\n"
        + FORM
        + b"Content-Length: 9\r\nConnection: close\r\n"
        b"\r\nrole=user"
    )

    assert _status(reply) == 200
    assert "'role': 'user'" in live.stored()


def test_repeated_cookie_headers_are_one_list_of_cookies(live: Live) -> None:
    reply = live.exchange(
        b"GET /cookies HTTP/1.1\r\nHost: localhost\r\nCookie: a=1\r\nCookie: b=2; c=3\r\n"
        b"Connection: close\r\n\r\n"
    )

    assert _status(reply) == 200
    assert json.loads(reply.partition(b"\r\n\r\n")[2]) == {"a": "1", "b": "2", "c": "3"}


@pytest.mark.parametrize(
    "second", [b"text/plain", b"application/x-www-form-urlencoded"], ids=["other", "same"]
)
def test_a_repeated_content_type_is_a_400_without_side_effect(live: Live, second: bytes) -> None:
    reply = live.exchange(
        b"POST /form HTTP/1.1\r\nHost: localhost\r\n" + FORM + b"Content-Type: " + second + b"\r\n"
        b"Content-Length: 9\r\nConnection: close\r\n\r\nrole=dupe"
    )

    assert _status(reply) == 400
    assert "dupe" not in live.stored()


def test_deeply_nested_json_is_a_400(live: Live) -> None:
    body = b"[" * 1000 + b"]" * 1000
    reply = live.exchange(
        b"POST /json HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b"Connection: close\r\n" + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
    )

    assert _status(reply) == 400


class _SlowClients:
    """Slow-body and slowloris sockets, fed one byte at a time from one thread."""

    def __init__(
        self, live: Live, silent: bool, slow_bodies: int = SLOW_BODIES, slowloris: int = SLOWLORIS
    ) -> None:
        self.live = live
        self.silent = silent
        self.slow_bodies = slow_bodies
        self.slowloris = slowloris
        self.opened: dict[socket.socket, float] = {}
        self.closed: dict[socket.socket, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._feed, daemon=True)

    def open(self) -> None:
        body = (
            b"POST /form HTTP/1.1\r\nHost: localhost\r\n"
            + FORM
            + b"Content-Length: 100000\r\n\r\na="
        )
        for index in range(self.slow_bodies + self.slowloris):
            sock = self.live.connect()
            sock.sendall(
                body if index < self.slow_bodies else b"GET / HTTP/1.1\r\nHost: localhost\r\n"
            )
            sock.setblocking(False)
            self.opened[sock] = time.monotonic()
        self._thread.start()

    def _feed(self) -> None:
        selector = selectors.DefaultSelector()
        for sock in self.opened:
            selector.register(sock, selectors.EVENT_READ)
        last_feed = 0.0
        while not self._stop.is_set() and len(self.closed) < len(self.opened):
            for key, _events in selector.select(timeout=0.05):
                sock = key.fileobj
                try:
                    data = sock.recv(65536)  # type: ignore[union-attr]
                except ssl.SSLWantReadError:
                    continue
                except OSError:
                    data = b""
                if not data or b"HTTP/1.1 4" in data:
                    selector.unregister(sock)
                    self.closed[sock] = time.monotonic()  # type: ignore[index]
            if not self.silent and time.monotonic() - last_feed > 0.3:
                last_feed = time.monotonic()
                for sock in self.opened:
                    if sock not in self.closed:
                        with contextlib.suppress(OSError):
                            sock.send(b"b")
        selector.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        for sock in self.opened:
            sock.close()


def _timed_get(live: Live) -> float:
    started = time.monotonic()
    reply = live.exchange(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert _status(reply) == 200, reply[:200]
    return time.monotonic() - started


def test_slow_clients_neither_starve_the_server_nor_outlive_their_timeout(live: Live) -> None:
    # hypercorn times out silence on each read, not a whole head: its
    # attackers go quiet after their first bytes. The others keep trickling,
    # except against the TLS development server: one client thread cannot
    # encrypt a byte for 320 sockets every 0.3 s on a busy two-core machine
    # and still notice each close in time (its trickling heads and bodies
    # are tested below, a few at a time).
    silent = live.name in SILENCE_ONLY or live.name == "devserver-tls"
    attack = _SlowClients(live, silent=silent)
    attack.open()
    try:
        latencies = [_timed_get(live) for _ in range(NORMAL_REQUESTS)]
        deadline = time.monotonic() + TIMEOUT + SLACK + 2
        while len(attack.closed) < len(attack.opened) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        attack.stop()

    assert statistics.median(latencies) < 0.05, latencies
    lasted = [
        attack.closed[sock] - opened
        for sock, opened in attack.opened.items()
        if sock in attack.closed
    ]
    assert len(lasted) == len(attack.opened)
    assert max(lasted) < TIMEOUT + SLACK, max(lasted)
    assert "'a':" not in live.stored()


def test_a_silent_connection_does_not_block_the_server(live: Live) -> None:
    silent = socket.create_connection((LOOPBACK, live.process.port), timeout=TIMEOUT + SLACK + 5)
    started = time.monotonic()
    try:
        assert _timed_get(live) < 1.0
        # Every server here closes a connection that never sends a byte (a
        # TLS one, on the development server, never starts its handshake).
        assert silent.recv(1) == b""
        assert time.monotonic() - started < TIMEOUT + SLACK
    finally:
        silent.close()


def test_an_idle_keep_alive_connection_is_closed(live: Live) -> None:
    with live.connect(timeout=TIMEOUT + SLACK + 5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        reply = b""
        while not _complete(reply):
            reply += sock.recv(65536)
        started = time.monotonic()

        assert _status(reply) == 200
        assert sock.recv(1) == b""
        assert time.monotonic() - started < TIMEOUT + SLACK


def test_heads_and_bodies_trickled_a_byte_at_a_time_are_cut_off(live: Live) -> None:
    if live.name in SILENCE_ONLY:
        pytest.skip(f"{live.name} bounds each read's silence, not a whole head or body")
    attack = _SlowClients(live, silent=False, slow_bodies=3, slowloris=3)
    attack.open()
    try:
        deadline = time.monotonic() + TIMEOUT + SLACK + 2
        while len(attack.closed) < len(attack.opened) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        attack.stop()

    lasted = [attack.closed[sock] - attack.opened[sock] for sock in attack.closed]
    assert len(lasted) == len(attack.opened)
    assert max(lasted) < TIMEOUT + SLACK, max(lasted)
