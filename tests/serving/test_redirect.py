"""The --redirect-http listener: only trusted hosts, a deadline per request, a cap on threads."""

from __future__ import annotations

import asyncio
import http.client
import socket
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest
from tests.serving.https_client import IO_TIMEOUT
from tests.serving.slow_clients import SLACK
from tests.serving.slow_clients import TIMEOUT
from tests.serving.slow_clients import closed_after
from tests.serving.slow_clients import connect
from tests.serving.slow_clients import read_response
from werkzeug.test import Client

from hipflask import Hipflask
from hipflask.errors import ConfigurationError
from hipflask.serving.redirect import RedirectServer

StartRedirector = Callable[..., int]


@pytest.fixture
def redirector() -> Iterator[StartRedirector]:
    servers: list[RedirectServer] = []

    def start(
        https_port: int = 8443,
        trusted_hosts: list[str] | None = None,
        **options: Any,
    ) -> int:
        options.setdefault("deadline", TIMEOUT)
        server = RedirectServer(
            ("127.0.0.1", 0),
            https_port,
            trusted_hosts or ["example.com"],
            access_log=False,
            **options,
        )
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
        servers.append(server)
        return int(server.server_address[1])

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _plain_request(port: int, method: str, path: str, host: str | None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=IO_TIMEOUT)
    connection.putrequest(method, path, skip_host=True)
    if host is not None:
        connection.putheader("Host", host)
    connection.endheaders(b"a=1" if method == "POST" else None)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def _raw(port: int, request: bytes) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT) as sock:
        sock.sendall(request)
        return read_response(sock).decode("latin-1")


# -- where it redirects ------------------------------------------------------------------


def test_redirect_keeps_host_path_and_query_and_uses_308(redirector: StartRedirector) -> None:
    port = redirector(https_port=8443)

    response = _plain_request(port, "GET", "/a/b?x=1&y=2", "example.com:8080")

    assert response.status == 308
    assert response.headers["Location"] == "https://example.com:8443/a/b?x=1&y=2"


def test_redirect_to_the_default_https_port_leaves_the_port_out(
    redirector: StartRedirector,
) -> None:
    port = redirector(https_port=443)

    response = _plain_request(port, "POST", "/form", "example.com")

    assert response.status == 308  # the method and body are kept by the browser
    assert response.headers["Location"] == "https://example.com/form"


@pytest.mark.parametrize("host", [None, "", "evil.com/path", "user@evil.com", "a b", "evil.com\\x"])
def test_redirect_refuses_a_missing_or_malformed_host(
    redirector: StartRedirector, host: str | None
) -> None:
    port = redirector()

    response = _plain_request(port, "GET", "/", host)

    assert response.status == 400
    assert "Location" not in response.headers


def test_redirect_percent_encodes_raw_bytes_of_the_target(redirector: StartRedirector) -> None:
    port = redirector(https_port=443)

    reply = _raw(port, b"GET /a\x00b\xff\x7fc?q=\x01 HTTP/1.1\r\nHost: example.com\r\n\r\n")

    head = reply.split("\r\n\r\n")[0]
    assert head.startswith("HTTP/1.1 308")
    assert "Location: https://example.com/a%00b%FF%7Fc?q=%01\r\n" in head + "\r\n"


def test_redirect_honours_trusted_hosts(redirector: StartRedirector) -> None:
    port = redirector(trusted_hosts=["example.com", ".example.org"])

    assert _plain_request(port, "GET", "/", "example.com").status == 308
    assert _plain_request(port, "GET", "/", "www.example.org").status == 308
    assert _plain_request(port, "GET", "/", "example.org").status == 308
    assert _plain_request(port, "GET", "/", "www.example.com").status == 400
    assert _plain_request(port, "GET", "/", "attacker.test").status == 400


def test_a_foreign_host_is_refused_not_redirected(redirector: StartRedirector) -> None:
    # An open redirect: http://victim/x -> https://evil.example/x, on the victim's address.
    port = redirector(https_port=8443, trusted_hosts=["myapp.test"])

    response = _plain_request(port, "GET", "/x", "evil.example")

    assert response.status == 400
    assert "Location" not in response.headers


def test_no_trusted_host_names_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="host names"):
        RedirectServer(("127.0.0.1", 0), 443, [], access_log=False)


def test_an_absolute_form_target_keeps_its_path_on_the_trusted_host(
    redirector: StartRedirector,
) -> None:
    port = redirector(https_port=443, trusted_hosts=["myapp.test"])

    reply = _raw(port, b"GET http://evil.example//x/y?q=1 HTTP/1.1\r\nHost: myapp.test\r\n\r\n")

    assert reply.startswith("HTTP/1.1 308")
    assert "\r\nLocation: https://myapp.test/x/y?q=1\r\n" in reply


@pytest.mark.parametrize("target", [b"*", b"@evil.example", b"\\\\evil.example"])
def test_a_target_that_is_no_path_goes_to_the_root(
    redirector: StartRedirector, target: bytes
) -> None:
    port = redirector(https_port=443, trusted_hosts=["myapp.test"])

    reply = _raw(port, b"GET " + target + b" HTTP/1.1\r\nHost: myapp.test\r\n\r\n")

    assert "\r\nLocation: https://myapp.test/\r\n" in reply


@pytest.mark.parametrize(
    ("host", "location"),
    [
        ("MyApp.TEST", "https://myapp.test/"),
        ("myapp.test.", "https://myapp.test/"),
        ("MYAPP.test.:80", "https://myapp.test/"),
    ],
)
def test_host_names_compare_in_lower_case_without_the_trailing_dot(
    redirector: StartRedirector, host: str, location: str
) -> None:
    port = redirector(https_port=443, trusted_hosts=["MyApp.Test."])

    response = _plain_request(port, "GET", "/", host)

    assert response.status == 308
    assert response.headers["Location"] == location


@pytest.mark.parametrize("host", ["myapp.test..", "[::2]", "[::1", "myapp.test:99999"])
def test_hosts_the_app_refuses_are_refused(redirector: StartRedirector, host: str) -> None:
    port = redirector(trusted_hosts=["myapp.test", "::1", "[::1]"])

    assert _plain_request(port, "GET", "/", host).status == 400


def _app_status(host: str, trusted: list[str], protocol: str) -> int:
    """What an app with ``TRUSTED_HOSTS = trusted`` answers for ``host``, as set (not canonical)."""
    app = Hipflask(__name__)
    app.config["TRUSTED_HOSTS"] = trusted
    app.get("/")(lambda: "ok")
    served = app
    if protocol == "wsgi":
        return int(Client(served).get("/", headers={"Host": host}).status_code)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", host.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(served(scope, receive, send))
    return int(sent[0]["status"])


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("MyApp.TEST", 200),
        ("myapp.test.", 200),
        ("myapp.test.:8443", 200),
        ("myapp.test..", 400),
        ("evil.example", 400),
        ("[::1]", 200),
        ("[0:0::1]:8443", 200),
        ("[::2]", 400),
    ],
)
@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_the_app_and_the_listener_compare_host_names_alike(
    redirector: StartRedirector, host: str, status: int, protocol: str
) -> None:
    # The same names, compared the same way, get a redirect from the listener
    # and an answer from the app; the others get 400 from both.
    trusted = ["MyApp.Test", "::1", "[::1]"]
    port = redirector(trusted_hosts=trusted)

    answered = _app_status(host, trusted, protocol)
    redirected = _plain_request(port, "GET", "/", host).status

    assert answered == status
    assert redirected == (308 if status == 200 else 400)


# -- slow clients --------------------------------------------------------------------------


def test_a_trickling_client_is_dropped_at_the_deadline(redirector: StartRedirector) -> None:
    # A byte every 0.1 s resets any per-read timeout; the deadline counts from accept.
    port = redirector()

    with connect(port) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: example.com\r\n")
        elapsed = closed_after(sock, trickle=b"X")

    assert elapsed < TIMEOUT + SLACK


def test_a_silent_client_is_dropped_at_the_deadline(redirector: StartRedirector) -> None:
    port = redirector()

    with connect(port) as sock:
        elapsed = closed_after(sock)

    assert elapsed < TIMEOUT + SLACK


def test_a_connection_past_the_cap_takes_the_place_of_the_oldest_unfinished_one(
    redirector: StartRedirector,
) -> None:
    # Refusing newcomers at the cap would let a client that keeps the cap's
    # worth of slow connections open (a few dozen new ones a second, at the
    # real cap and deadline) keep everyone else out for as long as it likes.
    port = redirector(max_connections=3, deadline=TIMEOUT * 20)
    holders = [connect(port) for _ in range(3)]
    try:
        for sock in holders:
            sock.sendall(b"GET / HTTP/1.1\r\n")  # each holds a thread until its deadline
            time.sleep(0.05)  # accepted in this order
        with connect(port) as extra:
            extra.sendall(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
            reply = read_response(extra)
        # The newcomer took the place of the oldest holder; the others wait on.
        oldest_closed_after = closed_after(holders[0])
        holders[1].settimeout(TIMEOUT)
        with pytest.raises(TimeoutError):
            holders[1].recv(1)
    finally:
        for sock in holders:
            sock.close()

    assert reply.startswith(b"HTTP/1.1 308")
    assert oldest_closed_after < SLACK


def test_many_slow_clients_past_the_cap_never_keep_an_ordinary_one_out(
    redirector: StartRedirector,
) -> None:
    port = redirector(max_connections=10, deadline=TIMEOUT * 20)
    slow = [connect(port) for _ in range(40)]
    try:
        for sock in slow:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: example.com\r\n")
        statuses = [_plain_request(port, "GET", "/", "example.com").status for _ in range(5)]
    finally:
        for sock in slow:
            sock.close()

    assert statuses == [308] * 5


def test_ordinary_requests_are_answered_while_slow_clients_wait(
    redirector: StartRedirector,
) -> None:
    # The slow clients are held far longer than the requests take on a busy
    # machine: answered before that deadline, they were answered while the
    # slow clients still held their connections.
    deadline = TIMEOUT * 10
    port = redirector(max_connections=50, deadline=deadline)
    slow = [connect(port) for _ in range(20)]
    try:
        for sock in slow:
            sock.sendall(b"GET / HTTP/1.1\r\n")
        started = time.monotonic()
        statuses = [_plain_request(port, "GET", "/", "example.com").status for _ in range(5)]
        elapsed = time.monotonic() - started
    finally:
        for sock in slow:
            sock.close()

    assert statuses == [308] * 5
    assert elapsed < deadline


def test_the_listen_backlog_is_not_pythons_five(redirector: StartRedirector) -> None:
    from hipflask.serving.redirect import BACKLOG

    assert RedirectServer.request_queue_size == BACKLOG >= 128
