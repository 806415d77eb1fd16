"""The test client, under both protocols."""

from __future__ import annotations

import gc
import importlib.util
import io
from importlib.metadata import version
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder

from hipflask import Hipflask
from hipflask import Response
from hipflask import g
from hipflask import make_response
from hipflask import redirect
from hipflask import request
from hipflask.testing.client import HipflaskClient


def test_response_exposes_status_text_and_json(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/json")
    def as_json() -> tuple[dict[str, Any], int]:
        return {"ok": True}, 201

    @app.route("/text")
    def as_text() -> str:
        return "héllo"

    json_response = client.get("/json")
    text_response = client.get("/text")

    assert json_response.status_code == 201
    assert json_response.status == "201 CREATED"
    assert json_response.get_json() == {"ok": True}
    assert json_response.json == {"ok": True}
    assert text_response.text == "héllo"
    assert text_response.get_json(silent=True) is None


def test_cookies_set_by_the_app_are_sent_back(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/count")
    def count() -> Response:
        seen = int(request.cookies.get("count", "0")) + 1
        response = make_response(str(seen))
        response.set_cookie("count", str(seen))
        return response

    assert [client.get("/count").text for _ in range(3)] == ["1", "2", "3"]
    cookie = client.get_cookie("count")
    assert cookie is not None
    assert cookie.value == "3"
    assert cookie.http_only


def test_cookies_can_be_set_and_removed_by_the_test(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        return request.cookies.get("flavour", "none")

    client.set_cookie("flavour", "oat")
    assert client.get("/").text == "oat"
    client.delete_cookie("flavour")
    assert client.get("/").text == "none"


def test_client_without_cookies_keeps_none(app: Hipflask, protocol: str) -> None:
    @app.route("/set")
    def set_it() -> Response:
        response = make_response("set")
        response.set_cookie("a", "1")
        return response

    @app.route("/get")
    def get_it() -> str:
        return request.cookies.get("a", "none")

    client = app.test_client(use_cookies=False, protocol=protocol)
    client.get("/set")

    assert client.get("/get").text == "none"


def test_follow_redirects_records_the_history(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/old")
    def old() -> Response:
        return redirect("/middle")

    @app.route("/middle")
    def middle() -> Response:
        return redirect("/new", code=301)

    @app.route("/new")
    def new() -> str:
        return f"arrived at {request.path}"

    not_followed = client.get("/old")
    followed = client.get("/old", follow_redirects=True)

    assert not_followed.status_code == 302
    assert not_followed.headers["Location"] == "/middle"
    assert followed.text == "arrived at /new"
    assert followed.request.path == "/new"
    assert [r.status_code for r in followed.history] == [302, 301]


def test_json_argument_sends_a_json_body(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        return {"type": request.mimetype, "body": request.get_json()}

    response = client.post("/", json={"a": [1, "b"]})

    assert response.get_json() == {"type": "application/json", "body": {"a": [1, "b"]}}


def test_data_with_files_is_sent_as_multipart(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        upload = request.files["upload"]
        return {
            "type": request.mimetype,
            "field": request.form["field"],
            "file": [upload.filename, upload.read().decode()],
        }

    response = client.post(
        "/", data={"field": "value", "upload": (io.BytesIO(b"contents"), "name.txt")}
    )

    assert response.get_json() == {
        "type": "multipart/form-data",
        "field": "value",
        "file": ["name.txt", "contents"],
    }


def test_headers_and_query_string_arguments(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"header": request.headers.get("X-Api-Key"), "args": request.args.to_dict()}

    response = client.get("/", headers={"X-Api-Key": "k"}, query_string={"page": "2"})

    assert response.get_json() == {"header": "k", "args": {"page": "2"}}


def test_environ_base_applies_to_every_request_and_can_be_overridden(
    app: Hipflask, protocol: str
) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"remote": request.remote_addr, "agent": request.user_agent.string}

    client = app.test_client(protocol=protocol, environ_base={"REMOTE_ADDR": "203.0.113.5"})

    agent = f"Werkzeug/{version('werkzeug')}"
    assert client.get("/").get_json() == {"remote": "203.0.113.5", "agent": agent}
    assert client.get("/", environ_base={"REMOTE_ADDR": "203.0.113.6"}).get_json() == {
        "remote": "203.0.113.6",
        "agent": agent,
    }


def test_requests_default_to_the_configured_server_name_and_scheme(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config.update(SERVER_NAME="example.test", PREFERRED_URL_SCHEME="https")

    @app.route("/")
    def index() -> str:
        return request.url

    assert client.get("/?a=1").text == "https://example.test/?a=1"


def test_open_accepts_an_environ_builder_or_an_environ(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/", methods=["PUT"])
    def index() -> str:
        return f"{request.method} {request.get_data(as_text=True)} {request.remote_addr}"

    builder = EnvironBuilder("/", method="PUT", data="built")
    try:
        from_builder = client.open(builder)
    finally:
        builder.close()
    environ = EnvironBuilder("/", method="PUT", data="raw").get_environ()
    from_environ = client.open(environ)

    assert from_builder.text == "PUT built 127.0.0.1"
    assert from_environ.text == "PUT raw 127.0.0.1"


def test_unknown_protocol_is_refused(app: Hipflask) -> None:
    with pytest.raises(ValueError, match="protocol must be 'wsgi' or 'asgi', not 'http3'"):
        app.test_client(protocol="http3")


def test_both_protocols_give_the_same_response(app: Hipflask) -> None:
    @app.route("/", methods=["POST"])
    def index() -> tuple[dict[str, Any], int, dict[str, str]]:
        return {"got": request.get_json(), "args": request.args.to_dict()}, 202, {"X-Id": "1"}

    responses = [
        app.test_client(protocol=protocol).post("/?a=1", json={"b": 2})
        for protocol in ("wsgi", "asgi")
    ]

    wsgi, asgi = responses
    assert wsgi.status == asgi.status == "202 ACCEPTED"
    assert wsgi.data == asgi.data
    # ASGI sends header names lower-case; lookups ignore case either way.
    assert sorted((k.lower(), v) for k, v in wsgi.headers.items()) == sorted(
        (k.lower(), v) for k, v in asgi.headers.items()
    )


def test_asgi_client_runs_the_asgi_adapter(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return str("asgi.scope" in request.environ)

    assert app.test_client(protocol="asgi").get("/").text == "True"
    assert app.test_client(protocol="wsgi").get("/").text == "False"


def test_asgi_client_closes_its_loop_when_collected(app: Hipflask) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    client = app.test_client(protocol="asgi")
    client.get("/")
    loop = client._shim._loop
    del client
    gc.collect()  # an unclosed loop would warn (and fail the test) here

    assert loop.is_closed()


# --- keeping the request context ----------------------------------------------------------


def test_with_block_keeps_the_last_request_context(app: Hipflask, client: HipflaskClient) -> None:
    torn_down: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        torn_down.append(request.path)

    @app.route("/<name>")
    def index(name: str) -> str:
        g.name = name
        return name

    with client:
        client.get("/first")
        assert torn_down == ["/first"]
        client.get("/second?x=1")
        assert request.path == "/second"
        assert request.args["x"] == "1"
        assert g.name == "second"
        # As in Flask: torn down when each request ends (in the thread the
        # view ran in), and again when the kept context is popped.
        assert torn_down == ["/first", "/first", "/second"]

    assert torn_down == ["/first", "/first", "/second", "/second"]
    with pytest.raises(RuntimeError, match="Working outside of request context"):
        _ = request.path


def test_with_block_keeps_the_last_hop_of_a_followed_redirect(
    app: Hipflask, client: HipflaskClient
) -> None:
    torn_down: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        torn_down.append(request.path)

    @app.route("/form/", methods=["POST"])
    def form() -> str:
        return request.get_data(as_text=True)

    with client:
        response = client.post("/form", data=b"sent twice", follow_redirects=True)
        assert response.text == "sent twice"
        assert request.path == "/form/"
        # Each hop torn down as it ends; the earlier hop's kept context is
        # popped (torn down again) once the redirect is followed.
        assert torn_down == ["/form", "/form/", "/form"]

    assert torn_down == ["/form", "/form/", "/form", "/form/"]


def test_teardown_at_the_request_end_runs_where_the_view_ran(
    app: Hipflask, client: HipflaskClient
) -> None:
    # Flask's tutorial opens SQLite in the view and closes it in teardown; a
    # connection may only be used in the thread that made it.
    import threading

    threads: dict[str, list[int]] = {"view": [], "teardown": []}

    @app.teardown_appcontext
    def close_db(exc: BaseException | None) -> None:
        threads["teardown"].append(threading.get_ident())
        g.pop("db", None)

    @app.route("/")
    def index() -> str:
        threads["view"].append(threading.get_ident())
        g.db = "connection"
        return "ok"

    with client:
        client.get("/")
        assert threads["teardown"] == threads["view"]


def test_a_request_that_raises_leaves_no_context_behind(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.testing = True

    @app.route("/boom")
    def boom() -> str:
        raise LookupError("boom")

    @app.route("/fine")
    def fine() -> str:
        return "fine"

    with client:
        with pytest.raises(LookupError):
            client.get("/boom")
        client.get("/fine")
        assert request.path == "/fine"


def test_with_block_keeps_a_posted_body_readable(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> str:
        return "not read"

    with client:
        client.post("/", data=b"kept", content_type="text/plain")
        assert request.get_data() == b"kept"
    gc.collect()  # an unclosed body buffer would warn (and fail the test) here


def test_with_block_closes_an_unread_body(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> str:
        return "not read"

    with client:
        client.post("/", data=b"unread", content_type="text/plain")
    gc.collect()  # an unclosed body buffer would warn (and fail the test) here


def test_with_blocks_do_not_nest(client: HipflaskClient) -> None:
    with client, pytest.raises(RuntimeError, match="Cannot nest"), client:
        pass  # pragma: no cover


def test_without_a_with_block_the_context_is_gone(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    client.get("/")

    with pytest.raises(RuntimeError, match="Working outside of request context"):
        _ = request.path


# --- CLI runner --------------------------------------------------------------------------------


@pytest.mark.skipif(
    importlib.util.find_spec("hipflask.testing.runner") is None,
    reason="hipflask.testing.runner (the CLI test runner) is not available",
)
def test_cli_runner_invokes_the_apps_commands(app: Hipflask) -> None:
    @app.cli.command("hello")
    def hello() -> None:
        import click

        from hipflask import current_app

        click.echo(f"hello from {current_app.name}")

    runner = app.test_cli_runner()
    result = runner.invoke(args=["hello"])

    assert result.exit_code == 0
    assert result.output == "hello from tests_app\n"


def test_open_accepts_a_request_object(app: Hipflask, client: HipflaskClient) -> None:
    from werkzeug.wrappers import Request as WerkzeugRequest

    @app.route("/")
    def index() -> str:
        return request.args["via"]

    builder = EnvironBuilder("/", query_string="via=request")
    try:
        response = client.open(WerkzeugRequest(builder.get_environ()))
    finally:
        builder.close()

    assert response.text == "request"


def test_session_transaction_changes_what_the_next_request_sees(
    app: Hipflask, client: HipflaskClient
) -> None:
    from hipflask import session

    @app.route("/")
    def index() -> str:
        return str(session.get("user", "anonymous"))

    with client.session_transaction() as sess:
        sess["user"] = "ada"

    assert client.get("/").text == "ada"


# --- the client's own arguments ----------------------------------------------------------


def test_werkzeug_client_arguments_reach_the_client(app: Hipflask, protocol: str) -> None:
    app.config["SERVER_NAME"] = "example.test"
    app.subdomain_matching = True

    @app.route("/go")
    def go() -> Response:
        return redirect("http://api.example.test/")

    @app.route("/", subdomain="api")
    def api() -> str:
        return f"api at {request.host}"

    client = app.test_client(protocol=protocol, allow_subdomain_redirects=True)
    assert client.get("/go", follow_redirects=True).text == "api at api.example.test"

    plain = app.test_client(protocol=protocol)
    with pytest.raises(RuntimeError, match="subdomain redirects is not enabled"):
        plain.get("/go", follow_redirects=True)


@pytest.mark.parametrize(
    "mistake",
    [{"use_cookie": False}, {"protocl": "asgi"}, {"followredirects": True}],
    ids=["use_cookie", "protocl", "unknown"],
)
def test_a_misspelt_client_argument_is_a_type_error(
    app: Hipflask, protocol: str, mistake: dict[str, Any]
) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        app.test_client(protocol=protocol, **mistake)


def test_a_custom_client_class_takes_its_own_arguments(app: Hipflask, protocol: str) -> None:
    class TokenClient(HipflaskClient):
        def __init__(self, *args: Any, token: str, **kwargs: Any) -> None:
            self.token = token
            super().__init__(*args, **kwargs)

        def open(self, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("headers", {})["Authorization"] = f"Bearer {self.token}"
            return super().open(*args, **kwargs)

    @app.route("/")
    def index() -> str:
        return request.headers["Authorization"]

    app.test_client_class = TokenClient

    assert app.test_client(protocol=protocol, token="t0k").get("/").text == "Bearer t0k"


def test_the_client_application_is_the_app(app: Hipflask, protocol: str) -> None:
    # As in Flask: tests and client subclasses reach the app through it.
    class ConfiguredClient(HipflaskClient):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.greeting = self.application.config["GREETING"]

        def open(self, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("headers", {})["X-Greeting"] = self.greeting
            return super().open(*args, **kwargs)

    @app.route("/")
    def index() -> str:
        over = "asgi" if "asgi.scope" in request.environ else "wsgi"
        return f"{request.headers['X-Greeting']} over {over}"

    app.config["GREETING"] = "hello"
    app.test_client_class = ConfiguredClient
    client = app.test_client(protocol=protocol)

    assert client.application is app
    assert repr(client) == f"<ConfiguredClient {app!r}>"
    # The requests still go through the protocol's adapter.
    assert client.get("/").text == f"hello over {protocol}"
    with client:
        client.get("/")
        assert request.path == "/"
        assert client.application is app


# --- prepared requests --------------------------------------------------------------------


def _prepared(kind: str, *args: Any, **kwargs: Any) -> Any:
    from werkzeug.wrappers import Request as WerkzeugRequest

    builder = EnvironBuilder(*args, **kwargs)
    if kind == "builder":
        return builder
    if kind == "environ":
        return builder.get_environ()
    return WerkzeugRequest(builder.get_environ())


@pytest.mark.parametrize("kind", ["builder", "environ", "request"])
def test_a_prepared_request_gets_the_clients_defaults(
    app: Hipflask, client: HipflaskClient, kind: str
) -> None:
    @app.route("/")
    def index() -> dict[str, Any]:
        return {"remote": request.remote_addr, "agent": request.user_agent.string}

    agent = f"Werkzeug/{version('werkzeug')}"
    plain = client.open(_prepared(kind, "/"))
    own = client.open(
        _prepared(kind, "/", headers={"User-Agent": "mine"}, environ_base={"REMOTE_ADDR": "::1"})
    )

    assert plain.get_json() == {"remote": "127.0.0.1", "agent": agent}
    # As in Flask, an environ dict keeps its headers but not its REMOTE_ADDR.
    remote = "127.0.0.1" if kind == "environ" else "::1"
    assert own.get_json() == {"remote": remote, "agent": "mine"}


def test_an_environ_dict_keeps_what_a_request_carries_over_the_clients_environ_base(
    app: Hipflask, client: HipflaskClient
) -> None:
    # Flask rebuilds the request a dict describes (method, URL, headers,
    # body) over the client's environ_base: the dict's REMOTE_ADDR and other
    # keys that are not headers give way, as Flask's client drops them.
    @app.route("/", methods=["POST"])
    def index() -> dict[str, Any]:
        environ = request.environ
        return {
            "remote": request.remote_addr,
            "user": environ.get("REMOTE_USER"),
            "own": environ.get("test.own"),
            "url": request.url,
            "body": request.get_data(as_text=True),
            "agent": request.user_agent.string,
            "team": request.headers.get("X-Team"),
        }

    client.environ_base.update(REMOTE_ADDR="10.0.0.1", REMOTE_USER="base")
    environ = EnvironBuilder(
        "/?q=1", base_url="https://example.test:8443", method="POST", data="sent"
    ).get_environ()
    environ.update(
        {
            "REMOTE_ADDR": "203.0.113.9",
            "REMOTE_USER": "ada",
            "test.own": "mine",
            "HTTP_USER_AGENT": "mine",
            "HTTP_X_TEAM": "blue",
        }
    )

    response = client.open(environ)

    assert response.get_json() == {
        "remote": "10.0.0.1",
        "user": "base",
        "own": None,
        "url": "https://example.test:8443/?q=1",
        "body": "sent",
        "agent": "mine",
        "team": "blue",
    }


@pytest.mark.parametrize("kind", ["builder", "environ", "request"])
def test_with_block_keeps_the_context_of_a_prepared_request(
    app: Hipflask, client: HipflaskClient, kind: str
) -> None:
    @app.route("/")
    def index() -> str:
        g.seen = request.args["q"]
        return "ok"

    with client:
        client.open(_prepared(kind, "/?q=kept"))
        assert request.args["q"] == "kept"
        assert g.seen == "kept"


# --- session transactions -----------------------------------------------------------------


def test_session_transaction_opens_the_session_with_the_cookies_a_request_sends(
    app: Hipflask, client: HipflaskClient
) -> None:
    seen: list[dict[str, str]] = []
    interface = app.session_interface
    original = interface.open_session

    def spy(app: Hipflask, request: Any) -> Any:
        seen.append(dict(request.cookies))
        return original(app, request)

    interface.open_session = spy  # type: ignore[method-assign]
    client.set_cookie("theme", "dark")
    client.set_cookie("cart", "3", path="/shop")
    client.set_cookie("other", "x", domain="other.test")

    with client.session_transaction():
        pass
    with client.session_transaction("/shop/"):
        pass

    assert seen == [{"theme": "dark"}, {"theme": "dark", "cart": "3"}]


def test_session_transaction_is_for_the_path_it_is_given(
    app: Hipflask, client: HipflaskClient
) -> None:
    from hipflask import session

    app.config["SESSION_COOKIE_PATH"] = "/app"

    @app.route("/app/login")
    def login() -> str:
        session["user"] = "ada"
        return "in"

    @app.route("/app/who")
    def who() -> str:
        return str(session.get("user"))

    client.get("/app/login")

    # As in Flask: the transaction's request is for "/", which the cookie's
    # path does not cover.
    with client.session_transaction() as sess:
        assert dict(sess) == {}
    with client.session_transaction("/app/") as sess:
        assert sess["user"] == "ada"
    with client.session_transaction(path="/app/who") as sess:
        sess["user"] = "grace"

    assert client.get("/app/who").text == "grace"


@pytest.mark.parametrize("chosen", ["wsgi", "asgi"])
def test_the_environment_variable_chooses_the_protocol_of_a_client_made_without_one(
    app: Hipflask, monkeypatch: pytest.MonkeyPatch, chosen: str
) -> None:
    monkeypatch.setenv("HIPFLASK_TEST_PROTOCOL", chosen)

    @app.route("/")
    def index() -> str:
        # Under ASGI the request was built from a scope.
        return "asgi" if "asgi.scope" in request.environ else "wsgi"

    client = app.test_client()
    assert client.protocol == chosen
    assert client.get("/").text == chosen
    # An explicit protocol still wins.
    assert app.test_client(protocol="wsgi").get("/").text == "wsgi"


def test_without_the_variable_a_client_speaks_wsgi(
    app: Hipflask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HIPFLASK_TEST_PROTOCOL", raising=False)
    assert app.test_client().protocol == "wsgi"


def test_an_unknown_protocol_in_the_variable_is_refused_by_name(
    app: Hipflask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIPFLASK_TEST_PROTOCOL", "http2")
    with pytest.raises(ValueError, match="HIPFLASK_TEST_PROTOCOL must be 'wsgi' or 'asgi'"):
        app.test_client()
