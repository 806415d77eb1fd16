"""The gunicorn worker that times out slow heads and bodies, against a real gunicorn."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

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
    pytest.mark.skipif(not is_installed("gunicorn"), reason="gunicorn is not installed"),
]

WORKER = f"""
from hipflask.serving.gunicorn import timed_worker

Worker = timed_worker({TIMEOUT}, {TIMEOUT}, 1000)
"""


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    folder: Path = tmp_path_factory.mktemp("gunicorn")
    (folder / "timedapp.py").write_text(APP + WORKER, encoding="utf-8")
    options = ["-k", "timedapp.Worker", "--threads", "8", "--keep-alive", "1"]
    with serve("timedapp:app", server="gunicorn", app_dir=folder, extra_args=options) as server:
        yield server.port


def test_a_connection_that_sends_nothing_is_closed(port: int) -> None:
    with connect(port) as sock:
        assert closed_after(sock) < TIMEOUT + SLACK


def test_a_head_trickled_a_byte_at_a_time_is_cut_off(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        assert closed_after(sock, trickle=b"X") < TIMEOUT + SLACK


def test_a_body_trickled_a_byte_at_a_time_is_cut_off(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\na")
        assert closed_after(sock, trickle=b"a") < TIMEOUT + SLACK


def test_a_silent_body_is_cut_off(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\na")
        assert closed_after(sock) < TIMEOUT + SLACK


def test_a_body_sent_in_time_is_read_whole(port: int) -> None:
    body = b"x" * 300_000
    with connect(port) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\n")
        sock.sendall(f"Content-Length: {len(body)}\r\n\r\n".encode())
        for start in range(0, len(body), 50_000):
            sock.sendall(body[start : start + 50_000])
            time.sleep(0.05)
        assert b'"size":300000' in read_response(sock)


def test_a_view_slower_than_every_timeout_still_answers(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).endswith(b"slow")


def test_a_kept_alive_connection_serves_its_next_request(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).endswith(b"ok")
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).endswith(b"ok")


def test_repeated_cookie_headers_are_read_as_one_list(port: int) -> None:
    with connect(port) as sock:
        sock.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n")
        assert b'"cookies":{"a":"1","b":"2"}' in read_response(sock)


def test_limits_that_make_no_sense_are_refused() -> None:
    from hipflask.serving.gunicorn import TimedWorker
    from hipflask.serving.gunicorn import timed_worker

    assert timed_worker(2, 3, 10).header_timeout == 2.0
    assert TimedWorker.body_min_rate == 1024
    with pytest.raises(ValueError, match="timeouts must be positive"):
        timed_worker(0)
    with pytest.raises(ValueError, match="timeouts must be positive"):
        timed_worker(1, float("inf"))
    with pytest.raises(ValueError, match="must not be negative"):
        timed_worker(1, 1, -1)
