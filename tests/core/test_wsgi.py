"""The WSGI adapter, driven the way a WSGI server drives it."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import AsyncIterator
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import Response
from hipflask import request
from hipflask.core.wsgi import make_request


def environ(**overrides: Any) -> dict[str, Any]:
    env: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "REMOTE_ADDR": "192.0.2.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    env.update(overrides)
    return env


class Server:
    """Records what the app passes to ``start_response``."""

    def __init__(self) -> None:
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        self.status = status
        self.headers = headers
        return lambda data: None

    def call(self, app: Callable[..., Iterable[bytes]], env: dict[str, Any]) -> bytes:
        body = app(env, self.start_response)
        try:
            return b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


@pytest.fixture
def server() -> Server:
    return Server()


def test_app_is_a_wsgi_callable(app: Hipflask, server: Server) -> None:
    @app.route("/hello")
    def hello() -> str:
        return f"hello {request.remote_addr}"

    body = server.call(app, environ(PATH_INFO="/hello"))

    assert server.status == "200 OK"
    assert server.header("Content-Type") == "text/html; charset=utf-8"
    assert server.header("Content-Length") == str(len(body))
    assert body == b"hello 192.0.2.1"


def test_wsgi_app_gives_the_same_answer_as_the_app(app: Hipflask, server: Server) -> None:
    @app.route("/")
    def index() -> dict[str, str]:
        return {"method": request.method}

    direct = server.call(app.wsgi_app, environ())
    direct_status = server.status
    via_call = server.call(app, environ())

    assert direct == via_call == b'{"method":"GET"}\n'
    assert direct_status == server.status == "200 OK"


class AddHeader:
    """A WSGI middleware that adds a response header."""

    def __init__(self, wrapped: Callable[..., Iterable[bytes]]) -> None:
        self.wrapped = wrapped

    def __call__(self, env: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, ("X-Middleware", "yes")], exc_info)

        return self.wrapped(env, start)


def test_wrapped_wsgi_app_is_what_the_test_client_calls(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    client = app.test_client()
    app.wsgi_app = AddHeader(app.wsgi_app)  # type: ignore[method-assign]

    assert client.get("/").headers["X-Middleware"] == "yes"


def test_wrapped_wsgi_app_is_what_a_server_calling_the_app_reaches(
    app: Hipflask, server: Server
) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    app.wsgi_app = AddHeader(app.wsgi_app)  # type: ignore[method-assign]
    server.call(app, environ())

    assert server.header("X-Middleware") == "yes"


def test_wsgi_environ_is_the_request_environ(app: Hipflask, server: Server) -> None:
    seen: list[dict[str, Any]] = []

    @app.route("/")
    def index() -> str:
        seen.append(request.environ)
        return "ok"

    env = environ()
    server.call(app, env)

    assert seen == [env]
    assert seen[0] is env


def test_script_name_is_the_root_path(app: Hipflask, server: Server) -> None:
    @app.route("/page")
    def page() -> dict[str, str]:
        return {"root": request.root_path, "url_root": request.url_root, "url": request.url}

    body = server.call(app, environ(SCRIPT_NAME="/mounted", PATH_INFO="/page"))

    assert body == (
        b'{"root":"/mounted","url":"http://localhost/mounted/page",'
        b'"url_root":"http://localhost/mounted/"}\n'
    )


def test_utf8_path_sent_as_latin1_is_decoded(app: Hipflask, server: Server) -> None:
    @app.route("/<name>")
    def greet(name: str) -> str:
        return name

    raw = "/café".encode().decode("latin-1")
    body = server.call(app, environ(PATH_INFO=raw))

    assert body.decode() == "café"


def test_path_with_invalid_utf8_is_a_404_not_an_error(app: Hipflask, server: Server) -> None:
    @app.route("/known")
    def known() -> str:
        return "known"

    server.call(app, environ(PATH_INFO="/known\xff\xfe"))

    assert server.status == "404 NOT FOUND"


def test_missing_optional_environ_keys_have_defaults(app: Hipflask, server: Server) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"method": request.method, "remote": request.remote_addr, "host": request.host}

    env = {"wsgi.input": io.BytesIO(), "HTTP_HOST": "example.test"}
    body = server.call(app, env)

    assert body == b'{"host":"example.test","method":"GET","remote":null}\n'


def test_make_request_parses_nothing_up_front(app: Hipflask) -> None:
    request_ = make_request(
        app,
        environ(
            REQUEST_METHOD="POST",
            PATH_INFO="/x",
            QUERY_STRING="a=1",
            SERVER_PORT="8080",
        ),
    )

    assert request_.method == "POST"
    assert request_.path == "/x"
    assert request_.query_string == b"a=1"
    assert request_.server == ("localhost", 8080)
    assert "args" not in request_.__dict__
    assert "stream" not in request_.__dict__


def test_head_request_gets_headers_and_an_empty_body(app: Hipflask, server: Server) -> None:
    @app.route("/")
    def index() -> str:
        return "content"

    body = server.call(app, environ(REQUEST_METHOD="HEAD"))

    assert server.status == "200 OK"
    assert server.header("Content-Length") == "7"
    assert body == b""


def test_error_pages_come_back_through_start_response(app: Hipflask, server: Server) -> None:
    body = server.call(app, environ(PATH_INFO="/missing"))

    assert server.status == "404 NOT FOUND"
    assert b"Not Found" in body
    assert server.header("X-Content-Type-Options") == "nosniff"


# --- streaming ----------------------------------------------------------------------


class Tracked:
    """A streamed body that records how far it was read and whether it was closed."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.sent = 0
        self.closed = 0

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self.sent == self.count:
            raise StopIteration
        self.sent += 1
        return f"chunk{self.sent};".encode()

    def close(self) -> None:
        self.closed += 1


def test_streamed_body_is_sent_chunk_by_chunk_and_closed(app: Hipflask, server: Server) -> None:
    body = Tracked(3)

    @app.route("/")
    def index() -> Response:
        return Response(body, mimetype="text/plain")

    result = app(environ(), server.start_response)
    chunks = list(result)
    result.close()  # type: ignore[attr-defined]

    assert chunks == [b"chunk1;", b"chunk2;", b"chunk3;"]
    assert server.header("Content-Length") is None
    assert body.closed == 1


def test_server_closing_a_stream_early_closes_the_generator(app: Hipflask, server: Server) -> None:
    events: list[str] = []

    @app.route("/")
    def index() -> Response:
        def generate() -> Iterator[str]:
            try:
                for number in range(100):
                    events.append(f"yield {number}")
                    yield str(number)
            finally:
                events.append("closed")

        return Response(generate())

    result = app(environ(), server.start_response)
    iterator = iter(result)
    assert next(iterator) == b"0"
    result.close()  # type: ignore[attr-defined]

    assert events == ["yield 0", "closed"]


def test_stream_with_context_teardown_runs_when_the_server_closes_early(
    app: Hipflask, server: Server
) -> None:
    from hipflask import stream_with_context

    events: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append("teardown")

    @app.route("/")
    def index() -> Response:
        def generate() -> Iterator[str]:
            for number in range(100):
                yield f"{request.path}{number}"

        return Response(stream_with_context(generate()))

    result = app(environ(), server.start_response)
    assert next(iter(result)) == b"/0"
    assert events == []
    result.close()  # type: ignore[attr-defined]

    assert events == ["teardown"]


def test_async_generator_is_streamed_under_wsgi(app: Hipflask, server: Server) -> None:
    closed: list[bool] = []

    @app.route("/")
    async def index() -> Response:
        async def generate() -> AsyncIterator[str]:
            try:
                yield "a"
                await asyncio.sleep(0)
                yield "b"
            finally:
                closed.append(True)

        return Response(generate())  # type: ignore[arg-type]

    result = app(environ(), server.start_response)
    chunks = list(result)
    result.close()  # type: ignore[attr-defined]

    assert chunks == [b"a", b"b"]
    assert closed == [True]


def test_async_generator_closed_early_under_wsgi_runs_its_cleanup(
    app: Hipflask, server: Server
) -> None:
    closed: list[bool] = []

    @app.route("/")
    def index() -> Response:
        async def generate() -> AsyncIterator[bytes]:
            try:
                for _ in range(100):
                    yield b"x"
            finally:
                closed.append(True)

        return Response(generate())  # type: ignore[arg-type]

    result = app(environ(), server.start_response)
    assert next(iter(result)) == b"x"
    result.close()  # type: ignore[attr-defined]

    assert closed == [True]


# --- async views under WSGI -------------------------------------------------------------


def test_async_view_runs_on_a_loop_reused_by_the_thread(app: Hipflask, server: Server) -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    @app.route("/")
    async def index() -> str:
        await asyncio.sleep(0)
        loops.append(asyncio.get_running_loop())
        return f"async {request.path}"

    first = server.call(app, environ())
    second = server.call(app, environ())

    assert first == second == b"async /"
    assert loops[0] is loops[1]


def test_async_views_in_different_threads_use_their_own_loops(app: Hipflask) -> None:
    loops: dict[str, asyncio.AbstractEventLoop] = {}

    @app.route("/")
    async def index() -> str:
        loops[threading.current_thread().name] = asyncio.get_running_loop()
        return "ok"

    def serve() -> None:
        Server().call(app, environ())

    threads = [threading.Thread(target=serve, name=f"worker-{n}") for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert set(loops) == {"worker-0", "worker-1"}
    assert loops["worker-0"] is not loops["worker-1"]
    assert all(loop.is_closed() for loop in loops.values())


def test_async_hooks_around_a_sync_view_are_awaited(app: Hipflask, server: Server) -> None:
    events: list[str] = []

    @app.before_request
    async def before() -> None:
        await asyncio.sleep(0)
        events.append("before")

    @app.after_request
    async def after(response: Response) -> Response:
        events.append("after")
        response.headers["X-After"] = "1"
        return response

    @app.route("/")
    def index() -> str:
        events.append("view")
        return "ok"

    server.call(app, environ())

    assert events == ["before", "view", "after"]
    assert server.header("X-After") == "1"


def test_terminated_body_under_the_limit_is_read_whole(app: Hipflask, server: Server) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100

    @app.route("/", methods=["POST"])
    def index() -> bytes:
        return request.get_data()

    body = server.call(
        app,
        environ(
            REQUEST_METHOD="POST",
            CONTENT_TYPE="text/plain",
            **{"wsgi.input": io.BytesIO(b"short body"), "wsgi.input_terminated": True},
        ),
    )

    assert body == b"short body"


def test_direct_passthrough_body_is_sent_as_given(app: Hipflask, server: Server) -> None:
    @app.route("/")
    def index() -> Response:
        return Response(iter([b"raw ", b"bytes"]), direct_passthrough=True)

    assert server.call(app, environ()) == b"raw bytes"


def test_a_server_port_given_as_an_int_is_that_port(app: Hipflask) -> None:
    # hypercorn's WSGI mode puts an int there, where PEP 3333 says a string.
    from hipflask import request

    @app.route("/")
    def index() -> str:
        return request.url_root

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "SERVER_NAME": "example.test",
        "SERVER_PORT": 8080,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
    }
    statuses: list[str] = []
    body = b"".join(app.wsgi_app(environ, lambda status, headers: statuses.append(status)))

    assert statuses == ["200 OK"]
    assert body == b"http://example.test:8080/"


def test_the_server_names_remembered_are_bounded(
    app: Hipflask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Some servers fill SERVER_NAME from the client's Host header: a client
    # sending ever new names must not grow the adapter's cache without end.
    from hipflask.core import wsgi

    monkeypatch.setattr(wsgi, "_SERVERS", {})
    for number in range(wsgi._SERVERS_MAX + 8):
        made = make_request(app, environ(SERVER_NAME=f"host{number}.test"))
        assert made.server == (f"host{number}.test", 80)

    assert len(wsgi._SERVERS) == wsgi._SERVERS_MAX


def test_a_server_port_that_is_not_a_number_is_no_port(app: Hipflask) -> None:
    from hipflask import request

    @app.route("/")
    def index() -> str:
        return request.url_root

    statuses: list[str] = []
    for port in ("x", "", "80a"):
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/",
            "SERVER_NAME": "example.test",
            "SERVER_PORT": port,
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
        }
        statuses.clear()
        body = b"".join(app.wsgi_app(environ, lambda status, headers: statuses.append(status)))

        assert statuses == ["200 OK"]
        assert body.startswith(b"http://")
