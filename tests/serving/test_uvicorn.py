"""The uvicorn protocol that gives request heads a deadline, against a real uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hipflask.serving.uvicorn import DEFAULT_HEADER_TIMEOUT
from hipflask.serving.uvicorn import HeaderTimeoutProtocol
from hipflask.serving.uvicorn import header_timeout_protocol
from hipflask.testing.servers import is_installed
from hipflask.testing.servers import serve

from .slow_clients import APP
from .slow_clients import SLACK
from .slow_clients import TIMEOUT
from .slow_clients import closed_after
from .slow_clients import connect
from .slow_clients import read_response

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not is_installed("uvicorn"), reason="uvicorn is not installed"),
]

PROTOCOL = f"""
from hipflask.serving.uvicorn import header_timeout_protocol

Protocol = header_timeout_protocol({TIMEOUT})
"""


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    folder: Path = tmp_path_factory.mktemp("uvicorn")
    (folder / "timedapp.py").write_text(APP + PROTOCOL, encoding="utf-8")
    with serve(
        "timedapp:app", server="uvicorn", app_dir=folder, extra_args=["--http", "timedapp:Protocol"]
    ) as server:
        yield server.port


def test_a_connection_that_sends_nothing_is_closed(port: int) -> None:
    with connect(port) as sock:
        assert closed_after(sock) < TIMEOUT + SLACK


def test_a_head_trickled_a_byte_at_a_time_is_cut_off(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        assert closed_after(sock, trickle=b"X") < TIMEOUT + SLACK


def test_an_idle_keep_alive_connection_is_closed(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).startswith(b"HTTP/1.1 200")
        assert closed_after(sock) < TIMEOUT + SLACK


def test_a_head_sent_in_pieces_within_the_timeout_is_served(port: int) -> None:
    with connect(port) as sock:
        for piece in (b"GET / HT", b"TP/1.1\r\nHo", b"st: x\r\n", b"\r\n"):
            sock.sendall(piece)
        assert read_response(sock).endswith(b"ok")


def test_pipelined_requests_are_all_answered(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 2)
        first = read_response(sock)
        second = first.partition(b"ok")[2] or read_response(sock)
        assert first.startswith(b"HTTP/1.1 200")
        assert second.startswith(b"HTTP/1.1 200")


def test_a_view_slower_than_the_header_timeout_still_answers(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).endswith(b"slow")


def test_repeated_cookie_headers_are_read_as_one_list(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n")
        assert b'"cookies":{"a":"1","b":"2"}' in read_response(sock)


def test_the_default_protocol_uses_the_default_timeout() -> None:
    assert HeaderTimeoutProtocol.header_timeout == DEFAULT_HEADER_TIMEOUT
    assert header_timeout_protocol(2).header_timeout == 2.0


@pytest.mark.parametrize("seconds", [0, -1, float("inf"), float("nan")])
def test_a_timeout_that_is_not_a_positive_number_is_refused(seconds: float) -> None:
    with pytest.raises(ValueError, match="positive number of seconds"):
        header_timeout_protocol(seconds)
