"""Request bodies are complete or refused, under both protocols, sent raw as an attacker would."""

from __future__ import annotations

import asyncio
import io
import json
import sys
import types
from typing import Any

import pytest
from tests.asgi_driver import http_scope
from tests.asgi_driver import serve
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import RequestTimeout

from hipflask import Hipflask
from hipflask import request
from hipflask.core.body import BODY_INCOMPLETE
from hipflask.core.body import BodyTimeouts
from hipflask.core.body import ClientGone
from hipflask.core.body import receive_body
from hipflask.core.body import wsgi_body

STORED: list[Any] = []


@pytest.fixture
def app() -> Hipflask:
    app = Hipflask("bodies")
    app.config.update(SECRET_KEY="body-test-secret-key-0123456789abcdef0123")
    STORED.clear()

    @app.post("/form")
    def form() -> Any:
        STORED.append(request.form.to_dict())
        return "stored"

    @app.post("/json")
    def json_body() -> Any:
        STORED.append(request.get_json())
        return "stored"

    @app.post("/raw")
    def raw() -> Any:
        STORED.append(request.get_data())
        return "stored"

    @app.post("/ignores-body")
    def ignores_body() -> str:
        return "fine"

    return app


def _wsgi(app: Hipflask, path: str, headers: dict[str, str], body: bytes, **extra: Any) -> int:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        **extra,
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    statuses: list[str] = []
    result = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    b"".join(result)
    return int(statuses[0].split()[0])


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("terminated", [False, True], ids=["plain", "input-terminated"])
@pytest.mark.parametrize(
    ("path", "headers", "body"),
    [
        ("/form", FORM, b"role=user"),
        ("/json", JSON, b'{"role": "user"}'),
        ("/raw", {}, b"role=user"),
    ],
    ids=["form", "json", "raw"],
)
def test_wsgi_body_shorter_than_its_length_is_a_400_and_never_stored(
    app: Hipflask, terminated: bool, path: str, headers: dict[str, str], body: bytes
) -> None:
    extra = {"wsgi.input_terminated": True} if terminated else {}

    status = _wsgi(app, path, {**headers, "Content-Length": "30"}, body, **extra)

    assert status == 400
    assert STORED == []


class _BrokenChunks(io.BytesIO):
    """A server stream that fails mid-body, as gunicorn's chunk parser does."""

    def read(self, size: int | None = -1) -> bytes:
        if self.tell():
            raise ValueError("Invalid chunk size: 'zz'")
        return super().read(4)


@pytest.mark.parametrize("path", ["/form", "/json", "/raw"])
def test_wsgi_stream_error_mid_body_is_a_400_not_a_500(app: Hipflask, path: str) -> None:
    extra = {"wsgi.input": _BrokenChunks(b"role=user"), "wsgi.input_terminated": True}
    headers = {**FORM, "Transfer-Encoding": "chunked"} if path == "/form" else JSON

    assert _wsgi(app, path, headers, b"", **extra) == 400
    assert STORED == []


def test_wsgi_complete_body_is_read_whole(app: Hipflask) -> None:
    status = _wsgi(app, "/form", {**FORM, "Content-Length": "9"}, b"role=user")

    assert status == 200
    assert STORED == [{"role": "user"}]


def test_wsgi_chunked_body_over_the_limit_is_a_413(app: Hipflask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 4
    extra = {"wsgi.input_terminated": True}

    assert _wsgi(app, "/raw", {"Transfer-Encoding": "chunked"}, b"123456", **extra) == 413


@pytest.mark.parametrize("path", ["/form", "/json", "/raw"])
def test_wsgi_chunked_body_without_a_limit_is_read_and_closed(app: Hipflask, path: str) -> None:
    # gunicorn marks every body terminated; with no MAX_CONTENT_LENGTH the
    # server's stream is the request's, and closing the request must not fail.
    app.config["MAX_CONTENT_LENGTH"] = None
    extra = {"wsgi.input_terminated": True}
    headers = {"Transfer-Encoding": "chunked", **(FORM if path == "/form" else JSON)}
    body = b'{"role": "user"}' if path != "/form" else b"role=user"

    assert _wsgi(app, path, headers, body, **extra) == 200
    expected: Any = body if path == "/raw" else {"role": "user"}
    assert len(STORED) == 1
    assert STORED[0] == expected


def test_wsgi_body_without_length_or_server_end_is_empty() -> None:
    stream = wsgi_body({"wsgi.input": io.BytesIO(b"next request")}, None, None)

    assert stream.read() == b""


def test_asgi_disconnect_mid_body_is_answered_400_without_the_view(app: Hipflask) -> None:
    connection = serve(
        app,
        http_scope("/form", method="POST", headers=[(b"content-length", b"30")]),
        {"type": "http.request", "body": b"role=user", "more_body": True},
        {"type": "http.disconnect"},
    )

    assert connection.sent[0]["status"] == 400
    assert BODY_INCOMPLETE.encode() in connection.sent[1]["body"]
    assert STORED == []


def test_asgi_body_shorter_than_its_length_is_a_400_when_read(app: Hipflask) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"30")]
    connection = serve(
        app,
        http_scope("/json", method="POST", headers=headers),
        {"type": "http.request", "body": b'{"a": 1}', "more_body": False},
    )

    assert connection.sent[0]["status"] == 400
    assert STORED == []


def test_asgi_short_body_does_not_stop_a_view_that_never_reads_it(app: Hipflask) -> None:
    connection = serve(
        app,
        http_scope("/ignores-body", method="POST", headers=[(b"content-length", b"30")]),
        {"type": "http.request", "body": b"short", "more_body": False},
    )

    assert connection.sent[0]["status"] == 200


def test_asgi_send_failing_after_a_disconnect_is_not_an_error(app: Hipflask) -> None:
    messages = [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        raise OSError("client gone")

    asyncio.run(app(http_scope("/form", method="POST"), receive, send))


def test_asgi_stalled_body_is_a_408(app: Hipflask) -> None:
    app.config["BODY_READ_TIMEOUT"] = 0.05
    messages = [{"type": "http.request", "body": b"a", "more_body": True}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(10)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(http_scope("/raw", method="POST"), receive, send))

    assert sent[0]["status"] == 408
    assert STORED == []


def test_asgi_trickling_body_is_cut_off_by_the_minimum_rate(app: Hipflask) -> None:
    app.config.update(BODY_READ_TIMEOUT=0.05, BODY_MIN_RATE=1000)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(0.02)  # never silent long enough for the read timeout
        return {"type": "http.request", "body": b"a", "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(http_scope("/raw", method="POST"), receive, send))

    assert sent[0]["status"] == 408


def _receive_all(*messages: dict[str, Any]) -> Any:
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        return queue.pop(0)

    return receive


def test_receive_body_keeps_only_the_announced_length() -> None:
    receive = _receive_all({"type": "http.request", "body": b"abcdef", "more_body": True})

    buffer, size = asyncio.run(
        receive_body(receive, length=3, limit=None, timeouts=BodyTimeouts(None, None))
    )

    assert buffer is not None
    with buffer:
        assert (buffer.read(), size) == (b"abc", 3)


def test_receive_body_reports_a_disconnect() -> None:
    receive = _receive_all(
        {"type": "http.request", "body": b"ab", "more_body": True}, {"type": "http.disconnect"}
    )

    with pytest.raises(ClientGone):
        asyncio.run(receive_body(receive, length=None, limit=None, timeouts=BodyTimeouts(1, 1)))


def test_receive_body_reports_a_short_body() -> None:
    receive = _receive_all({"type": "http.request", "body": b"ab"})

    with pytest.raises(BadRequest):
        asyncio.run(receive_body(receive, length=5, limit=None, timeouts=BodyTimeouts(1, 1)))


def test_body_timeouts_off_when_the_read_timeout_is_unset() -> None:
    timeouts = BodyTimeouts.from_config({"BODY_READ_TIMEOUT": None, "BODY_MIN_RATE": 1024})

    timeouts.check_rate(0.0, 0)  # long ago, nothing received: still no error
    assert timeouts.read_timeout is None


def test_body_rate_below_the_minimum_after_the_grace_period_is_a_408() -> None:
    timeouts = BodyTimeouts(0.0001, 1000)

    with pytest.raises(RequestTimeout):
        timeouts.check_rate(0.0, 1)


def _waiting_receive(*messages: dict[str, Any], delay: float = 0.001) -> Any:
    """A receive whose messages arrive later: every call waits before answering."""
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(delay)
        return queue.pop(0)

    return receive


@pytest.mark.parametrize("timeouts", [BodyTimeouts(5, None), BodyTimeouts(None, None)])
def test_receive_body_waits_for_messages_that_are_not_there_yet(timeouts: BodyTimeouts) -> None:
    receive = _waiting_receive(
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"cd"},
    )

    buffer, size = asyncio.run(receive_body(receive, length=4, limit=None, timeouts=timeouts))

    assert buffer is not None
    with buffer:
        assert (buffer.read(), size) == (b"abcd", 4)


def test_receive_body_times_out_a_receive_that_never_answers_and_cancels_it() -> None:
    cancelled: list[bool] = []

    async def receive() -> dict[str, Any]:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        return {"type": "http.disconnect"}  # pragma: no cover - cancelled first

    with pytest.raises(RequestTimeout):
        asyncio.run(
            receive_body(receive, length=None, limit=None, timeouts=BodyTimeouts(0.01, None))
        )
    assert cancelled == [True]


def test_receive_body_passes_an_error_of_a_waiting_receive_through() -> None:
    async def receive() -> dict[str, Any]:
        await asyncio.sleep(0)
        raise ConnectionResetError("gone")

    with pytest.raises(ConnectionResetError):
        asyncio.run(receive_body(receive, length=None, limit=None, timeouts=BodyTimeouts(1, 1)))


def test_body_timeouts_follow_a_changed_setting() -> None:
    first = BodyTimeouts.from_config({"BODY_READ_TIMEOUT": 3, "BODY_MIN_RATE": 10})
    again = BodyTimeouts.from_config({"BODY_READ_TIMEOUT": 3, "BODY_MIN_RATE": 10})
    changed = BodyTimeouts.from_config({"BODY_READ_TIMEOUT": 4, "BODY_MIN_RATE": 10})

    assert (again.read_timeout, again.min_rate) == (first.read_timeout, first.min_rate)
    assert (changed.read_timeout, changed.min_rate) == (4.0, 10.0)


def _exact(body: bytes, length: int) -> Any:
    return wsgi_body({"wsgi.input": io.BytesIO(body)}, length, None)


def test_wsgi_body_of_declared_length_reads_like_a_file_and_stops_at_the_length() -> None:
    stream = _exact(b"one\ntwo\nnext request", 8)

    assert stream.readable()
    assert stream.readline() == b"one\n"
    assert stream.tell() == 4
    assert stream.read(100) == b"two\n"
    assert stream.read() == b""
    assert _exact(b"abcdef", 4).read() == b"abcd"
    assert list(_exact(b"a\nb\nc", 4)) == [b"a\n", b"b\n"]
    buffer = bytearray(3)
    assert (_exact(b"abcdef", 2).readinto(buffer), bytes(buffer)) == (2, b"ab\x00")


def test_wsgi_body_of_declared_length_cut_short_is_a_400_however_it_is_read() -> None:
    with pytest.raises(BadRequest):
        _exact(b"ab", 4).read()
    with pytest.raises(BadRequest):
        wsgi_body({"wsgi.input": _BrokenChunks(b"role=user")}, 9, None).read()
    stream = _exact(b"ab", 4)
    assert stream.read(2) == b"ab"
    with pytest.raises(BadRequest):
        stream.read(2)


def test_wsgi_body_of_declared_length_never_hands_over_more_than_asked() -> None:
    class Generous(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            return super().read()  # ignores the size, as a broken server might

    stream = wsgi_body({"wsgi.input": Generous(b"abcdef")}, 4, None)

    assert stream.read(4) == b"abcd"
    assert stream.read() == b""


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([(b"content-length", b"9")], 9),
        ([(b"transfer-encoding", b"chunked")], None),
        ([(b"Content-Length", b"9"), (b"transfer-encoding", b"")], 9),
    ],
    ids=["declared", "chunked", "blank-encoding"],
)
def test_asgi_content_length_is_what_the_headers_say(
    app: Hipflask, headers: list[tuple[bytes, bytes]], expected: int | None
) -> None:
    @app.post("/length")
    def length() -> Any:
        declared = request.content_length
        del request.content_length  # computed again from the headers
        return {"given": declared, "computed": request.content_length}

    scope = http_scope("/length", method="POST", headers=headers)
    connection = serve(app, scope, {"type": "http.request", "body": b"role=user"})

    assert connection.status == 200
    assert json.loads(connection.body) == {"given": expected, "computed": expected}


@types.coroutine
def _pause() -> Any:
    yield


def test_closing_a_body_read_that_waits_closes_the_receive_it_waits_on() -> None:
    closed: list[bool] = []

    async def receive() -> dict[str, Any]:
        try:
            await _pause()
        except GeneratorExit:
            closed.append(True)
            raise
        return {"type": "http.request", "body": b"ab"}  # pragma: no cover - closed first

    reading = receive_body(receive, length=None, limit=None, timeouts=BodyTimeouts(None, None))
    reading.send(None)  # now suspended inside receive()
    reading.close()

    assert closed == [True]


class _NextOnlyAwaitable:
    """An awaitable whose iterator has ``__next__`` and nothing else, as granian's is."""

    def __init__(self, future: asyncio.Future[Any]) -> None:
        self._future = future

    def __await__(self) -> _NextOnlyAwaitable:
        return self

    def __iter__(self) -> _NextOnlyAwaitable:
        return self

    def __next__(self) -> Any:
        if not self._future.done():
            self._future._asyncio_future_blocking = True  # what Future.__await__ sets
            return self._future
        raise StopIteration(self._future.result())


@pytest.mark.parametrize("ready", [True, False], ids=["already-there", "arrives-later"])
def test_receive_body_awaits_a_receive_whose_iterator_only_has_next(ready: bool) -> None:
    messages = [{"type": "http.request", "body": b"ab"}]

    async def main() -> tuple[Any, int]:
        loop = asyncio.get_running_loop()

        def receive() -> _NextOnlyAwaitable:
            future: asyncio.Future[Any] = loop.create_future()
            if ready:
                future.set_result(messages.pop(0))
            else:
                loop.call_soon(future.set_result, messages.pop(0))
            return _NextOnlyAwaitable(future)

        return await receive_body(receive, length=2, limit=None, timeouts=BodyTimeouts(5, 1))

    buffer, size = asyncio.run(main())

    assert buffer is not None
    with buffer:
        assert (buffer.read(), size) == (b"ab", 2)


def test_a_receive_without_throw_still_times_out() -> None:
    async def main() -> Any:
        loop = asyncio.get_running_loop()
        never: asyncio.Future[Any] = loop.create_future()
        return await receive_body(
            lambda: _NextOnlyAwaitable(never),
            length=None,
            limit=None,
            timeouts=BodyTimeouts(0.01, None),
        )

    with pytest.raises(RequestTimeout):
        asyncio.run(main())
