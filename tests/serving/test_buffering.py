"""The body-buffering WSGI front: a complete body before a thread is taken, WSGI semantics kept."""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from tests.asgi_driver import http_scope

from hipflask import Hipflask
from hipflask import request
from hipflask.serving.buffering import BufferedWSGI

SEEN: list[Any] = []


@pytest.fixture
def front(app: Hipflask) -> Iterator[BufferedWSGI]:
    SEEN.clear()

    @app.route("/form", methods=["POST"])
    def form() -> Any:
        SEEN.append(
            (
                request.environ.get("CONTENT_LENGTH"),
                "HTTP_TRANSFER_ENCODING" in request.environ,
                request.form.to_dict(),
            )
        )
        return "stored"

    @app.route("/stream")
    def stream() -> Any:
        return iter([b"one;", b"", b"two;"])

    @app.route("/host")
    def host() -> str:
        return request.host

    front = BufferedWSGI(app, app.config, threads=2)
    yield front
    front.threads.shutdown()


def _drive(front: BufferedWSGI, scope: dict[str, Any], *messages: dict[str, Any]) -> list[Any]:
    queue = list(messages)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if queue:
            return queue.pop(0)
        await asyncio.sleep(10)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(front(scope, receive, send))
    return sent


FORM = (b"content-type", b"application/x-www-form-urlencoded")


def test_a_chunked_body_reaches_the_app_whole_with_its_length(front: BufferedWSGI) -> None:
    scope = http_scope("/form", method="POST", headers=[FORM, (b"transfer-encoding", b"chunked")])

    sent = _drive(
        front,
        scope,
        {"type": "http.request", "body": b"role=", "more_body": True},
        {"type": "http.request", "body": b"user", "more_body": False},
    )

    assert sent[0]["status"] == 200
    assert SEEN == [("9", False, {"role": "user"})]


def test_a_disconnect_mid_body_is_a_400_and_never_calls_the_app(front: BufferedWSGI) -> None:
    scope = http_scope("/form", method="POST", headers=[FORM, (b"content-length", b"30")])

    sent = _drive(
        front,
        scope,
        {"type": "http.request", "body": b"role=user", "more_body": True},
        {"type": "http.disconnect"},
    )

    assert sent[0]["status"] == 400
    assert SEEN == []


def test_a_short_body_is_a_400_and_never_calls_the_app(front: BufferedWSGI) -> None:
    scope = http_scope("/form", method="POST", headers=[FORM, (b"content-length", b"30")])

    sent = _drive(front, scope, {"type": "http.request", "body": b"role=user"})

    assert sent[0]["status"] == 400
    assert SEEN == []


def test_a_stalled_body_is_a_408(front: BufferedWSGI, app: Hipflask) -> None:
    app.config["BODY_READ_TIMEOUT"] = 0.05
    scope = http_scope("/form", method="POST", headers=[FORM, (b"content-length", b"30")])

    sent = _drive(front, scope, {"type": "http.request", "body": b"r", "more_body": True})

    assert sent[0]["status"] == 408
    assert (b"connection", b"close") in sent[0]["headers"]


def test_a_declared_body_over_the_limit_is_a_413_unread(front: BufferedWSGI, app: Hipflask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 4
    scope = http_scope("/form", method="POST", headers=[FORM, (b"content-length", b"30")])

    assert _drive(front, scope)[0]["status"] == 413


@pytest.mark.parametrize(
    "headers",
    [
        [(b"content-length", b"3"), (b"content-length", b"4")],
        [(b"content-length", b"3"), (b"transfer-encoding", b"chunked")],
        [(b"host", b"a.example"), (b"host", b"b.example"), (b"content-length", b"3")],
    ],
)
def test_smuggling_shaped_framing_is_refused(
    front: BufferedWSGI, headers: list[tuple[bytes, bytes]]
) -> None:
    sent = _drive(front, http_scope("/form", method="POST", headers=[FORM, *headers]))

    assert sent[0]["status"] == 400
    assert SEEN == []


@pytest.mark.parametrize(
    "extra",
    [(b"content_length", b"7"), (b"transfer_encoding", b"chunked")],
)
def test_underscore_names_are_not_framing_headers(
    front: BufferedWSGI, extra: tuple[bytes, bytes]
) -> None:
    # Only the real names frame the body; a look-alike with an underscore
    # (which an environ would spell the same) is neither refused nor obeyed.
    scope = http_scope("/form", method="POST", headers=[FORM, (b"content-length", b"3"), extra])
    sent = _drive(front, scope, {"type": "http.request", "body": b"a=1", "more_body": False})

    assert sent[0]["status"] == 200
    assert SEEN == [("3", False, {"a": "1"})]


def test_underscore_names_cannot_add_to_a_proxys_headers(app: Hipflask) -> None:
    # X-Forwarded-For and x_forwarded_for share the environ key
    # HTTP_X_FORWARDED_FOR: joined, a client's value could pass for the proxy's.
    app.config["PROXY_FIX"] = 1

    @app.route("/who")
    def who() -> str:
        return f"{request.remote_addr} {request.scheme} {request.environ.get('HTTP_X_TRICK')}"

    front = BufferedWSGI(app, app.config, threads=1)
    scope = http_scope(
        "/who",
        headers=[
            (b"x-forwarded-for", b"1.2.3.4"),
            (b"x_forwarded_for", b"6.6.6.6"),
            (b"x_forwarded_proto", b"https"),
            (b"x_trick", b"yes"),
        ],
    )
    try:
        sent = _drive(front, scope)
    finally:
        front.threads.shutdown()

    assert sent[1]["body"] == b"1.2.3.4 http None"


def test_long_header_names_are_not_kept(front: BufferedWSGI) -> None:
    from hipflask.core import wsgi_front as buffering

    name = b"x-" + b"n" * 200
    _drive(front, http_scope("/host", headers=[(name, b"1")]))

    assert name not in buffering._NAMES


def test_a_streamed_response_is_sent_chunk_by_chunk(front: BufferedWSGI) -> None:
    sent = _drive(front, http_scope("/stream"))

    bodies = [message.get("body") for message in sent[1:]]
    assert bodies == [b"one;", b"two;", b""]


def test_the_app_sees_the_host_and_path_as_under_any_wsgi_server(front: BufferedWSGI) -> None:
    scope = http_scope("/host")
    scope["headers"] = [(b"host", b"good.example:8080")]

    sent = _drive(front, scope)

    assert sent[1]["body"] == b"good.example:8080"


def test_a_websocket_is_closed_before_it_is_accepted(front: BufferedWSGI) -> None:
    sent = _drive(front, {"type": "websocket", "path": "/"}, {"type": "websocket.connect"})

    assert sent == [{"type": "websocket.close", "code": 1000}]


def _header(sent: list[Any], name: bytes) -> bytes | None:
    return dict(sent[0]["headers"]).get(name)


def _body(sent: list[Any]) -> bytes:
    return b"".join(message.get("body", b"") for message in sent[1:])


def test_a_body_over_the_limit_is_answered_by_the_app(front: BufferedWSGI, app: Hipflask) -> None:
    # The app's own 413 page, with its security headers, as served directly.
    app.config["MAX_CONTENT_LENGTH"] = 4

    @app.errorhandler(413)
    def too_large(error: Exception) -> Any:
        return "upload smaller files", 413

    declared = http_scope("/form", method="POST", headers=[FORM, (b"content-length", b"30")])
    chunked = http_scope("/form", method="POST", headers=[FORM, (b"transfer-encoding", b"chunked")])
    for scope in (declared, chunked):
        sent = _drive(front, scope, {"type": "http.request", "body": b"role=user" * 3})
        assert sent[0]["status"] == 413
        assert _body(sent) == b"upload smaller files"
        assert _header(sent, b"referrer-policy") is not None
        assert _header(sent, b"connection") == b"close"
    assert SEEN == []


def test_refused_framing_never_reaches_a_mounted_wsgi_app(app: Hipflask) -> None:
    # A plain WSGI app mounted under the hipflask app knows nothing of
    # hipflask's refusals: smuggling-shaped requests stop at the front.
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    calls: list[str] = []

    def legacy(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        calls.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"transferred"]

    mounted = DispatcherMiddleware(app.wsgi_app, {"/legacy": legacy})
    front = BufferedWSGI(mounted, app.config, threads=1)
    try:
        for framing in (
            [(b"content-length", b"3"), (b"transfer-encoding", b"chunked")],
            [(b"content-length", b"3"), (b"content-length", b"4")],
        ):
            scope = http_scope("/legacy/transfer", method="POST", headers=[FORM, *framing])
            sent = _drive(front, scope, {"type": "http.request", "body": b"a=1"})
            assert sent[0]["status"] == 400
    finally:
        front.threads.shutdown()
    assert calls == []


class _FailingBody:
    """A WSGI body that raises at one of its chunks, and records its close()."""

    def __init__(self, fail_at: int, closed: list[bool]) -> None:
        self.fail_at = fail_at
        self.closed = closed
        self.count = 0

    def __iter__(self) -> _FailingBody:
        return self

    def __next__(self) -> bytes:
        self.count += 1
        if self.count == self.fail_at:
            raise RuntimeError("the body broke")
        if self.count > 3:
            raise StopIteration
        return b"chunk;"

    def close(self) -> None:
        self.closed.append(True)


@pytest.mark.parametrize("fail_at", [1, 2])
def test_a_body_that_raises_is_closed_wherever_it_fails(app: Hipflask, fail_at: int) -> None:
    # PEP 3333: close() is called however the request ends, an error in
    # the first chunk included (where a request's teardown may hang on it).
    closed: list[bool] = []

    def broken(environ: dict[str, Any], start_response: Any) -> _FailingBody:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return _FailingBody(fail_at, closed)

    front = BufferedWSGI(broken, app.config, threads=1)
    try:
        with pytest.raises(RuntimeError, match="the body broke"):
            _drive(front, http_scope("/"))
    finally:
        front.threads.shutdown()
    assert closed == [True]


def test_start_response_with_exc_info_after_the_headers_went_reraises(app: Hipflask) -> None:
    # Error middleware calls start_response again with exc_info when the
    # body fails; once the headers are sent, PEP 3333 has it re-raise, so
    # the response is cut off rather than ended as if it were whole.
    def failing_late(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"first;"
        try:
            raise ValueError("late failure")
        except ValueError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        yield b"error page"

    front = BufferedWSGI(failing_late, app.config, threads=1)
    try:
        with pytest.raises(ValueError, match="late failure"):
            _drive(front, http_scope("/"))
    finally:
        front.threads.shutdown()


def test_start_response_twice_without_exc_info_is_an_error(app: Hipflask) -> None:
    def twice(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"which?"]

    front = BufferedWSGI(twice, app.config, threads=1)
    try:
        with pytest.raises(RuntimeError, match="start_response"):
            _drive(front, http_scope("/"))
    finally:
        front.threads.shutdown()


def test_start_response_again_with_exc_info_before_the_headers_went_replaces_them(
    app: Hipflask,
) -> None:
    def replaced(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise ValueError("early failure")
        except ValueError:
            start_response("500 Internal Server Error", [("X-Error", "1")], sys.exc_info())
        return [b"error page"]

    front = BufferedWSGI(replaced, app.config, threads=1)
    try:
        sent = _drive(front, http_scope("/"))
    finally:
        front.threads.shutdown()
    assert sent[0]["status"] == 500
    assert (b"x-error", b"1") in sent[0]["headers"]


class _ReadsTheBody:
    """Middleware that reads ``wsgi.input`` itself (a signature check, a body logger)."""

    def __init__(self, wsgi_app: Any) -> None:
        self.app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read())
        return self.app(environ, start_response)


@pytest.mark.parametrize(
    ("framing", "chunks", "status"),
    [
        ([(b"content-length", b"30")], [], 413),
        ([(b"transfer-encoding", b"chunked")], [b"x" * 20, b"y" * 20], 413),
        ([(b"content-length", b"10")], [b"a=1"], 400),
    ],
)
def test_a_refused_body_read_by_middleware_is_answered_with_its_refusal(
    app: Hipflask, framing: list[tuple[bytes, bytes]], chunks: list[bytes], status: int
) -> None:
    # The refusal is the front's own: meeting it in middleware, outside the
    # app's error handlers, is still that 4xx and never a 500.
    app.config["MAX_CONTENT_LENGTH"] = 16
    front = BufferedWSGI(_ReadsTheBody(app.wsgi_app), app.config, threads=1)
    messages = [
        {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}
        for index, chunk in enumerate(chunks)
    ]
    try:
        sent = _drive(front, http_scope("/", method="POST", headers=[FORM, *framing]), *messages)
    finally:
        front.threads.shutdown()
    assert sent[0]["status"] == status
    assert (b"connection", b"close") in sent[0]["headers"]


@pytest.mark.parametrize("status", ["204 No Content", "304 Not Modified"])
@pytest.mark.parametrize("streamed", [False, True])
def test_a_body_given_with_a_bodiless_status_is_not_sent(
    app: Hipflask, status: str, streamed: bool
) -> None:
    # HTTP forbids a body here; an ASGI server given one fails the response
    # (uvicorn drops the connection), a WSGI server leaves it out. The body
    # is still closed.
    closed: list[bool] = []

    def bodiless(environ: dict[str, Any], start_response: Any) -> Any:
        start_response(status, [("Content-Type", "text/plain")])
        if streamed:
            return _FailingBody(0, closed)
        return [b"not allowed"]

    front = BufferedWSGI(bodiless, app.config, threads=1)
    try:
        sent = _drive(front, http_scope("/"))
    finally:
        front.threads.shutdown()
    assert sent[0]["status"] == int(status[:3])
    assert [message.get("body") for message in sent[1:]] == [b""]
    assert closed == ([True] if streamed else [])


def test_start_response_may_wait_for_the_first_non_empty_chunk(app: Hipflask) -> None:
    # PEP 3333: headers go out with the first non-empty chunk, so an app
    # may yield empty strings before it calls start_response.
    def late_start(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        yield b""
        start_response("201 Created", [("Content-Type", "text/plain")])
        yield b""
        yield b"made"

    front = BufferedWSGI(late_start, app.config, threads=1)
    try:
        sent = _drive(front, http_scope("/"))
    finally:
        front.threads.shutdown()
    assert sent[0]["status"] == 201
    assert b"".join(message.get("body", b"") for message in sent[1:]) == b"made"
