"""Request hooks and teardown functions on the direct path: the pipeline's answer.

An app with ``before_request``, ``after_request``, ``teardown_request`` or
``teardown_appcontext`` functions (what most extensions register) is served
by the direct path (:func:`hipflask.core.direct.serve_plain` and
:func:`~hipflask.core.direct.run_async`). Each case below is served twice on
fresh apps built alike, once that way and once through the general pipeline,
under both protocols; the status, headers, body and the order of every hook
call (with what each saw) must be the same, and the direct run must really
have taken the direct path.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import Response
from hipflask import abort
from hipflask import after_this_request
from hipflask import g
from hipflask import has_request_context
from hipflask import request
from hipflask import session
from hipflask import stream_with_context
from hipflask.core import direct
from hipflask.core import serve
from hipflask.security.gate import ORDER_AUTH
from hipflask.security.gate import ORDER_RATE_LIMIT_HEADERS

SECRET = "test-secret-key-that-is-long-enough-0123456789"
_REQUEST_ID = re.compile(r"\b[0-9a-f]{16}\b")


class _App(Hipflask):
    def should_ignore_error(self, error: BaseException | None) -> bool:
        # Not a pipeline method: replacing it keeps the direct path.
        return isinstance(error, LookupError)


def _name(error: BaseException | None) -> str:
    return type(error).__name__ if error is not None else "None"


def build(events: list[str], async_hooks: bool) -> Hipflask:
    app = _App("direct_hooks_app")
    app.config.update(SECRET_KEY=SECRET, PROPAGATE_EXCEPTIONS=False)
    sync_hooks(app, events)
    gate_parts(app, events)
    if async_hooks:
        more_async_hooks(app, events)
    routes(app, events)
    more_routes(app, events)
    return app


def sync_hooks(app: Hipflask, events: list[str]) -> None:
    @app.url_value_preprocessor
    def language(endpoint: str | None, values: dict[str, Any] | None) -> None:
        events.append(f"preprocess {endpoint} {values}")
        if values and "lang" in values:
            g.lang = values.pop("lang")

    @app.before_request
    def before() -> Any:
        events.append(f"before {request.path}")
        if request.args.get("as"):
            # A method override, as some APIs take one from clients.
            request.method = request.args["as"]
        g.user = request.args.get("user", "-")
        if request.args.get("stop"):
            return "stopped by a hook"
        if request.args.get("deny"):
            abort(403)
        return None

    @app.after_request
    def after(response: Response) -> Response:
        events.append(f"after {response.status_code}")
        response.headers["X-User"] = g.get("user", "unset")
        if request.args.get("after-fails"):
            raise RuntimeError("after hook")
        return response

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        events.append(f"teardown_request {_name(error)} {request.path}")

    @app.teardown_appcontext
    def teardown_app(error: BaseException | None) -> None:
        events.append(f"teardown_appcontext {_name(error)} {has_request_context()}")


def gate_parts(app: Hipflask, events: list[str]) -> None:
    """A check and a finisher of a suite's kind, each with an async version for the loop."""

    def check(req: Any) -> Any:
        events.append(f"gate check {req.path}")
        if req.args.get("gate") == "answer":
            return Response("answered by a check", 202)
        if req.args.get("gate") == "deny":
            abort(401)
        return None

    async def check_async(req: Any) -> Any:
        await asyncio.sleep(0)
        events.append("gate check async")
        return check(req)

    def finisher(req: Any, response: Response) -> None:
        events.append(f"gate finisher {response.status_code}")
        response.headers["X-Finished"] = req.path

    async def finisher_async(req: Any, response: Response) -> None:
        await asyncio.sleep(0)
        events.append("gate finisher async")
        finisher(req, response)

    app.gate.add_check("test.check", check, order=ORDER_AUTH, check_async=check_async)
    app.gate.add_finisher(
        "test.finisher", finisher, order=ORDER_RATE_LIMIT_HEADERS, finisher_async=finisher_async
    )


def more_async_hooks(app: Hipflask, events: list[str]) -> None:
    @app.before_request
    async def before_async() -> Any:
        await asyncio.sleep(0)
        events.append("before async")
        if request.args.get("astop"):
            return "stopped by an async hook"
        return None

    @app.after_request
    async def after_async(response: Response) -> Response:
        await asyncio.sleep(0)
        events.append("after async")
        response.headers["X-Async"] = "yes"
        return response

    @app.teardown_request
    async def teardown_async(error: BaseException | None) -> None:
        await asyncio.sleep(0)
        events.append(f"teardown_request async {_name(error)}")

    @app.teardown_appcontext
    async def teardown_app_async(error: BaseException | None) -> None:
        await asyncio.sleep(0)
        events.append(f"teardown_appcontext async {_name(error)}")


def routes(app: Hipflask, events: list[str]) -> None:
    @app.get("/text")
    def text() -> Response:
        events.append("view")
        return Response(f"{request.path} {g.user}", mimetype="text/plain")

    @app.get("/async")
    async def asynchronous() -> dict[str, Any]:
        await asyncio.sleep(0)
        events.append("async view")
        return {"user": g.user}

    @app.get("/<lang>/page")
    def page() -> str:
        return f"page in {g.lang}"

    @app.get("/fail")
    def failing() -> str:
        raise RuntimeError("boom")

    @app.get("/lookup")
    def lookup() -> str:
        raise KeyError("ignored by should_ignore_error")

    @app.get("/abort")
    def aborting() -> str:
        abort(418)

    @app.get("/later")
    def later() -> str:
        @after_this_request
        def tag(response: Response) -> Response:
            events.append("after_this_request")
            response.headers["X-Later"] = "yes"
            return response

        return "later"

    @app.get("/count")
    def count() -> dict[str, int]:
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}

    @app.get("/stream")
    def stream() -> Response:
        def chunks() -> Iterator[str]:
            events.append("chunk")
            yield request.path
            yield "!"

        return Response(stream_with_context(chunks()))


def more_routes(app: Hipflask, events: list[str]) -> None:
    shop = Blueprint("shop", __name__, url_prefix="/shop")

    @shop.before_request
    def shop_before() -> None:
        events.append("shop before")

    @shop.after_request
    def shop_after(response: Response) -> Response:
        events.append("shop after")
        return response

    @shop.teardown_request
    def shop_teardown(error: BaseException | None) -> None:
        events.append(f"shop teardown {_name(error)}")

    @shop.get("/item")
    def item() -> str:
        return "item"

    app.register_blueprint(shop)


CASES = [
    "/text?gate=answer",
    "/text?gate=deny",
    "/async?gate=answer",
    "/async?gate=deny",
    "/text",
    "/text?user=ann",
    "/text?stop=1",
    "/text?deny=1",
    "/text?after-fails=1",
    "/text?astop=1",
    "/async?user=bob",
    "/async?stop=1",
    "/en/page",
    "/fail",
    "/lookup",
    "/abort",
    "/later",
    "/count",
    "/stream",
    "/shop/item",
    "/missing",
]

Served = tuple[int, list[tuple[str, str]], bytes, list[str]]


def serve_case(protocol: str, path: str, async_hooks: bool, method: str = "GET") -> Served:
    events: list[str] = []
    app = build(events, async_hooks)
    client = app.test_client(protocol=protocol)
    client.get("/text")  # the first request fixes the app's hooks
    events.clear()
    response = client.open(path, method=method)
    body = response.get_data()
    response.close()
    headers = [
        (name.lower(), _comparable(name.lower(), value)) for name, value in response.headers.items()
    ]
    return response.status_code, headers, _REQUEST_ID.sub("*", body.decode()).encode(), events


def _comparable(name: str, value: str) -> str:
    """A header value two serves of the same request share.

    A request id differs each time; a signed session cookie carries the second
    it was signed in (so its signature too), and two serves may straddle one.
    """
    if name == "x-request-id":
        return "*"
    if name == "set-cookie" and value.startswith("session="):
        cookie, _, attributes = value.partition(";")
        return f"{cookie.split('.', 1)[0]}.*;{attributes}"
    return value


@pytest.fixture
def direct_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The direct path's entry points each request reached."""
    calls: list[str] = []
    for name in ("serve_plain", "run_async"):
        original = getattr(direct, name)

        def spy(*args: Any, _original: Any = original, _name: str = name) -> Any:
            calls.append(_name)
            return _original(*args)

        monkeypatch.setattr(direct, name, spy)
    return calls


def through_the_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Send every request the direct path would take to the general pipeline."""

    def sync(app: Hipflask, request: Any, state: Any, chain: Any) -> Any:
        return serve.run_pipeline_sync(app, request, state)

    def on_loop(app: Hipflask, request: Any, state: Any, chain: Any) -> Any:
        return serve._run_pipeline_async(app, request, state)

    monkeypatch.setattr(direct, "serve_plain", sync)
    monkeypatch.setattr(direct, "run_async", on_loop)


@pytest.mark.parametrize("async_hooks", [False, True], ids=["sync-hooks", "async-hooks"])
@pytest.mark.parametrize("path", CASES)
def test_the_direct_path_runs_hooks_as_the_pipeline_does(
    path: str,
    async_hooks: bool,
    protocol: str,
    direct_calls: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if path == "/text?astop=1" and not async_hooks:
        pytest.skip("only the async hook stops on astop")
    served = serve_case(protocol, path, async_hooks)
    assert direct_calls, "the direct path was not taken"

    through_the_pipeline(monkeypatch)
    assert serve_case(protocol, path, async_hooks) == served


@pytest.mark.parametrize(
    ("method", "path"),
    [("OPTIONS", "/text?as=GET"), ("GET", "/text?as=OPTIONS"), ("OPTIONS", "/async?as=GET")],
)
def test_a_hook_changing_the_method_is_seen_by_the_dispatch(
    method: str,
    path: str,
    protocol: str,
    direct_calls: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _status, headers, body, events = served = serve_case(protocol, path, False, method)
    assert direct_calls

    if path.endswith("as=OPTIONS"):
        # The automatic OPTIONS answer, not the view.
        assert "view" not in events
        assert "GET" in dict(headers)["allow"]
    else:
        assert body.startswith((b"/text", b'{"user"'))
    through_the_pipeline(monkeypatch)
    assert serve_case(protocol, path, False, method) == served


@pytest.mark.parametrize("hooks", [False, True], ids=["no-hooks", "hooks"])
@pytest.mark.parametrize("teardown", [False, True], ids=["no-teardown", "teardown"])
@pytest.mark.parametrize("path", ["/fail", "/async-fail"])
def test_should_ignore_error_is_asked_about_every_error(
    path: str, teardown: bool, hooks: bool, protocol: str, direct_calls: list[str]
) -> None:
    # Flask asks it about every error, whatever the app registered; with
    # neither hooks nor teardown, WSGI serves the request in one frame.
    asked: list[str] = []

    class App(Hipflask):
        def should_ignore_error(self, error: BaseException | None) -> bool:
            asked.append(type(error).__name__)
            return False

    app = App(__name__)
    app.config.update(SECRET_KEY=SECRET, PROPAGATE_EXCEPTIONS=False)
    if hooks:
        app.before_request(lambda: None)
    if teardown:
        app.teardown_request(lambda error: None)

    @app.get("/fail")
    def failing() -> str:
        raise RuntimeError("boom")

    @app.get("/async-fail")
    async def async_failing() -> str:
        raise RuntimeError("boom")

    client = app.test_client(protocol=protocol)
    client.get("/fail")
    asked.clear()

    assert client.get(path).status_code == 500
    assert asked == ["RuntimeError"]


def test_hooks_run_in_flasks_order(protocol: str, direct_calls: list[str]) -> None:
    status, headers, body, events = serve_case(protocol, "/shop/item?user=ann", async_hooks=False)

    assert direct_calls
    assert (status, body) == (200, b"item")
    assert ("x-user", "ann") in headers
    assert events == [
        "gate check /shop/item",
        "preprocess shop.item {}",
        "before /shop/item",
        "shop before",
        "shop after",
        "after 200",
        "gate finisher 200",
        "shop teardown None",
        "teardown_request None /shop/item",
        "teardown_appcontext None False",
    ]


def test_teardown_sees_the_error_that_became_a_500(protocol: str, direct_calls: list[str]) -> None:
    status, _headers, _body, events = serve_case(protocol, "/fail", async_hooks=False)

    assert direct_calls
    assert status == 500
    assert events[-2:] == [
        "teardown_request RuntimeError /fail",
        "teardown_appcontext RuntimeError False",
    ]


def test_an_ignored_error_reaches_teardown_as_none(protocol: str, direct_calls: list[str]) -> None:
    status, _headers, _body, events = serve_case(protocol, "/lookup", async_hooks=False)

    assert direct_calls
    assert status == 500
    assert events[-2:] == ["teardown_request None /lookup", "teardown_appcontext None False"]


def test_a_streamed_body_tears_down_when_it_ends(protocol: str, direct_calls: list[str]) -> None:
    status, _headers, body, events = serve_case(protocol, "/stream", async_hooks=False)

    assert direct_calls
    assert (status, body) == (200, b"/stream!")
    assert events.index("chunk") < events.index("teardown_request None /stream")


@pytest.mark.parametrize("path", ["direct", "pipeline"])
@pytest.mark.parametrize("view", ["def", "async def"])
def test_a_failing_teardown_still_leaves_the_contexts(
    protocol: str, view: str, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if path == "pipeline":
        through_the_pipeline(monkeypatch)
    app = Hipflask(__name__)
    app.config["SECRET_KEY"] = SECRET
    calls: list[str] = []

    def index() -> str:
        return "ok"

    async def async_index() -> str:
        return "ok"

    app.add_url_rule("/", view_func=index if view == "def" else async_index)

    @app.teardown_request
    def failing(error: BaseException | None) -> None:
        calls.append("request")
        raise RuntimeError("teardown failed")

    @app.teardown_appcontext
    def app_teardown(error: BaseException | None) -> None:
        calls.append("appcontext")

    client = app.test_client(protocol=protocol)
    for _ in range(2):
        with pytest.raises(RuntimeError, match="teardown failed"):
            client.get("/")

    assert calls == ["request", "appcontext"] * 2
    assert not has_request_context()


@pytest.mark.parametrize("view", ["def", "async def"])
def test_a_500_after_a_failing_response_hook_keeps_the_security_headers(
    protocol: str, view: str
) -> None:
    app = Hipflask(__name__)
    app.config.update(SECRET_KEY=SECRET, PROPAGATE_EXCEPTIONS=False)

    def failing() -> str:
        raise RuntimeError("view failed")

    async def async_failing() -> str:
        raise RuntimeError("view failed")

    app.add_url_rule("/", view_func=failing if view == "def" else async_failing)

    @app.after_request
    def broken(response: Response) -> Response:
        raise RuntimeError("hook failed too")

    client = app.test_client(protocol=protocol)
    for _ in range(2):  # the general pipeline, then the direct path
        response = client.get("/")
        assert response.status_code == 500
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" in response.headers
        assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]
