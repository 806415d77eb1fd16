"""The application object: identity, settings, dispatch under both protocols, serving hooks."""

from __future__ import annotations

import asyncio
import builtins
import importlib.util
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from werkzeug.exceptions import BadRequestKeyError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound
from werkzeug.test import create_environ

from hipflask import Flask
from hipflask import Hipflask
from hipflask import current_app
from hipflask import g
from hipflask import render_template_string
from hipflask import request
from hipflask import url_for
from hipflask.testing.client import HipflaskClient

# -- identity and settings --------------------------------------------------------


def test_flask_is_an_alias() -> None:
    assert Flask is Hipflask


def test_name_is_the_import_name() -> None:
    assert Hipflask("shop.app").name == "shop.app"
    assert repr(Hipflask("shop.app")) == "<Hipflask 'shop.app'>"


def test_name_of_a_script_app_is_the_script_name(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setattr(sys.modules["__main__"], "__file__", "/srv/site/manage.py", raising=False)
    assert Hipflask("__main__").name == "manage"
    monkeypatch.delattr(sys.modules["__main__"], "__file__")
    assert Hipflask("__main__").name == "__main__"


def test_instance_path_must_be_absolute(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must be absolute"):
        Hipflask("tests_app", instance_path="relative/instance")
    app = Hipflask("tests_app", instance_path=str(tmp_path))
    assert app.instance_path == str(tmp_path)


def test_default_instance_path_is_beside_the_app(tmp_path: Path) -> None:
    app = Hipflask("tests_app", root_path=str(tmp_path))
    assert app.instance_path == os.path.join(os.getcwd(), "instance")


def test_open_instance_resource(tmp_path: Path) -> None:
    app = Hipflask("tests_app", instance_path=str(tmp_path))
    with app.open_instance_resource("notes.txt", "w") as f:
        f.write("kept")
    with app.open_instance_resource("notes.txt") as f:
        assert f.read() == b"kept"


def _record_open_encodings(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Spy on ``open``: which encoding each call asked for (None: the locale's)."""
    real_open = builtins.open
    seen: list[str | None] = []

    def spy(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("encoding"))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    return seen


def test_open_instance_resource_reads_text_as_utf8_unless_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "notes.txt").write_bytes("h\u00e9llo".encode())
    app = Hipflask("tests_app", instance_path=str(tmp_path))
    seen = _record_open_encodings(monkeypatch)

    with app.open_instance_resource("notes.txt", "r") as f:
        assert f.read() == "h\u00e9llo"
    with app.open_instance_resource("notes.txt", "r", encoding="latin-1") as f:
        assert f.read() == "h\u00c3\u00a9llo"
    with app.open_instance_resource("notes.txt", "rb", encoding="latin-1") as f:
        assert f.read() == "h\u00e9llo".encode()

    # Flask 3.1's default is UTF-8 whatever the locale; binary mode takes none.
    assert seen == ["utf-8", "latin-1", None]


def test_open_instance_resource_writes_text_as_utf8(tmp_path: Path) -> None:
    app = Hipflask("tests_app", instance_path=str(tmp_path))
    with app.open_instance_resource("notes.txt", "w") as f:
        f.write("\u2603")
    assert (tmp_path / "notes.txt").read_bytes() == "\u2603".encode()


def test_instance_relative_config(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text("GREETING = 'hi'\n", encoding="utf-8")
    app = Hipflask("tests_app", instance_path=str(tmp_path), instance_relative_config=True)
    app.config.from_pyfile("settings.py")
    assert app.config["GREETING"] == "hi"


def test_config_attributes(app: Hipflask) -> None:
    app.secret_key = "another-secret"
    assert app.config["SECRET_KEY"] == "another-secret"
    app.testing = False
    assert app.config["TESTING"] is False
    app.config["PERMANENT_SESSION_LIFETIME"] = 60
    assert app.permanent_session_lifetime.total_seconds() == 60


def test_debug_follows_the_config(app: Hipflask) -> None:
    assert app.debug is False
    app.debug = True
    assert app.config["DEBUG"] is True
    assert app.debug is True


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("false", False), ("", False)])
def test_debug_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: bool | None
) -> None:
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("HIPFLASK_DEBUG", value)
    assert Hipflask("tests_app").config["DEBUG"] is expected


def test_logger_is_named_after_the_app(app: Hipflask) -> None:
    assert app.logger.name == "tests_app"


def test_extensions_registry(app: Hipflask) -> None:
    app.extensions["thing"] = object()
    assert "thing" in app.extensions


def test_session_interface_defaults_lazily_and_can_be_replaced(app: Hipflask) -> None:
    class Interface:
        pass

    replacement = Interface()
    app.session_interface = replacement
    assert app.session_interface is replacement


# -- calling the app ----------------------------------------------------------------


def test_app_is_a_wsgi_callable(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "wsgi"

    statuses: list[str] = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
    }
    body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    assert (statuses, body) == (["200 OK"], b"wsgi")


def test_app_is_an_asgi_callable(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "asgi"

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"host", b"localhost")],
        "query_string": b"",
        "scheme": "http",
        "server": ("localhost", 80),
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"asgi"


def test_app_called_with_wrong_arguments(app: Hipflask) -> None:
    with pytest.raises(TypeError, match="not with 1 arguments"):
        app("not a scope")
    with pytest.raises(TypeError, match="not with 4 arguments"):
        app({}, None, None, None)


def test_a_subclass_or_middleware_replacing_wsgi_app_or_asgi_app_sees_every_call() -> None:
    seen: list[str] = []

    class Recording(Hipflask):
        def wsgi_app(self, environ: dict[str, Any], start_response: Any) -> Any:
            seen.append("subclass wsgi")
            return super().wsgi_app(environ, start_response)

        async def asgi_app(self, scope: Any, receive: Any, send: Any) -> None:
            seen.append("subclass asgi")
            await super().asgi_app(scope, receive, send)

    def call_both(app: Hipflask) -> tuple[bytes, bytes]:
        wsgi_body = b"".join(app(create_environ("/"), lambda status, headers: None))
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"host", b"x")]}
        asyncio.run(app(scope, receive, send))
        return wsgi_body, b"".join(message.get("body", b"") for message in sent)

    plain = Hipflask(__name__)
    wsgi_app, asgi_app = plain.wsgi_app, plain.asgi_app

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        seen.append("middleware wsgi")
        return wsgi_app(environ, start_response)

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        seen.append("middleware asgi")
        await asgi_app(scope, receive, send)

    plain.wsgi_app, plain.asgi_app = wsgi, asgi  # type: ignore[method-assign]
    subclassed = Recording(__name__)
    for app in (plain, subclassed):
        app.get("/")(lambda: "ok")
        assert call_both(app) == (b"ok", b"ok")
    # An ASGI request passes the ASGI middleware, then the WSGI middleware
    # installed on the instance (see hipflask.core.wsgi_middleware).
    assert seen == [
        "middleware wsgi",
        "middleware asgi",
        "middleware wsgi",
        "subclass wsgi",
        "subclass asgi",
    ]


# -- sync and async views -------------------------------------------------------------


def test_async_views_under_both_protocols(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/<name>")
    async def hello(name: str) -> str:
        await asyncio.sleep(0)
        return f"hello {name} from {request.path}"

    assert client.get("/ann").text == "hello ann from /ann"


def test_sync_view_under_asgi_runs_in_a_worker_thread(app: Hipflask, protocol: str) -> None:
    threads: dict[str, threading.Thread] = {}

    @app.route("/async")
    async def async_view() -> str:
        threads["loop"] = threading.current_thread()
        return "async"

    @app.route("/sync")
    def sync_view() -> str:
        threads["sync"] = threading.current_thread()
        g.seen = request.args["q"]
        return f"{g.seen} {current_app.name}"

    client = app.test_client(protocol=protocol)
    assert client.get("/async").text == "async"
    assert client.get("/sync?q=1").text == "1 tests_app"
    if protocol == "asgi":
        assert threads["sync"] is not threads["loop"]
        assert threads["sync"].name.startswith("hipflask-sync")
    else:
        assert threads["sync"] is threads["loop"] is threading.current_thread()


def test_async_view_under_wsgi_has_a_running_loop(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    async def index() -> str:
        loop = asyncio.get_running_loop()
        return type(loop).__name__

    assert "EventLoop" in client.get("/").text


def test_async_view_errors_reach_the_handlers(app: Hipflask, client: HipflaskClient) -> None:
    @app.errorhandler(LookupError)
    def lookup(error: LookupError) -> tuple[str, int]:
        return "looked up", 404

    @app.route("/")
    async def index() -> str:
        await asyncio.sleep(0)
        raise KeyError

    assert client.get("/").text == "looked up"


def test_ensure_sync_and_async_to_sync(app: Hipflask) -> None:
    def plain() -> int:
        return 1

    async def coroutine(value: int) -> int:
        return value * 2

    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(coroutine)(4) == 8
    assert app.async_to_sync(coroutine)(5) == 10


def test_ensure_sync_goes_through_an_overridden_async_to_sync() -> None:
    calls: list[str] = []

    class Traced(Hipflask):
        def async_to_sync(self, func: Any) -> Any:
            calls.append(func.__name__)
            return super().async_to_sync(func)

    async def coroutine() -> int:
        return 3

    assert Traced("traced").ensure_sync(coroutine)() == 3
    assert calls == ["coroutine"]


# -- first request and serving hooks ----------------------------------------------------


def test_before_first_request_runs_once_across_threads(app: Hipflask) -> None:
    calls: list[str] = []
    started = threading.Barrier(8)

    @app.before_first_request
    def setup() -> None:
        calls.append(threading.current_thread().name)
        # Hold the hook open so that the other threads arrive while it runs.
        time.sleep(0.05)

    @app.route("/")
    def index() -> str:
        return "ok"

    statuses: list[int] = []

    def worker() -> None:
        client = app.test_client()
        started.wait()
        statuses.append(client.get("/").status_code)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    assert len(calls) == 1
    app.test_client().get("/")
    assert len(calls) == 1


def test_before_first_request_supports_async(app: Hipflask, client: HipflaskClient) -> None:
    calls: list[str] = []

    @app.before_first_request
    async def setup() -> None:
        calls.append("setup")

    @app.route("/")
    def index() -> str:
        return "ok"

    client.get("/")
    client.get("/")
    assert calls == ["setup"]


def test_failing_first_request_hook_runs_again_next_time(app: Hipflask) -> None:
    attempts: list[int] = []

    @app.before_first_request
    def flaky() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("not ready")

    @app.route("/")
    def index() -> str:
        return "ok"

    client = app.test_client()
    with pytest.raises(RuntimeError):
        client.get("/")
    assert client.get("/").text == "ok"
    assert len(attempts) == 2


def _lifespan(app: Hipflask, messages: list[str]) -> list[dict[str, Any]]:
    """Drive the app's lifespan protocol with the given incoming messages."""
    incoming = [{"type": message} for message in messages]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def run() -> None:
        await app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)

    asyncio.run(run())
    return sent


def test_serving_hooks_run_on_asgi_lifespan(app: Hipflask) -> None:
    events: list[str] = []

    @app.before_serving
    def open_pool() -> None:
        events.append(f"start sync in {current_app.name}")

    @app.before_serving
    async def warm_cache() -> None:
        events.append("start async")

    @app.after_serving
    async def close_pool() -> None:
        events.append(f"stop in {current_app.name}")

    @app.route("/")
    def index() -> str:
        return "ok"

    sent = _lifespan(app, ["lifespan.startup", "lifespan.shutdown"])
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    assert events == ["start sync in tests_app", "start async", "stop in tests_app"]
    # Started by the lifespan, so the first request does not start it again.
    app.test_client().get("/")
    assert events.count("start async") == 1


def test_failing_startup_is_reported_to_the_server(app: Hipflask) -> None:
    @app.before_serving
    def broken() -> None:
        raise RuntimeError("no database")

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    with pytest.raises(RuntimeError, match="no database"):
        asyncio.run(app({"type": "lifespan"}, receive, send))
    assert sent[0]["type"] == "lifespan.startup.failed"
    assert "no database" in sent[0]["message"]


def test_failing_shutdown_is_reported_to_the_server(app: Hipflask) -> None:
    @app.after_serving
    def broken() -> None:
        raise RuntimeError("cannot close")

    with pytest.raises(RuntimeError, match="cannot close"):
        _lifespan(app, ["lifespan.startup", "lifespan.shutdown"])


def test_before_serving_runs_before_the_first_wsgi_request(app: Hipflask) -> None:
    events: list[str] = []

    @app.before_serving
    def start() -> None:
        events.append("start")

    @app.route("/")
    def index() -> str:
        events.append("view")
        return "ok"

    client = app.test_client()
    client.get("/")
    client.get("/")
    assert events == ["start", "view", "view"]


# -- shell context ----------------------------------------------------------------------------


def test_make_shell_context(app: Hipflask) -> None:
    @app.shell_context_processor
    def models() -> dict[str, Any]:
        return {"User": "user model", "db": "database"}

    context = app.make_shell_context()
    assert context["app"] is app
    assert context["g"] is None
    assert context["User"] == "user model"
    assert context["db"] == "database"
    with app.app_context():
        assert app.make_shell_context()["g"] is not None


# -- request contexts for tests and tools --------------------------------------------------------


def test_test_request_context_builds_a_routed_request(app: Hipflask) -> None:
    @app.route("/search")
    def search() -> str:
        return "search"

    with app.test_request_context(
        "/search?q=web", method="POST", json={"page": 2}, headers={"X-Test": "1"}
    ):
        assert request.path == "/search"
        assert request.args["q"] == "web"
        assert request.method == "POST"
        assert request.get_json() == {"page": 2}
        assert request.headers["X-Test"] == "1"
        assert request.endpoint is None  # GET-only rule: a 405 is recorded
        assert request.routing_exception is not None


def test_test_request_context_uses_server_name_and_subdomain(app: Hipflask) -> None:
    app.config.update(SERVER_NAME="example.test", PREFERRED_URL_SCHEME="https")
    with app.test_request_context("/", subdomain="api"):
        assert request.host == "api.example.test"
        assert request.scheme == "https"


def test_test_request_context_with_conflicting_arguments_raises_value_error(
    app: Hipflask,
) -> None:
    # A mistake in the test's own arguments, not a request a client sent: as
    # in Flask, the builder's ValueError, never an HTTP 400.
    with pytest.raises(ValueError, match="Query string is defined in the path") as info:
        app.test_request_context("/?a=1", query_string={"b": "1"})
    assert not isinstance(info.value, HTTPException)


@pytest.mark.parametrize(
    ("base_url", "error"),
    [
        ("http://xn--n3h\u2603.test/", UnicodeError),
        ("http://a..b/", UnicodeError),
        ("http://[::1/", ValueError),
    ],
)
def test_test_request_context_with_a_malformed_base_url_raises_as_flask_does(
    app: Hipflask, base_url: str, error: type[Exception]
) -> None:
    with pytest.raises(error) as info:
        app.test_request_context("/", base_url=base_url)
    assert not isinstance(info.value, HTTPException)


def test_request_context_from_an_environ(app: Hipflask) -> None:
    @app.route("/item/<int:item_id>")
    def item(item_id: int) -> str:
        return str(item_id)

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/item/5",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
    }
    with app.request_context(environ):
        assert request.view_args == {"item_id": 5}
        assert app.dispatch_request() == "5"


def test_raise_routing_exception(app: Hipflask) -> None:
    with app.test_request_context("/nowhere"), pytest.raises(NotFound):
        app.raise_routing_exception(request)


def test_make_default_options_response(app: Hipflask) -> None:
    @app.route("/", methods=["GET", "PUT"])
    def index() -> str:
        return "x"

    with app.test_request_context("/", method="OPTIONS"):
        response = app.make_default_options_response()
    assert set(response.allow) == {"GET", "HEAD", "PUT", "OPTIONS"}
    # As Flask's: a hook deciding by the length (compression) sees none yet.
    assert response.content_length is None
    assert response.get_data() == b""


def test_the_automatic_options_answer_is_sent_with_a_zero_length(
    app: Hipflask, client: Any
) -> None:
    @app.route("/", methods=["GET", "PUT"])
    def index() -> str:
        return "x"

    response = client.options("/")

    assert response.status_code == 200
    assert response.headers["Content-Length"] == "0"
    assert response.get_data() == b""
    assert set(response.allow) == {"GET", "HEAD", "PUT", "OPTIONS"}


def test_create_url_adapter(app: Hipflask) -> None:
    assert app.create_url_adapter(None) is None
    app.config["SERVER_NAME"] = "example.test"
    adapter = app.create_url_adapter(None)
    assert adapter is not None
    assert adapter.server_name == "example.test"
    with app.test_request_context("/"):
        assert app.create_url_adapter(request) is app.create_url_adapter(request)


# -- error settings ------------------------------------------------------------------------------


def test_missing_key_shows_its_name_in_debug(app: Hipflask, protocol: str) -> None:
    app.config.update(DEBUG=True, TRAP_BAD_REQUEST_ERRORS=False)

    @app.route("/")
    def index() -> str:
        return request.args["needed"]

    response = app.test_client(protocol=protocol).get("/")
    assert response.status_code == 400
    assert "needed" in response.text


def test_missing_key_is_trapped_in_debug_by_default(app: Hipflask) -> None:
    app.config["DEBUG"] = True
    assert app.trap_http_exception(BadRequestKeyError("k"))
    app.config["DEBUG"] = False
    assert not app.trap_http_exception(BadRequestKeyError("k"))


def test_log_exception_outside_a_request(app: Hipflask, caplog: pytest.LogCaptureFixture) -> None:
    try:
        raise ValueError("offline")
    except ValueError:
        app.log_exception(sys.exc_info())
    assert "Exception on ?" in caplog.records[-1].getMessage()
    assert caplog.records[-1].exc_info[1].args == ("offline",)  # type: ignore[index]


def test_log_exception_takes_a_bare_exception_too(
    app: Hipflask, caplog: pytest.LogCaptureFixture
) -> None:
    try:
        raise ValueError("offline")
    except ValueError as exc:
        app.log_exception(exc)
    assert caplog.records[-1].exc_info[1].args == ("offline",)  # type: ignore[index]


def test_async_first_request_hook_does_not_block_concurrent_asgi_requests(
    app: Hipflask,
) -> None:
    calls: list[str] = []
    release = asyncio.Event()

    @app.before_first_request
    async def setup() -> None:
        calls.append("setup")
        # Suspends on the loop while the other requests arrive.
        await release.wait()

    @app.route("/<int:n>")
    async def echo(n: int) -> str:
        return str(n)

    async def call(n: int) -> bytes:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": f"/{n}",
            "query_string": b"",
            "headers": [(b"host", b"localhost")],
            "server": ("localhost", 80),
        }
        await app(scope, receive, send)
        return b"".join(m.get("body", b"") for m in sent[1:])

    async def main() -> list[bytes]:
        requests = asyncio.gather(*(call(n) for n in range(3)))
        for _ in range(5):
            await asyncio.sleep(0)
        release.set()
        return await requests

    results: list[list[bytes]] = []
    # A deadlock would block the loop itself; watch it from another thread.
    runner = threading.Thread(target=lambda: results.append(asyncio.run(main())), daemon=True)
    runner.start()
    runner.join(timeout=10)
    assert not runner.is_alive(), "concurrent first requests deadlocked the event loop"
    assert results == [[b"0", b"1", b"2"]]
    assert calls == ["setup"]


def test_template_registration_reaches_the_environment(app: Hipflask) -> None:
    if importlib.util.find_spec("hipflask.templating.environment") is None:
        pytest.skip("hipflask.templating.environment is not available yet")

    @app.template_filter()
    def shout(value: str) -> str:
        return value.upper()

    @app.template_test("short")
    def is_short(value: str) -> bool:
        return len(value) < 3

    @app.template_global()
    def site_name() -> str:
        return "hipflask"

    env = app.jinja_env
    assert env.filters["shout"] is shout
    assert env.tests["short"] is is_short
    assert env.globals["site_name"] is site_name
    app.debug = True
    assert env.auto_reload is True


def test_send_static_file_without_a_static_folder_is_404() -> None:
    app = Hipflask("tests_app", static_folder=None)
    with app.test_request_context(), pytest.raises(NotFound):
        app.send_static_file("site.css")


def test_async_view_errors_propagate_when_testing(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    async def index() -> str:
        raise LookupError("from an async view")

    with pytest.raises(LookupError, match="from an async view"):
        client.get("/")


def test_first_request_hooks_with_mixed_views_and_a_small_pool(app: Hipflask) -> None:
    app.config["ASGI_THREAD_POOL_SIZE"] = 2
    calls: list[str] = []

    @app.before_first_request
    def setup() -> None:
        calls.append("setup")
        # Hold the hook open so that the other requests arrive while it runs.
        time.sleep(0.05)

    @app.route("/sync/<int:n>")
    def sync_view(n: int) -> str:
        return str(n)

    @app.route("/async/<int:n>")
    async def async_view(n: int) -> str:
        return str(n)

    async def call(path: str) -> bytes:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": b"",
            "headers": [(b"host", b"localhost")],
            "server": ("localhost", 80),
        }
        await app(scope, receive, send)
        return b"".join(m.get("body", b"") for m in sent[1:])

    paths = [f"/{kind}/{n}" for n in range(4) for kind in ("sync", "async")]

    async def main() -> list[bytes]:
        return await asyncio.gather(*(call(path) for path in paths))

    results: list[list[bytes]] = []
    runner = threading.Thread(target=lambda: results.append(asyncio.run(main())), daemon=True)
    runner.start()
    runner.join(timeout=10)
    app._threads.shutdown()
    assert not runner.is_alive(), "concurrent first requests deadlocked"
    assert results == [[path.rsplit("/", 1)[1].encode() for path in paths]]
    assert calls == ["setup"]


# -- Flask parity ---------------------------------------------------------------------


def test_view_returning_none_is_named_in_the_error(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def forgot_to_return() -> None:
        return None

    with pytest.raises(TypeError, match="The view function for 'forgot_to_return' did not return"):
        client.get("/")


def test_tuple_with_a_none_body_is_named_in_the_error(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def half_done() -> Any:
        return None, 201

    with pytest.raises(TypeError, match="'half_done' did not return a valid response"):
        client.get("/")


def test_a_dropped_app_is_freed(protocol: str) -> None:
    import gc
    import weakref

    def build() -> weakref.ref[Hipflask]:
        app = Hipflask("tests_app_freed")
        app.config["SECRET_KEY"] = "k" * 40

        @app.route("/")
        def index() -> str:
            return render_template_string("{{ session.get('a') }}") + url_for("index")

        @app.route("/async")
        async def in_a_loop() -> str:
            await asyncio.sleep(0)
            return "async"

        client = app.test_client(protocol=protocol)
        assert client.get("/").status_code == 200
        # The first async view of a thread creates that thread's event loop,
        # inside this request's context: the loop must not keep it.
        assert client.get("/async").status_code == 200
        with app.app_context(), app.test_request_context():
            pass
        client.__exit__()
        return weakref.ref(app)

    ref = build()
    gc.collect()

    assert ref() is None
