"""The ASGI adapter, driven the way an ASGI server drives it."""

from __future__ import annotations

import asyncio
import gc
import json
import threading
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any
from typing import ClassVar

import pytest
from tests.asgi_driver import Connection
from tests.asgi_driver import Message
from tests.asgi_driver import http_scope
from tests.asgi_driver import request_body
from tests.asgi_driver import serve
from tests.security.test_malformed import send_asgi

from hipflask import Hipflask
from hipflask import Response
from hipflask import request
from hipflask import session
from hipflask import stream_with_context
from hipflask.core.config import DEFAULT_CONFIG

# --- http -----------------------------------------------------------------------------


def test_app_is_an_asgi_callable(app: Hipflask) -> None:
    @app.route("/hello")
    def hello() -> str:
        return f"hello {request.remote_addr}"

    connection = serve(app, http_scope("/hello"))

    assert connection.status == 200
    assert connection.headers["content-type"] == "text/html; charset=utf-8"
    assert connection.headers["content-length"] == "18"
    assert connection.body == b"hello 198.51.100.7"
    assert connection.body_messages[-1].get("more_body", False) is False


def test_asgi_app_and_calling_the_app_are_equivalent(app: Hipflask) -> None:
    @app.route("/")
    def index() -> dict[str, str]:
        return {"path": request.path}

    via_call = serve(app, http_scope())
    via_asgi_app = serve(app.asgi_app, http_scope())

    assert via_call.sent == via_asgi_app.sent


def test_asgi2_style_call_serves_the_same_response(app: Hipflask) -> None:
    @app.route("/")
    def index() -> dict[str, str]:
        return {"path": request.path}

    def asgi2(scope: dict[str, Any], receive: Any, send: Any) -> Awaitable[None]:
        instance = app(scope)
        return instance(receive, send)  # type: ignore[no-any-return]

    via_asgi2 = serve(asgi2, http_scope())
    via_asgi3 = serve(app, http_scope())

    assert via_asgi2.status == 200
    assert via_asgi2.sent == via_asgi3.sent


def test_header_names_are_sent_lower_case_as_bytes(app: Hipflask) -> None:
    @app.route("/")
    def index() -> tuple[str, dict[str, str]]:
        return "ok", {"X-Custom-Header": "Value"}

    connection = serve(app, http_scope())
    raw = connection.sent[0]["headers"]

    assert (b"x-custom-header", b"Value") in raw
    assert all(name == name.lower() and isinstance(name, bytes) for name, _ in raw)


def test_the_synthesised_environ_drops_underscore_header_names(app: Hipflask) -> None:
    # As WSGI servers do: x_forwarded_for would share HTTP_X_FORWARDED_FOR
    # with the header a proxy sets. The headers themselves keep it.
    @app.route("/")
    def index() -> str:
        environ = request.environ
        return f"{environ.get('HTTP_X_FORWARDED_FOR')} {environ.get('HTTP_X_TRICK')} " + str(
            request.headers.get("x_trick")
        )

    scope = http_scope(
        headers=[
            (b"x-forwarded-for", b"1.2.3.4"),
            (b"x_forwarded_for", b"6.6.6.6"),
            (b"x_trick", b"y"),
        ]
    )
    connection = serve(app, scope)

    assert connection.sent[1]["body"] == b"1.2.3.4 None y"


def test_body_in_several_messages_is_read_whole(app: Hipflask) -> None:
    @app.route("/", methods=["POST"])
    def index() -> bytes:
        return request.get_data()

    connection = serve(
        app,
        http_scope(method="POST", headers=[(b"content-type", b"text/plain")]),
        *request_body(b"one ", b"", b"two ", b"three"),
    )

    assert connection.body == b"one two three"


def test_get_without_a_body_does_not_wait_for_one(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    connection = serve(app, http_scope())

    assert connection.received == 0
    assert connection.body == b"ok"


def test_client_disconnecting_during_the_body_gets_400_without_the_view(app: Hipflask) -> None:
    called: list[bool] = []

    @app.route("/", methods=["POST"])
    def index() -> str:
        called.append(True)
        return "ok"

    connection = serve(
        app,
        http_scope(method="POST"),
        {"type": "http.request", "body": b"partial", "more_body": True},
        {"type": "http.disconnect"},
    )

    # A half-closed client still reads the answer; a server reports a broken
    # body as a disconnect too. Returning without a response is a 500 there.
    assert connection.sent[0]["status"] == 400
    assert called == []


def test_oversized_body_stops_being_read_at_the_limit(app: Hipflask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 5

    @app.route("/", methods=["POST"])
    def index() -> bytes:
        return request.get_data()

    connection = serve(
        app,
        http_scope(method="POST"),
        *request_body(b"1234", b"5678", b"never read", b"nor this"),
    )

    assert connection.status == 413
    assert connection.received == 2


def test_declared_oversized_body_is_not_read_at_all(app: Hipflask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 5

    @app.route("/", methods=["POST"])
    def index() -> bytes:
        return request.get_data()

    connection = serve(
        app,
        http_scope(method="POST", headers=[(b"content-length", b"100")]),
        *request_body(b"x" * 100),
    )

    assert connection.status == 413
    assert connection.received == 0


def test_view_that_ignores_an_oversized_body_still_answers(app: Hipflask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 5

    @app.route("/", methods=["POST"])
    def index() -> str:
        return "did not read it"

    connection = serve(app, http_scope(method="POST"), *request_body(b"x" * 10))

    assert connection.status == 200
    assert connection.body == b"did not read it"


def test_large_body_is_spooled_and_read_back_intact(app: Hipflask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = None
    chunk = bytes(range(256)) * 4096  # 1 MiB

    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        data = request.get_data()
        return {"size": len(data), "intact": data == chunk * 3}

    connection = serve(app, http_scope(method="POST"), *request_body(chunk, chunk, chunk))

    assert connection.body == b'{"intact":true,"size":3145728}\n'


def test_unread_spooled_body_is_closed_after_the_response(app: Hipflask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = None
    requests: list[Any] = []

    @app.route("/", methods=["POST"])
    def index() -> str:
        requests.append(request._get_current_object())  # type: ignore[attr-defined]
        return "not read"

    connection = serve(app, http_scope(method="POST"), *request_body(b"x" * (2 << 20)))
    gc.collect()  # an unclosed temporary file would warn (and fail the test) here

    assert connection.body == b"not read"
    with pytest.raises(ValueError, match="closed file"):
        requests[0].stream.read()


def test_root_path_is_taken_off_the_path(app: Hipflask) -> None:
    @app.route("/page")
    def page() -> dict[str, str]:
        return {"root": request.root_path, "path": request.path, "url": request.url}

    connection = serve(app, http_scope("/mounted/page", root_path="/mounted"))

    assert connection.body == (
        b'{"path":"/page","root":"/mounted","url":"http://localhost/mounted/page"}\n'
    )


def test_scope_without_server_or_client_still_works(app: Hipflask) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"remote": request.remote_addr, "host": request.host}

    scope = http_scope()
    del scope["server"], scope["client"]
    connection = serve(app, scope)

    assert connection.body == b'{"host":"localhost","remote":null}\n'


def test_head_sends_headers_and_one_empty_body(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "content"

    connection = serve(app, http_scope(method="HEAD"))

    assert connection.headers["content-length"] == "7"
    assert connection.body_messages == [{"type": "http.response.body", "body": b""}]


# --- streaming ---------------------------------------------------------------------


def test_generator_is_sent_as_several_body_messages_in_order(app: Hipflask) -> None:
    @app.route("/")
    def index() -> Response:
        def generate() -> Iterator[str]:
            yield "first"
            yield ""
            yield "second"
            yield "third"

        return Response(generate(), mimetype="text/plain")

    connection = serve(app, http_scope())

    assert "content-length" not in connection.headers
    assert connection.body_messages == [
        {"type": "http.response.body", "body": b"first", "more_body": True},
        {"type": "http.response.body", "body": b"second", "more_body": True},
        {"type": "http.response.body", "body": b"third", "more_body": True},
        {"type": "http.response.body", "body": b""},
    ]


def test_async_generator_is_sent_as_several_body_messages(app: Hipflask) -> None:
    @app.route("/")
    async def index() -> Response:
        async def generate() -> AsyncIterator[str]:
            yield "a"
            await asyncio.sleep(0)
            yield "b"

        return Response(generate())  # type: ignore[arg-type]

    connection = serve(app, http_scope())

    assert [m.get("body") for m in connection.body_messages] == [b"a", b"b", b""]
    assert [m.get("more_body", False) for m in connection.body_messages] == [True, True, False]


def test_sync_generator_runs_in_the_thread_pool(app: Hipflask) -> None:
    threads: list[str] = []

    @app.route("/")
    def index() -> Response:
        def generate() -> Iterator[str]:
            threads.append(threading.current_thread().name)
            yield "x"

        return Response(generate())

    serve(app, http_scope())

    assert threads[0].startswith("hipflask-sync")


def test_stream_with_context_tears_down_after_the_last_chunk(app: Hipflask) -> None:
    events: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append("teardown")

    @app.route("/streamed")
    def index() -> Response:
        def generate() -> Iterator[str]:
            events.append("chunk")
            yield request.path
            events.append("chunk")
            yield request.method

        return Response(stream_with_context(generate()))

    connection = serve(app, http_scope("/streamed"))

    assert connection.body == b"/streamedGET"
    assert events == ["chunk", "chunk", "teardown"]


class ClientGone(Exception):
    pass


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_client_gone_during_a_stream_closes_the_generator(app: Hipflask, kind: str) -> None:
    events: list[str] = []

    def sync_body() -> Iterator[str]:
        try:
            for number in range(100):
                yield str(number)
        finally:
            events.append("closed")

    async def async_body() -> AsyncIterator[str]:
        try:
            for number in range(100):
                yield str(number)
        finally:
            events.append("closed")

    @app.route("/")
    def index() -> Response:
        return Response(sync_body() if kind == "sync" else async_body())  # type: ignore[arg-type]

    sent: list[Message] = []

    async def receive() -> Message:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")  # pragma: no cover

    async def send(message: Message) -> None:
        if len(sent) == 2:
            raise ClientGone
        sent.append(message)

    async def run() -> None:
        with pytest.raises(ClientGone):
            await app(http_scope(), receive, send)
        events.append("app returned")

    asyncio.run(run())

    assert [m.get("body") for m in sent] == [None, b"0"]
    assert events == ["closed", "app returned"]


# --- where views run ------------------------------------------------------------------


def test_sync_view_runs_in_the_thread_pool(app: Hipflask) -> None:
    seen: list[str] = []

    @app.route("/")
    def index() -> str:
        seen.append(threading.current_thread().name)
        return request.path

    connection = serve(app, http_scope())

    assert connection.body == b"/"
    assert seen[0].startswith("hipflask-sync")


def test_async_view_runs_on_the_servers_loop(app: Hipflask) -> None:
    seen: list[Any] = []

    @app.route("/")
    async def index() -> str:
        seen.append((asyncio.get_running_loop(), threading.current_thread()))
        return request.path

    async def run() -> Connection:
        connection = Connection()
        await app(http_scope(), connection.receive, connection.send)
        seen.append((asyncio.get_running_loop(), threading.current_thread()))
        return connection

    connection = asyncio.run(run())

    assert connection.body == b"/"
    assert seen[0] == seen[1]


def test_sync_view_with_async_hooks_runs_them_all(app: Hipflask) -> None:
    events: list[str] = []

    @app.before_request
    async def before() -> None:
        await asyncio.sleep(0)
        events.append("before")

    @app.route("/")
    def index() -> str:
        events.append("view")
        return "ok"

    connection = serve(app, http_scope())

    assert connection.body == b"ok"
    assert events == ["before", "view"]


class SmallPoolApp(Hipflask):
    default_config: ClassVar[dict[str, Any]] = {**DEFAULT_CONFIG, "ASGI_THREAD_POOL_SIZE": 2}


def saturate(app: Hipflask, requests: int) -> tuple[int, set[str]]:
    """Send ``requests`` sync requests at once, all blocked until every one was queued.

    Returns how many pool threads existed while all of them were waiting (a
    pool starts a thread per queued call until it reaches its size, since
    none is free), and the names of the threads that ran the views.
    """
    release = threading.Event()
    lock = threading.Lock()
    names: set[str] = set()
    queued = 0

    @app.route("/")
    def index() -> str:
        with lock:
            names.add(threading.current_thread().name)
        release.wait(10)
        return "ok"

    run_in_pool = app._threads.run

    async def counting_run(func: Callable[..., Any], *args: Any) -> Any:
        nonlocal queued
        queued += 1
        return await run_in_pool(func, *args)

    app._threads.run = counting_run  # type: ignore[method-assign]

    async def run() -> int:
        connections = [Connection() for _ in range(requests)]
        jobs = asyncio.ensure_future(
            asyncio.gather(*(app(http_scope(), c.receive, c.send) for c in connections))
        )
        for _ in range(10_000):
            if queued == requests:
                break
            await asyncio.sleep(0)
        # Every worker picks up a view before any is released: the views
        # really run side by side, as many as the bound allows.
        for _ in range(500):
            with lock:
                if len(names) >= app._threads.max_workers:
                    break
            await asyncio.sleep(0.01)
        started = app._threads.thread_count
        release.set()
        await jobs
        assert all(c.body == b"ok" for c in connections)
        return started

    started = asyncio.run(run())
    app._threads.shutdown()
    return started, names


def test_sync_views_share_a_pool_bounded_by_asgi_thread_pool_size() -> None:
    app = SmallPoolApp("bounded")

    started, names = saturate(app, 8)

    assert started == 2
    assert len(names) == 2
    assert all(name.startswith("hipflask-sync") for name in names)


def test_asgi_thread_pool_size_set_in_config_after_creation_bounds_the_pool() -> None:
    app = Hipflask("bounded")
    app.config["ASGI_THREAD_POOL_SIZE"] = 2

    started, names = saturate(app, 8)

    assert started == 2
    assert len(names) == 2


# --- lifespan ---------------------------------------------------------------------------


def lifespan(app: Hipflask, *messages: str) -> Connection:
    return serve(
        app,
        {"type": "lifespan", "asgi": {"version": "3.0"}},
        *[{"type": f"lifespan.{name}"} for name in messages],
    )


def test_lifespan_runs_serving_hooks_and_reports_completion(app: Hipflask) -> None:
    events: list[str] = []

    @app.before_serving
    def start_sync() -> None:
        events.append("start sync")

    @app.before_serving
    async def start_async() -> None:
        await asyncio.sleep(0)
        events.append("start async")

    @app.after_serving
    async def stop() -> None:
        events.append("stop")

    connection = lifespan(app, "startup", "shutdown")

    assert connection.sent == [
        {"type": "lifespan.startup.complete"},
        {"type": "lifespan.shutdown.complete"},
    ]
    assert events == ["start sync", "start async", "stop"]


def test_serving_hooks_run_once_when_lifespan_ran_first(app: Hipflask) -> None:
    events: list[str] = []

    @app.before_serving
    def start() -> None:
        events.append("start")

    @app.route("/")
    def index() -> str:
        return "ok"

    async def run() -> None:
        startup = Connection({"type": "lifespan.startup"})
        task = asyncio.ensure_future(app({"type": "lifespan"}, startup.receive, startup.send))
        while not startup.sent:
            await asyncio.sleep(0)
        connection = Connection()
        await app(http_scope(), connection.receive, connection.send)
        assert connection.body == b"ok"
        task.cancel()

    asyncio.run(run())

    assert events == ["start"]


def test_failed_startup_is_reported_to_the_server(app: Hipflask) -> None:
    @app.before_serving
    def start() -> None:
        raise RuntimeError("database unreachable")

    connection = Connection({"type": "lifespan.startup"})

    with pytest.raises(RuntimeError, match="database unreachable"):
        asyncio.run(app({"type": "lifespan"}, connection.receive, connection.send))

    assert connection.sent[0]["type"] == "lifespan.startup.failed"
    assert "database unreachable" in connection.sent[0]["message"]


def test_failed_shutdown_is_reported_and_stops_the_pool(app: Hipflask) -> None:
    @app.after_serving
    def stop() -> None:
        raise RuntimeError("flush failed")

    @app.route("/")
    def index() -> str:
        return "ok"

    async def run(connection: Connection) -> None:
        page = Connection()
        await app(http_scope(), page.receive, page.send)
        await app({"type": "lifespan"}, connection.receive, connection.send)

    connection = Connection({"type": "lifespan.startup"}, {"type": "lifespan.shutdown"})
    with pytest.raises(RuntimeError, match="flush failed"):
        asyncio.run(run(connection))

    assert [m["type"] for m in connection.sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.failed",
    ]
    assert "flush failed" in connection.sent[1]["message"]
    assert app._threads.thread_count == 0


# --- other scopes ------------------------------------------------------------------------


def test_websocket_is_refused_by_closing_before_accept(app: Hipflask) -> None:
    scope = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b""}

    connection = serve(app, scope, {"type": "websocket.connect"})

    assert connection.sent == [{"type": "websocket.close", "code": 1000}]


def test_unknown_scope_type_is_an_error(app: Hipflask) -> None:
    with pytest.raises(ValueError, match="Unsupported ASGI scope type 'carrier-pigeon'"):
        serve(app, {"type": "carrier-pigeon"})


def test_app_called_with_the_wrong_number_of_arguments_says_how_to_call_it(
    app: Hipflask,
) -> None:
    with pytest.raises(TypeError, match=r"WSGI .* or ASGI"):
        app("just one")


def test_unknown_lifespan_messages_are_ignored(app: Hipflask) -> None:
    connection = lifespan(app, "startup", "something-new", "shutdown")

    assert [m["type"] for m in connection.sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]


def test_async_iterable_without_aclose_is_streamed(app: Hipflask) -> None:
    class Countdown:
        def __init__(self) -> None:
            self.left = 2

        def __aiter__(self) -> Countdown:
            return self

        async def __anext__(self) -> bytes:
            if not self.left:
                raise StopAsyncIteration
            self.left -= 1
            return b"%d" % self.left

    @app.route("/")
    async def index() -> Response:
        return Response(Countdown())  # type: ignore[arg-type]

    assert serve(app, http_scope()).body == b"10"


def test_environ_without_a_client_address_has_no_remote_addr(app: Hipflask) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"has_remote": "REMOTE_ADDR" in request.environ}

    scope = http_scope()
    scope["client"] = None

    assert serve(app, scope).body == b'{"has_remote":false}\n'


@pytest.mark.parametrize(("scheme", "port"), [("http", "80"), ("https", "443")])
def test_environ_of_a_unix_socket_server_has_a_numeric_port(
    app: Hipflask, scheme: str, port: str
) -> None:
    from werkzeug.wsgi import get_host

    @app.route("/")
    def index() -> dict[str, Any]:
        return {"port": request.environ["SERVER_PORT"], "host": get_host(request.environ)}

    scope = http_scope(scheme=scheme, server=("/run/app.sock", None))

    body = serve(app, scope).body

    assert body == b'{"host":"localhost","port":"%s"}\n' % port.encode()


def test_wrapped_asgi_app_is_what_a_server_calling_the_app_reaches(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    asgi_app = app.asgi_app

    async def add_header(scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], (b"x-mw", b"yes")]}
            await send(message)

        await asgi_app(scope, receive, send_with_header)

    app.asgi_app = add_header  # type: ignore[method-assign]

    assert serve(app, http_scope()).headers["x-mw"] == "yes"


# --- ASGI_SYNC_ON_LOOP ----------------------------------------------------------------


@pytest.mark.parametrize("on_loop", [False, True])
def test_sync_views_run_in_the_pool_unless_asked_to_run_on_the_loop(on_loop: bool) -> None:
    app = Hipflask("placement")
    app.config["ASGI_SYNC_ON_LOOP"] = on_loop
    events: list[str] = []

    @app.before_request
    def before() -> None:
        events.append("before")

    @app.get("/")
    def index() -> str:
        return threading.current_thread().name

    name = app.test_client(protocol="asgi").get("/").text
    assert name.startswith("hipflask-sync") is not on_loop
    assert events == ["before"]
    app._threads.shutdown()


def _unrouted_app(*, hook: str, views: str) -> tuple[Hipflask, list[str]]:
    """An app whose before_request hook records the thread it ran in."""
    app = Hipflask("unrouted", static_folder="static")
    threads: list[str] = []

    if hook == "sync":

        @app.before_request
        def before() -> None:
            threads.append(threading.current_thread().name)

    else:

        @app.before_request
        async def abefore() -> None:
            threads.append(threading.current_thread().name)

    if views in ("async", "mixed"):

        @app.get("/a")
        async def a() -> str:
            return "a"

    if views in ("sync", "mixed"):

        @app.get("/s")
        def s() -> str:
            return "s"

    return app, threads


@pytest.mark.parametrize(
    ("hook", "views", "on_loop"),
    [
        ("sync", "async", True),
        ("sync", "mixed", False),
        ("sync", "sync", False),
        ("async", "async", True),
        # Its sync error handlers and after hooks may block like its def views.
        ("async", "sync", False),
        ("async", "mixed", False),
    ],
)
def test_a_request_matching_no_route_runs_where_its_hooks_cannot_block_the_loop(
    hook: str, views: str, on_loop: bool
) -> None:
    app, threads = _unrouted_app(hook=hook, views=views)
    assert "static" in app.view_functions
    client = app.test_client(protocol="asgi")
    for _ in range(2):  # before serving began, and once the choice is kept
        assert client.get("/nowhere").status_code == 404
        assert client.post("/a" if views != "sync" else "/s").status_code == 405
    assert len(threads) == 4
    assert all(name.startswith("hipflask-sync") is not on_loop for name in threads), threads
    app._threads.shutdown()


def test_sync_views_on_the_loop_keep_sessions_and_error_handlers() -> None:
    app = Hipflask("on_loop")
    app.config.update(ASGI_SYNC_ON_LOOP=True, SECRET_KEY="k" * 40)

    @app.get("/count")
    def count() -> dict[str, int]:
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}

    @app.get("/fail")
    def fail() -> str:
        raise KeyError("x")

    @app.errorhandler(KeyError)
    def handled(error: Exception) -> tuple[str, int]:
        return "handled", 409

    client = app.test_client(protocol="asgi")
    assert client.get("/count").json == {"n": 1}
    assert client.get("/count").json == {"n": 2}
    assert (client.get("/fail").status_code, client.get("/fail").text) == (409, "handled")


# --- framing headers, read in one pass ---------------------------------------------


def test_a_get_with_two_different_hosts_is_refused(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "reached"

    scope = http_scope(headers=[(b"host", b"evil.example")])

    connection = serve(app, scope)

    assert connection.status == 400
    assert b"reached" not in connection.body


@pytest.mark.parametrize(
    ("late", "status", "seen"),
    [
        ((b"host", b"evil.example"), 400, None),
        ((b"cookie", b"session=x"), 200, "session=x"),
        ((b"authorization", b"Bearer t"), 200, None),
        ((b"HOST", b"other.example"), 400, None),
    ],
)
def test_a_header_of_interest_after_ordinary_ones_is_still_found(
    app: Hipflask, late: tuple[bytes, bytes], status: int, seen: str | None
) -> None:
    # The usual GET (Host first, then names already known to be of no
    # interest) skips the scan; one more header of interest must not.
    @app.route("/")
    def index() -> str:
        return request.headers.get("Cookie") or "reached"

    ordinary = [(b"user-agent", b"test"), (b"accept", b"*/*")]
    assert serve(app, http_scope(headers=ordinary)).status == 200

    connection = serve(app, http_scope(headers=[*ordinary, late]))

    assert connection.status == status
    if seen is not None:
        assert connection.body == seen.encode()
    if late[0] == b"authorization":
        assert "Authorization" in connection.headers.get("vary", "")


def test_a_post_without_any_framing_header_still_gets_its_body(app: Hipflask) -> None:
    # HTTP/2 needs no Content-Length; a server may pass no Host either
    # (the authority is a pseudo-header).
    @app.post("/")
    def echo() -> bytes:
        return request.get_data()

    scope = http_scope(method="POST")
    scope["headers"] = [(b"accept", b"*/*")]

    connection = serve(app, scope, *request_body(b"first ", b"second"))

    assert connection.status == 200
    assert connection.body == b"first second"


def test_a_get_without_framing_headers_is_not_read(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    scope = http_scope()
    scope["headers"] = []

    connection = serve(app, scope)

    assert connection.body == b"ok"
    assert connection.received == 0


def test_response_headers_are_encoded_the_same_from_the_cache(app: Hipflask) -> None:
    @app.route("/")
    def index() -> Response:
        return Response("ok", headers={"X-Long": "v" * 300, "X-Short": "short"})

    first = serve(app, http_scope())
    second = serve(app, http_scope())

    assert first.sent[0] == second.sent[0]
    assert (b"x-short", b"short") in first.sent[0]["headers"]
    assert (b"x-long", b"v" * 300) in second.sent[0]["headers"]


def test_request_headers_are_made_only_when_read(app: Hipflask) -> None:
    seen: dict[str, Any] = {}

    @app.route("/quiet")
    def quiet() -> str:
        seen["made"] = "headers" in vars(request._get_current_object())  # type: ignore[attr-defined]
        return "ok"

    @app.route("/reads")
    def reads() -> str:
        return str(request.headers.get("X-Thing"))

    serve(app, http_scope("/quiet"))
    assert seen["made"] is False
    assert serve(app, http_scope("/reads", headers=[(b"x-thing", b"1")])).body == b"1"


def test_credentials_are_found_under_any_name_spelling_and_cookies_joined(
    app: Hipflask,
) -> None:
    app.secret_key = "a secret key that is long enough for hipflask"

    @app.route("/set")
    def set_value() -> str:
        session["user"] = "ann"
        return "set"

    @app.route("/get")
    def get_value() -> str:
        return str(session.get("user"))

    cookie = serve(app, http_scope("/set")).headers["set-cookie"].split(";", 1)[0]
    # Servers normally send lower-case names; one that keeps the client's
    # spelling, and a cookie split over two headers, read the same.
    headers = [(b"Cookie", b"theme=dark"), (b"COOKIE", cookie.encode())]
    connection = serve(app, http_scope("/get", headers=headers))
    assert connection.body == b"ann"
    assert connection.headers["vary"] == "Cookie"
    connection = serve(app, http_scope("/get", headers=[(b"Authorization", b"Bearer x")]))
    assert connection.headers["vary"] == "Cookie, Authorization"
    assert connection.headers["cache-control"] == "private"


def test_headers_given_as_a_generator_are_all_seen(app: Hipflask) -> None:
    # ASGI allows any iterable; a middleware that filters headers passes one.
    @app.post("/")
    def echo() -> dict[str, Any]:
        return {
            "host": request.host,
            "thing": request.headers.get("X-Thing"),
            "form": request.form.to_dict(),
        }

    body = b"a=b"
    scope = http_scope(
        method="POST",
        headers=[
            (b"x-thing", b"1"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode()),
        ],
    )
    scope["headers"] = (pair for pair in scope["headers"])

    connection = serve(app, scope, *request_body(body))

    assert connection.status == 200
    assert json.loads(connection.body) == {"host": "localhost", "thing": "1", "form": {"a": "b"}}


@pytest.mark.parametrize(
    "target",
    [
        b"http://shop.example/items/7",
        b"https://shop.example:8443/items/7",
        b"HTTP://shop.example/items/7",
        b"http://shop.example//items/7",
        b"ftp://shop.example/items/7",
    ],
)
@pytest.mark.parametrize("served_before", [False, True], ids=["first", "later"])
def test_an_absolute_form_target_is_served_as_its_path(
    app: Hipflask, target: bytes, served_before: bool
) -> None:
    # uvicorn and hypercorn pass "GET http://host/x" on as the scope's path;
    # WSGI servers pass only "/x". The Host header still names the host.
    @app.route("/items/<int:item>")
    def item(item: int) -> str:
        return f"{request.host} {request.path} {item}"

    if served_before:
        assert send_asgi(app, "GET", b"/items/1", b"", [("Host", "a")], b"", False).status == 200

    answer = send_asgi(app, "GET", target, b"", [("Host", "shop.example")], b"", False)

    assert answer.status == 200
    assert answer.text == "shop.example /items/7 7"


@pytest.mark.parametrize("target", [b"http://shop.example", b"https://shop.example:8443"])
def test_an_absolute_form_target_without_a_path_is_the_root(app: Hipflask, target: bytes) -> None:
    @app.route("/")
    def index() -> str:
        return request.path

    answer = send_asgi(app, "GET", target, b"", [("Host", "shop.example")], b"", False)

    assert answer.status == 200
    assert answer.text == "/"


def _guard_wsgi(app: Hipflask) -> None:
    inner = app.wsgi_app

    def guard(environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"].startswith("/admin"):
            start_response("403 FORBIDDEN", [("Content-Type", "text/plain")])
            return [b"guarded"]
        return inner(environ, start_response)

    app.wsgi_app = guard  # type: ignore[method-assign]


def _guard_asgi(app: Hipflask) -> None:
    inner = app.asgi_app

    async def guard(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/admin"):
            await send({"type": "http.response.start", "status": 403, "headers": []})
            await send({"type": "http.response.body", "body": b"guarded"})
            return
        await inner(scope, receive, send)

    app.asgi_app = guard  # type: ignore[method-assign]


@pytest.mark.parametrize("guard", [_guard_wsgi, _guard_asgi], ids=["wsgi", "asgi"])
@pytest.mark.parametrize("target", [b"/admin/panel", b"http://shop.example/admin/panel"])
def test_middleware_guarding_a_path_sees_an_absolute_form_target_as_its_path(
    app: Hipflask, guard: Callable[[Hipflask], None], target: bytes
) -> None:
    # A guard installed on app.wsgi_app or app.asgi_app that the app's own
    # routing gets past with "GET http://host/admin/panel" is no guard.
    @app.route("/admin/panel")
    def panel() -> str:
        return "the panel"

    guard(app)

    answer = send_asgi(app, "GET", target, b"", [("Host", "shop.example")], b"", False)

    assert answer.status == 403
    assert answer.text == "guarded"


def _guard_wsgi_mounted(app: Hipflask) -> None:
    inner = app.wsgi_app

    def guard(environ: dict[str, Any], start_response: Any) -> Any:
        if environ["SCRIPT_NAME"] == "/shop" and environ["PATH_INFO"].startswith("/admin"):
            start_response("403 FORBIDDEN", [("Content-Type", "text/plain")])
            return [b"guarded"]
        return inner(environ, start_response)

    app.wsgi_app = guard  # type: ignore[method-assign]


def _guard_asgi_mounted(app: Hipflask) -> None:
    inner = app.asgi_app

    async def guard(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/shop/admin"):
            await send({"type": "http.response.start", "status": 403, "headers": []})
            await send({"type": "http.response.body", "body": b"guarded"})
            return
        await inner(scope, receive, send)

    app.asgi_app = guard  # type: ignore[method-assign]


@pytest.mark.parametrize("guard", [_guard_wsgi_mounted, _guard_asgi_mounted], ids=["wsgi", "asgi"])
@pytest.mark.parametrize(
    "path", ["/shop/admin/panel", "/shophttp://example.com/admin/panel"], ids=["origin", "absolute"]
)
def test_middleware_under_a_root_path_sees_an_absolute_form_target_as_the_app_routes_it(
    app: Hipflask, guard: Callable[[Hipflask], None], path: str
) -> None:
    # uvicorn --root-path puts the root path in front of whatever the target
    # was, an absolute URL included; the app strips it, then takes the path
    # from the URL. Middleware must see the request the app serves.
    @app.route("/admin/panel")
    def panel() -> str:
        return "the panel"

    guard(app)
    scope = http_scope(path, root_path="/shop")

    connection = serve(app, scope, *request_body())

    assert connection.status == 403
    assert connection.body == b"guarded"
