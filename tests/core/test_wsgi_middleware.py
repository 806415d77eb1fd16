"""WSGI middleware installed on ``app.wsgi_app`` sees ASGI requests too.

Each behaviour is checked under both protocols: what a WSGI server gets from
the middleware, an ASGI server (and the test client under ASGI) must get as
well. Only a single ``ProxyFix`` keeps the native ASGI path.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any
from typing import ClassVar

import pytest
from tests.asgi_driver import Connection
from tests.asgi_driver import http_scope
from tests.asgi_driver import serve
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix as WerkzeugProxyFix

from hipflask import Hipflask
from hipflask import request
from hipflask import stream_with_context
from hipflask import url_for
from hipflask.core import wsgi_middleware
from hipflask.core.wsgi_front import BufferedWSGI
from hipflask.core.wsgi_middleware import wsgi_front
from hipflask.serving.proxies import ProxyFix
from hipflask.testing.client import HipflaskClient

BLOCKED = "203.0.113.9"
StartResponse = Any
WSGIApp = Any


class Allowlist:
    """Refuses one address with 403 before the app runs, as IP-allowlist middleware does."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REMOTE_ADDR") == BLOCKED:
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"address not allowed"]
        return self.app(environ, start_response)


class RequestId:
    """Reads and changes the environ, and adds a response header."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request_id = environ.get("HTTP_X_REQUEST_ID", "generated")
        environ["request_id"] = request_id

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, ("X-Request-Id", request_id)], exc_info)

        return self.app(environ, start)


def plain_wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"plain {environ['SCRIPT_NAME']} {environ['PATH_INFO']}".encode()]


@pytest.fixture
def app(app: Hipflask) -> Hipflask:
    @app.route("/")
    def index() -> dict[str, object]:
        return {
            "request_id": request.environ.get("request_id"),
            "script_name": request.environ.get("SCRIPT_NAME"),
            "url": url_for("index"),
            "addr": request.remote_addr,
        }

    @app.post("/echo")
    def echo() -> dict[str, object]:
        return {"form": request.form.to_dict(), "json": request.get_json(silent=True)}

    @app.route("/stream")
    def stream() -> Any:
        @stream_with_context
        def chunks() -> Iterator[str]:
            for number in range(3):
                yield f"{request.environ.get('request_id')}-{number};"

        return app.response_class(chunks())

    @app.route("/async")
    async def on_loop() -> dict[str, object]:
        return {"addr": request.remote_addr, "scheme": request.scheme}

    return app


@pytest.fixture
def with_request_id(app: Hipflask) -> Hipflask:
    app.wsgi_app = RequestId(app.wsgi_app)  # type: ignore[method-assign]
    return app


def test_an_allowlist_middleware_refuses_under_both_protocols(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.wsgi_app = Allowlist(app.wsgi_app)  # type: ignore[method-assign]
    refused = client.get("/", environ_base={"REMOTE_ADDR": BLOCKED})
    assert refused.status_code == 403
    assert refused.data == b"address not allowed"
    allowed = client.get("/", environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert allowed.status_code == 200
    assert allowed.json["addr"] == "198.51.100.1"


def test_a_dispatcher_mounts_a_second_app_and_a_plain_wsgi_callable(
    app: Hipflask, client: HipflaskClient
) -> None:
    other = Hipflask("mounted")
    other.config["TRUSTED_HOSTS"] = ["localhost"]

    @other.route("/page")
    def page() -> dict[str, object]:
        return {
            "script_name": request.environ["SCRIPT_NAME"],
            "url": url_for("page", _external=True),
        }

    app.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, {"/sub": other, "/plain": plain_wsgi}
    )
    mounted = client.get("/sub/page")
    assert mounted.status_code == 200
    assert mounted.json == {"script_name": "/sub", "url": "http://localhost/sub/page"}
    assert client.get("/plain/x").data == b"plain /plain /x"
    # The app itself still answers the paths no mount claims.
    assert client.get("/").json["url"] == "/"
    assert client.get("/sub/missing").status_code == 404


def test_a_middleware_adds_a_response_header(
    with_request_id: Hipflask, client: HipflaskClient
) -> None:
    response = client.get("/", headers={"X-Request-Id": "abc"})
    assert response.headers["X-Request-Id"] == "abc"


def test_views_see_the_environ_the_middleware_passed_down(
    with_request_id: Hipflask, client: HipflaskClient
) -> None:
    assert client.get("/", headers={"X-Request-Id": "abc"}).json["request_id"] == "abc"
    assert client.get("/").json["request_id"] == "generated"


def test_a_form_and_a_json_body_pass_through_the_middleware(
    with_request_id: Hipflask, client: HipflaskClient
) -> None:
    form = client.post("/echo", data={"name": "ada"})
    assert form.json == {"form": {"name": "ada"}, "json": None}
    posted = client.post("/echo", json={"n": [1, 2]})
    assert posted.json == {"form": {}, "json": {"n": [1, 2]}}


def test_a_body_over_the_limit_is_refused_with_413(
    with_request_id: Hipflask, client: HipflaskClient
) -> None:
    with_request_id.config["MAX_CONTENT_LENGTH"] = 10
    response = client.post("/echo", data={"name": "x" * 100})
    assert response.status_code == 413
    # The app answered it, through the middleware.
    assert response.headers["X-Request-Id"] == "generated"


def test_a_streamed_response_passes_through_the_middleware(
    with_request_id: Hipflask, client: HipflaskClient
) -> None:
    response = client.get("/stream", headers={"X-Request-Id": "s"})
    assert response.data == b"s-0;s-1;s-2;"
    assert response.headers["X-Request-Id"] == "s"


def test_a_proxy_fix_inside_other_middleware_is_applied_once(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.wsgi_app = RequestId(WerkzeugProxyFix(app.wsgi_app, x_for=1, x_proto=1))  # type: ignore[method-assign]
    forwarded = {"X-Forwarded-For": "192.0.2.1, 192.0.2.2", "X-Forwarded-Proto": "https"}
    response = client.get("/async", headers=forwarded)
    assert response.json == {"addr": "192.0.2.2", "scheme": "https"}


def test_a_proxy_fix_outside_an_allowlist_gives_it_the_forwarded_address(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.wsgi_app = WerkzeugProxyFix(Allowlist(app.wsgi_app), x_for=1)  # type: ignore[method-assign]
    refused = client.get("/", headers={"X-Forwarded-For": f"198.51.100.1, {BLOCKED}"})
    assert refused.status_code == 403
    # A client naming the blocked address first is not believed.
    allowed = client.get("/", headers={"X-Forwarded-For": f"{BLOCKED}, 198.51.100.1"})
    assert allowed.status_code == 200
    assert allowed.json["addr"] == "198.51.100.1"


@pytest.mark.parametrize(
    ("install", "expected"),
    [
        # Each wrapper writes what it trusts; the inner one writes last.
        (
            lambda inner: WerkzeugProxyFix(WerkzeugProxyFix(inner, x_for=2), x_for=1),
            {"addr": "192.0.2.2", "scheme": "https"},
        ),
        # An inner wrapper trusting nothing of a kind leaves the outer one's.
        (
            lambda inner: WerkzeugProxyFix(ProxyFix(inner, {"x_proto": 1}), x_for=1),
            {"addr": "192.0.2.3", "scheme": "https"},
        ),
    ],
)
def test_nested_proxy_fixes_each_apply_their_trust_as_under_wsgi(
    app: Hipflask, client: HipflaskClient, install: Any, expected: dict[str, str]
) -> None:
    app.wsgi_app = install(app.wsgi_app)  # type: ignore[method-assign]
    forwarded = {"X-Forwarded-For": "192.0.2.1, 192.0.2.2, 192.0.2.3", "X-Forwarded-Proto": "https"}
    assert client.get("/async", headers=forwarded).json == expected


def test_the_test_client_under_the_asgi_setting_goes_through_the_middleware(
    with_request_id: Hipflask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPFLASK_TEST_PROTOCOL", "asgi")
    client: Any = with_request_id.test_client()
    try:
        assert client._shim is not None
        assert client.get("/").json["request_id"] == "generated"
    finally:
        client._shim.close()


def test_a_kept_request_context_holds_the_middlewares_environ(
    with_request_id: Hipflask, client: HipflaskClient
) -> None:
    with client:
        client.get("/", headers={"X-Request-Id": "kept"})
        assert request.environ["request_id"] == "kept"


# -- when the native ASGI path is kept ------------------------------------------------


class _Recorded:
    """Stands in for the front, recording that it was chosen."""

    made: ClassVar[list[Any]] = []

    def __init__(self, wsgi_app: Any, config: Any, threads: Any, refuse: Any = None) -> None:
        self.made.append(wsgi_app)
        self.inner = BufferedWSGI(wsgi_app, config, threads, refuse)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.inner(scope, receive, send)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    made: ClassVar[list[Any]] = []
    monkeypatch.setattr(_Recorded, "made", made)
    monkeypatch.setattr(wsgi_middleware, "BufferedWSGI", _Recorded)
    return made


@pytest.mark.parametrize(
    "install",
    [
        lambda inner: WerkzeugProxyFix(inner, x_for=1, x_proto=1),
        lambda inner: ProxyFix(inner, {"x_for": 1, "x_proto": 1}),
    ],
)
def test_proxy_fix_alone_keeps_the_native_path_with_its_trust(
    app: Hipflask, recorded: list[Any], install: Any
) -> None:
    app.wsgi_app = install(app.wsgi_app)  # type: ignore[method-assign]
    headers = [(b"x-forwarded-for", b"192.0.2.5"), (b"x-forwarded-proto", b"https")]
    connection = serve(app, http_scope("/async", headers=headers))
    assert connection.status == 200
    assert b'"addr":"192.0.2.5"' in connection.body.replace(b" ", b"")
    assert recorded == []
    assert wsgi_front(app) is None


def test_the_apps_own_wsgi_app_assigned_back_keeps_the_native_path(
    app: Hipflask, recorded: list[Any]
) -> None:
    app.wsgi_app = app.wsgi_app  # type: ignore[method-assign]
    assert serve(app, http_scope("/async")).status == 200
    assert recorded == []


@pytest.mark.parametrize(
    "install",
    [
        lambda inner: WerkzeugProxyFix(inner, x_for=1, x_proto=1),
        lambda inner: ProxyFix(inner, {"x_for": 1, "x_proto": 1}),
    ],
)
def test_a_proxy_fix_and_the_proxy_setting_together_answer_as_under_wsgi(
    app: Hipflask, client: HipflaskClient, install: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Under WSGI the middleware runs first and the setting after it (or not
    # at all, once hipflask's own ProxyFix has applied a trust): the ASGI
    # path runs the same chain rather than guess at a merged trust.
    app.config["PROXY_FIX"] = {"x_for": 2, "x_proto": 0}
    app.wsgi_app = install(app.wsgi_app)  # type: ignore[method-assign]
    forwarded = {"X-Forwarded-For": "192.0.2.1, 192.0.2.2, 192.0.2.3", "X-Forwarded-Proto": "https"}
    with caplog.at_level(logging.WARNING, logger="hipflask.serving"):
        seen = client.get("/async", headers=forwarded).json
    expected_addr = "192.0.2.2" if isinstance(app.wsgi_app, WerkzeugProxyFix) else "192.0.2.3"
    assert seen == {"addr": expected_addr, "scheme": "https"}
    if client.protocol == "asgi":
        assert "PROXY_FIX" in caplog.text


def test_other_middleware_is_chosen_once_per_installed_wsgi_app(
    app: Hipflask, recorded: list[Any]
) -> None:
    first = app.wsgi_app = RequestId(app.wsgi_app)  # type: ignore[method-assign]
    for _ in range(3):
        assert serve(app, http_scope("/")).status == 200
    assert recorded == [first]
    # Replaced after serving began: the new chain is served from then on.
    second = app.wsgi_app = Allowlist(first)  # type: ignore[method-assign]
    refused = serve(app, http_scope("/", client=(BLOCKED, 1)))
    assert refused.status == 403
    assert recorded == [first, second]


def test_an_app_without_middleware_never_builds_the_front(
    app: Hipflask, recorded: list[Any]
) -> None:
    assert serve(app, http_scope("/")).status == 200
    assert recorded == []
    assert app._wsgi_front is None


# -- logging, lifespan, and ASGI middleware too ----------------------------------------


def lifespan(app: Any) -> Connection:
    connection = Connection({"type": "lifespan.startup"}, {"type": "lifespan.shutdown"})
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
    asyncio.run(app(scope, connection.receive, connection.send))
    return connection


def test_the_choice_is_logged_once_at_lifespan_startup(
    with_request_id: Hipflask, caplog: pytest.LogCaptureFixture
) -> None:
    started: list[str] = []
    with_request_id.before_serving(lambda: started.append("started"))
    with caplog.at_level(logging.INFO, logger="hipflask.serving"):
        sent = lifespan(with_request_id)
        serve(with_request_id, http_scope("/"))
        serve(with_request_id, http_scope("/"))
    assert [message["type"] for message in sent.sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    # Lifespan stays native: the serving hooks ran once.
    assert started == ["started"]
    logged = [r.getMessage() for r in caplog.records if "WSGI middleware" in r.getMessage()]
    assert len(logged) == 1
    assert "RequestId" in logged[0]
    assert "app.asgi_app" in logged[0]


def test_the_choice_is_logged_at_the_first_request_without_lifespan(
    with_request_id: Hipflask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="hipflask.serving"):
        serve(with_request_id, http_scope("/"))
        serve(with_request_id, http_scope("/"))
    logged = [r for r in caplog.records if "WSGI middleware" in r.getMessage()]
    assert [r.levelno for r in logged] == [logging.INFO]


def test_proxy_fix_alone_is_not_logged(app: Hipflask, caplog: pytest.LogCaptureFixture) -> None:
    app.wsgi_app = WerkzeugProxyFix(app.wsgi_app)  # type: ignore[method-assign]
    with caplog.at_level(logging.INFO, logger="hipflask.serving"):
        serve(app, http_scope("/"))
    assert not [r for r in caplog.records if "WSGI middleware" in r.getMessage()]


def test_asgi_middleware_runs_outside_the_wsgi_middleware(with_request_id: Hipflask) -> None:
    seen: list[str] = []
    inner = with_request_id.asgi_app

    async def outer(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])
        await inner(scope, receive, send)

    with_request_id.asgi_app = outer  # type: ignore[method-assign]
    connection = serve(with_request_id, http_scope("/", headers=[(b"x-request-id", b"both")]))
    assert connection.headers["x-request-id"] == "both"
    assert b"both" in connection.body
    lifespan(with_request_id)
    assert seen == ["http", "lifespan"]


# -- the proxy setting, and bodies the front refuses ----------------------------------


def test_the_proxy_setting_is_applied_once_behind_other_middleware(
    with_request_id: Hipflask, client: HipflaskClient
) -> None:
    with_request_id.config["PROXY_FIX"] = {"x_for": 1, "x_prefix": 1}
    forwarded = {"X-Forwarded-For": "192.0.2.1, 192.0.2.2", "X-Forwarded-Prefix": "/p"}
    seen = client.get("/", headers=forwarded).json
    assert seen["addr"] == "192.0.2.2"
    assert (seen["script_name"], seen["url"]) == ("/p", "/p/")


def test_a_client_that_leaves_mid_body_never_reaches_the_middleware(
    app: Hipflask,
) -> None:
    calls: list[str] = []
    inner = app.wsgi_app

    def counting(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app = counting  # type: ignore[method-assign]
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"10")]
    part = {"type": "http.request", "body": b"12345", "more_body": True}
    serve(app, http_scope("/echo", "POST", headers), part, {"type": "http.disconnect"})
    assert calls == []


def test_a_body_that_stops_arriving_is_timed_out_before_a_thread_is_taken(
    with_request_id: Hipflask,
) -> None:
    with_request_id.config.update(BODY_READ_TIMEOUT=0.2, BODY_MIN_RATE=0)
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"10")]
    part = {"type": "http.request", "body": b"12345", "more_body": True}
    connection = serve(with_request_id, http_scope("/echo", "POST", headers), part)
    assert connection.status == 408


# -- refusals before the app: its error handlers answer under both protocols -----------


def _with_handlers(app: Hipflask) -> Hipflask:
    for code in (400, 408, 413):
        app.register_error_handler(code, lambda error, code=code: (f"app's own {code}", code))
    return app


def _send_raw(
    app: Hipflask, protocol: str, headers: list[tuple[str, str]], body: bytes
) -> tuple[int, bytes, dict[str, str]]:
    """A POST to /echo with exactly these headers, as a server hands it over."""
    if protocol == "asgi":
        raw = [(name.lower().encode(), value.encode()) for name, value in headers]
        scope = http_scope("/echo", "POST", raw)
        message = {"type": "http.request", "body": body, "more_body": False}
        connection = serve(app, scope, message)
        return connection.status, connection.body, connection.headers
    import io
    import sys

    from werkzeug.test import run_wsgi_app

    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/echo",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers:
        key = name.upper().replace("-", "_")
        key = key if key in ("CONTENT_LENGTH", "CONTENT_TYPE") else f"HTTP_{key}"
        # Repeated headers reach a WSGI app joined with commas.
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    chunks, status, response_headers = run_wsgi_app(app, environ)
    return int(status.split()[0]), b"".join(chunks), dict(response_headers)


@pytest.mark.parametrize(
    "headers",
    [
        [("Content-Length", "3"), ("Transfer-Encoding", "chunked")],
        [("Content-Length", "3"), ("Content-Length", "4")],
        [("Content-Length", "x")],
        [("Content-Length", "3"), ("Content-Type", "text/plain"), ("Content-Type", "text/csv")],
    ],
    ids=["length-and-chunked", "two-lengths", "bad-length", "two-types"],
)
def test_a_request_the_front_refuses_is_answered_by_the_apps_error_handler(
    with_request_id: Hipflask, protocol: str, headers: list[tuple[str, str]]
) -> None:
    app = _with_handlers(with_request_id)
    status, body, response_headers = _send_raw(app, protocol, headers, b"abc")
    assert (status, body) == (400, b"app's own 400")
    if protocol == "asgi" and ("Content-Type", "text/csv") not in headers:
        # Its body's length is in doubt: the connection carries nothing more.
        assert response_headers.get("connection") == "close"


def test_a_body_too_slow_is_answered_by_the_apps_error_handler(
    with_request_id: Hipflask,
) -> None:
    # A client too slow is the ASGI front's to time out (a WSGI server has
    # its own timeouts, before the app is called).
    app = _with_handlers(with_request_id)
    app.config.update(BODY_READ_TIMEOUT=0.2, BODY_MIN_RATE=0)
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"10")]
    part = {"type": "http.request", "body": b"12345", "more_body": True}
    connection = serve(app, http_scope("/echo", "POST", headers), part)
    assert (connection.status, connection.body) == (408, b"app's own 408")


def test_a_refusal_met_by_middleware_reading_the_body_is_the_apps_to_answer(
    app: Hipflask,
) -> None:
    # Middleware that reads the body itself meets the 413 outside the app;
    # the app's handler still answers it (the middleware's answer is lost
    # with its exception either way).
    inner = app.wsgi_app

    def reading(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        environ["wsgi.input"].read()
        return inner(environ, start_response)

    app.wsgi_app = reading  # type: ignore[method-assign]
    _with_handlers(app).config["MAX_CONTENT_LENGTH"] = 10
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"20")]
    message = {"type": "http.request", "body": b"x" * 20, "more_body": False}
    connection = serve(app, http_scope("/echo", "POST", headers), message)
    assert (connection.status, connection.body) == (413, b"app's own 413")
