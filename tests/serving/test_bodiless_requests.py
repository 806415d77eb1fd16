"""Requests that carry no body over HTTP/1.1 are answered at once, connection kept.

An HTTP/2 body may come without ``Content-Length``, so ``hipflask serve``
reads one for a WSGI app whatever the method. Over HTTP/1.1 a request with
neither ``Content-Length`` nor ``Transfer-Encoding`` has no body (RFC 9112,
section 6.3): a DELETE, an OPTIONS or a POST sent so must be answered
without waiting for bytes that never come, and the kept-alive connection
must serve the next request.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from tests.serving.slow_clients import connect
from tests.serving.slow_clients import read_response

pytestmark = pytest.mark.integration

StartServer = Any  # the start_server fixture of tests/serving/conftest.py

_APP = """
from hipflask import Hipflask, request

app = Hipflask(__name__)
app.secret_key = "6d1f3b8a0e2c4f7a9d5b1e3c8a0f6d2b4e7c9a1f3d5b8e0c2a4f6d9b1e3c5a7f"

@app.route("/item", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def item():
    return f"{request.method} {len(request.get_data())}"
"""


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_bodiless_unsafe_requests_over_http1_are_answered_on_one_connection(
    interface: str,
    tmp_path: Path,
    start_server: StartServer,
    hipflask: list[str],
    free_port: int,
) -> None:
    (tmp_path / "bodiless.py").write_text(textwrap.dedent(_APP), encoding="utf-8")
    args = ["--app", "bodiless", "serve", "--port", str(free_port)]
    server = start_server([*hipflask, *args, "--interface", interface], free_port, tmp_path)
    server.wait_for_output("Started worker-1")
    host = f"Host: 127.0.0.1:{free_port}\r\n".encode()

    answers = []
    with connect(free_port) as sock:
        # One kept-alive connection: each answer must come before the next
        # request is sent, or the read below times out.
        for method in (b"DELETE", b"OPTIONS", b"POST", b"PUT", b"PATCH", b"GET"):
            sock.sendall(method + b" /item HTTP/1.1\r\n" + host + b"\r\n")
            answers.append(read_response(sock))

        # Two types on no body at all: nothing for them to disagree about.
        two_types = b"Content-Type: text/plain\r\nContent-Type: application/json\r\n"
        sock.sendall(b"POST /item HTTP/1.1\r\n" + host + two_types + b"\r\n")
        answers.append(read_response(sock))

    statuses = [answer.split(b"\r\n", 1)[0] for answer in answers]
    assert statuses == [b"HTTP/1.1 200 OK"] * 7, answers
    bodies = [answer.partition(b"\r\n\r\n")[2] for answer in answers]
    assert bodies[0] == b"DELETE 0"
    assert bodies[2:] == [b"POST 0", b"PUT 0", b"PATCH 0", b"GET 0", b"POST 0"]
