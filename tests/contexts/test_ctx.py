"""Application and request contexts: push, pop, teardown, sessions, copies, streams."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound
from werkzeug.routing import RequestRedirect

from hipflask import Hipflask
from hipflask import Response
from hipflask import after_this_request
from hipflask import copy_current_request_context
from hipflask import current_app
from hipflask import g
from hipflask import has_app_context
from hipflask import has_request_context
from hipflask import request
from hipflask import session
from hipflask import stream_with_context
from hipflask.contexts.ctx import AppContext
from hipflask.contexts.ctx import RequestContext
from hipflask.contexts.globals import _cv_request
from hipflask.contexts.globals import request_ctx
from hipflask.testing.client import HipflaskClient

# -- application context ------------------------------------------------------------


def test_app_context_provides_current_app_and_g(app: Hipflask) -> None:
    assert not has_app_context()
    with app.app_context() as ctx:
        assert isinstance(ctx, AppContext)
        assert has_app_context()
        assert not has_request_context()
        assert current_app._get_current_object() is app
        g.user = "ann"
        assert g.user == "ann"
    assert not has_app_context()


def test_app_context_pushes_nest(app: Hipflask) -> None:
    torn_down: list[BaseException | None] = []
    app.teardown_appcontext(torn_down.append)
    ctx = app.app_context()
    ctx.push()
    ctx.push()
    ctx.pop()
    assert has_app_context()
    assert torn_down == []
    ctx.pop()
    assert not has_app_context()
    assert torn_down == [None]


def test_app_context_teardown_gets_the_exception(app: Hipflask) -> None:
    torn_down: list[BaseException | None] = []
    app.teardown_appcontext(torn_down.append)
    with pytest.raises(ValueError), app.app_context():
        raise ValueError("inside")
    assert isinstance(torn_down[0], ValueError)


def test_async_teardown_appcontext(app: Hipflask) -> None:
    torn_down: list[str] = []

    @app.teardown_appcontext
    async def close(exc: BaseException | None) -> None:
        torn_down.append("closed")

    with app.app_context():
        pass
    assert torn_down == ["closed"]


def test_popping_the_wrong_app_context_is_refused(app: Hipflask) -> None:
    outer = app.app_context()
    inner = Hipflask("other_app").app_context()
    outer.push()
    inner.push()
    try:
        with pytest.raises(AssertionError, match="Popped wrong app context"):
            outer.pop()
    finally:
        inner.pop()
        outer.pop()


def test_each_app_context_has_its_own_g(app: Hipflask) -> None:
    with app.app_context():
        g.value = 1
    with app.app_context():
        assert "value" not in g


# -- g ----------------------------------------------------------------------------------


def test_g_namespace_methods(app: Hipflask) -> None:
    with app.app_context():
        assert g.get("missing") is None
        assert g.get("missing", 5) == 5
        assert g.setdefault("count", 1) == 1
        assert g.setdefault("count", 2) == 1
        assert "count" in g
        assert list(g) == ["count"]
        assert g.pop("count") == 1
        assert g.pop("count", "gone") == "gone"
        with pytest.raises(KeyError):
            g.pop("count")
        with pytest.raises(AttributeError, match="nothing"):
            _ = g.nothing
        assert repr(g) == "<hipflask.g of 'tests_app'>"


def test_g_repr_outside_its_context(app: Hipflask) -> None:
    with app.app_context():
        namespace = g._get_current_object()  # type: ignore[attr-defined]
    assert repr(namespace).startswith("<hipflask.contexts.ctx._AppCtxGlobals object")


def test_app_ctx_globals_class_can_be_replaced(app: Hipflask) -> None:
    class Globals:
        preset = "yes"

    app.app_ctx_globals_class = Globals  # type: ignore[assignment]
    with app.app_context():
        assert g.preset == "yes"


def test_g_is_made_on_first_read_then_kept(app: Hipflask) -> None:
    made: list[object] = []

    class Globals:
        def __init__(self) -> None:
            made.append(self)

    app.app_ctx_globals_class = Globals  # type: ignore[assignment]
    ctx = app.app_context()
    assert "g" not in vars(ctx)
    first = ctx.g
    assert ctx.g is first
    assert vars(ctx)["g"] is first
    assert made == [first]


def test_assigning_g_replaces_it(app: Hipflask) -> None:
    ctx = app.app_context()
    replacement = object()
    ctx.g = replacement  # type: ignore[assignment]
    assert ctx.g is replacement
    with ctx:
        assert g._get_current_object() is replacement  # type: ignore[attr-defined]


def test_g_read_on_the_class_is_its_descriptor() -> None:
    descriptor = AppContext.g
    assert descriptor is AppContext.__dict__["g"]
    assert "first read" in (type(descriptor).__doc__ or "")


# -- request context ---------------------------------------------------------------------


def test_request_context_pushes_an_app_context(app: Hipflask) -> None:
    with app.test_request_context("/hello?x=1") as ctx:
        assert isinstance(ctx, RequestContext)
        assert has_request_context()
        assert has_app_context()
        assert request.args["x"] == "1"
        assert current_app._get_current_object() is app
        assert repr(ctx) == "<RequestContext 'http://localhost/hello?x=1' [GET]>"
    assert not has_request_context()
    assert not has_app_context()


def test_request_context_reuses_an_active_app_context(app: Hipflask) -> None:
    with app.app_context():
        g.outer = "kept"
        with app.test_request_context():
            assert g.outer == "kept"
        assert has_app_context()


def test_request_context_teardown_runs_on_pop(app: Hipflask) -> None:
    seen: list[BaseException | None] = []
    app.teardown_request(seen.append)
    with pytest.raises(KeyError), app.test_request_context():
        raise KeyError("x")
    assert isinstance(seen[0], KeyError)


# -- match_request ------------------------------------------------------------------


@pytest.fixture
def routed(app: Hipflask) -> Hipflask:
    @app.route("/items/<int:item_id>")
    def item(item_id: int) -> dict[str, Any]:
        rule, view_args = request.url_rule, request.view_args
        request.url_rule = request.view_args = None
        request_ctx.match_request()  # through the proxy, as Flask code calls it
        assert request_ctx.url_adapter is not None
        return {
            "same": request.url_rule is rule and request.view_args == view_args,
            "endpoint": request.endpoint,
            "view_args": request.view_args,
        }

    @app.post("/folder/")
    def folder() -> str:
        return "folder"

    return app


def test_match_request_sets_the_rule_and_view_args(routed: Hipflask) -> None:
    with routed.test_request_context("/items/7") as ctx:
        request.url_rule = request.view_args = None
        ctx.match_request()
        assert request.url_rule is not None
        assert request.url_rule.rule == "/items/<int:item_id>"
        assert request.view_args == {"item_id": 7}
        assert request.endpoint == "item"
        assert routed.dispatch_request() == {
            "same": True,
            "endpoint": "item",
            "view_args": {"item_id": 7},
        }


@pytest.mark.parametrize(
    ("path", "method", "error"),
    [("/nowhere", "GET", NotFound), ("/items/7", "POST", MethodNotAllowed)],
)
def test_match_request_records_the_routing_error(
    routed: Hipflask, path: str, method: str, error: type[Exception]
) -> None:
    with routed.test_request_context(path, method=method) as ctx:
        request.routing_exception = None
        ctx.match_request()
        assert isinstance(request.routing_exception, error)
        assert request.url_rule is None


def test_match_request_records_a_slash_redirect(routed: Hipflask) -> None:
    with routed.test_request_context("/folder", method="POST") as ctx:
        request.routing_exception = None
        ctx.match_request()
        assert isinstance(request.routing_exception, RequestRedirect)
        assert request.routing_exception.new_url.endswith("/folder/")


def test_match_request_uses_the_context_url_adapter(routed: Hipflask) -> None:
    with routed.test_request_context("/items/7") as ctx:
        ctx.url_adapter = routed.url_map.bind("localhost", path_info="/items/8")
        ctx.match_request()
        assert request.view_args == {"item_id": 8}


def test_match_request_works_inside_a_view(routed: Hipflask, client: HipflaskClient) -> None:
    response = client.get("/items/3")

    assert response.status_code == 200
    assert response.get_json() == {"same": True, "endpoint": "item", "view_args": {"item_id": 3}}


def test_after_this_request_needs_a_request() -> None:
    with pytest.raises(RuntimeError, match="'after_this_request' can only be used"):
        after_this_request(lambda response: response)


def test_after_this_request_functions_run_in_order(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        @after_this_request
        def first(response: Response) -> Response:
            response.headers["X-Order"] = "first"
            return response

        @after_this_request
        async def second(response: Response) -> Response:
            response.headers["X-Order"] += ",second"
            return response

        return "ok"

    assert client.get("/").headers["X-Order"] == "first,second"


# -- sessions ----------------------------------------------------------------------------------


class RecordingSessions:
    """A session interface that keeps sessions in a dict, recording calls."""

    def __init__(self, null_when_missing: bool = False) -> None:
        self.opened = 0
        self.saved: list[dict[str, Any]] = []
        self.null_when_missing = null_when_missing

    def open_session(self, app: Hipflask, req: Any) -> dict[str, Any] | None:
        self.opened += 1
        if self.null_when_missing and "X-Session" not in req.headers:
            return None
        return {"user": req.headers.get("X-Session")}

    def make_null_session(self, app: Hipflask) -> dict[str, Any]:
        return {"null": True}

    def is_null_session(self, value: Any) -> bool:
        return bool(value.get("null"))

    def save_session(self, app: Hipflask, value: Any, response: Response) -> None:
        self.saved.append(dict(value))


def test_session_is_opened_only_when_touched(app: Hipflask, client: HipflaskClient) -> None:
    interface = RecordingSessions()
    app.session_interface = interface

    @app.route("/untouched")
    def untouched() -> str:
        return "ok"

    @app.route("/touched")
    def touched() -> str:
        session["seen"] = True
        return str(session["user"])

    client.get("/untouched")
    assert (interface.opened, interface.saved) == (0, [])
    assert client.get("/touched", headers={"X-Session": "ann"}).text == "ann"
    assert interface.opened == 1
    assert interface.saved == [{"user": "ann", "seen": True}]


def test_null_session_is_used_and_never_saved(app: Hipflask, client: HipflaskClient) -> None:
    interface = RecordingSessions(null_when_missing=True)
    app.session_interface = interface

    @app.route("/")
    def index() -> str:
        return str(session.get("null"))

    assert client.get("/").text == "True"
    assert interface.saved == []


def test_session_can_be_replaced_on_the_context(app: Hipflask) -> None:
    app.session_interface = RecordingSessions()
    with app.test_request_context() as ctx:
        assert not ctx.session_opened
        ctx.session = {"given": 1}
        assert ctx.session_opened
        assert session["given"] == 1
    assert app.session_interface.opened == 0


# -- copies and streams -------------------------------------------------------------------------


def test_copy_current_request_context_in_a_thread(app: Hipflask, client: HipflaskClient) -> None:
    results: dict[str, Any] = {}

    @app.route("/")
    def index() -> str:
        @copy_current_request_context
        def work() -> None:
            results["arg"] = request.args["job"]
            results["app"] = current_app.name
            results["thread"] = threading.current_thread().name

        thread = threading.Thread(target=work, name="background")
        thread.start()
        thread.join()
        return "started"

    assert client.get("/?job=42").text == "started"
    assert results == {"arg": "42", "app": "tests_app", "thread": "background"}


def test_a_copied_context_alone_does_not_make_the_response_personal(
    app: Hipflask, client: HipflaskClient
) -> None:
    # Copying opens the session to share it; saving it unread must not mark
    # the response as varying by cookie or private, as in Flask.
    @app.route("/")
    def index() -> str:
        copy_current_request_context(lambda: None)()
        return "done"

    response = client.get("/")

    assert response.headers.get("Vary") is None
    assert response.headers.get("Cache-Control") is None
    assert response.headers.get("Set-Cookie") is None


def test_copied_context_shares_the_session(app: Hipflask, client: HipflaskClient) -> None:
    interface = RecordingSessions()
    app.session_interface = interface

    @app.route("/")
    def index() -> str:
        @copy_current_request_context
        def work() -> None:
            session["from_thread"] = True

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        return str(session.get("from_thread"))

    assert client.get("/").text == "True"
    assert interface.opened == 1
    assert interface.saved == [{"user": None, "from_thread": True}]


def test_copy_current_request_context_with_an_async_function(app: Hipflask) -> None:
    with app.test_request_context("/?n=3"):

        @copy_current_request_context
        async def work() -> str:
            return request.args["n"]

    result: list[str] = []
    thread = threading.Thread(target=lambda: result.append(work()))
    thread.start()
    thread.join()
    assert result == ["3"]


def test_copy_current_request_context_needs_a_request() -> None:
    with pytest.raises(RuntimeError, match="'copy_current_request_context' can only be used"):
        copy_current_request_context(lambda: None)


def test_stream_with_context_keeps_the_request(app: Hipflask, client: HipflaskClient) -> None:
    events: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append("teardown")

    @app.route("/")
    def index() -> Any:
        def generate() -> Iterator[str]:
            events.append("streaming")
            yield "hello "
            yield request.args["name"]

        return stream_with_context(generate())

    response = client.get("/?name=ann")
    assert response.text == "hello ann"
    assert events == ["streaming", "teardown"]


def test_stream_with_context_as_a_decorator(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> Any:
        @stream_with_context
        def generate() -> Iterator[str]:
            yield request.method
            yield " "
            yield request.path

        return generate()

    assert client.get("/").text == "GET /"


def test_stream_closed_early_still_tears_down_once(app: Hipflask) -> None:
    events: list[str] = []
    app.teardown_request(lambda exc: events.append("teardown"))
    with app.test_request_context():

        def generate() -> Iterator[str]:
            yield "a"
            yield "b"

        stream = stream_with_context(generate())
    assert events == []  # the stream still needs the request
    assert next(stream) == "a"
    stream.close()
    stream.close()
    assert events == ["teardown"]
    with pytest.raises(StopIteration):
        next(stream)


@pytest.mark.parametrize("fails", [False, True])
def test_a_stream_closed_early_cleans_up_in_its_context_and_tears_down_once(
    app: Hipflask, client: HipflaskClient, fails: bool
) -> None:
    # A client that leaves an endless stream: the generator's finally runs
    # in the request's context (clean-up reads g and request), and teardown
    # runs once, told of an error the clean-up raised.
    events: list[str] = []
    app.teardown_request(lambda exc: events.append(f"teardown {exc!r}"))

    @app.route("/events")
    def feed() -> Any:
        g.rid = "r1"

        @stream_with_context
        def generate() -> Iterator[str]:
            try:
                while True:
                    yield "data: x\n\n"
            finally:
                events.append(f"finally {g.rid} {request.path}")
                if fails:
                    raise RuntimeError("cleanup failed")

        return Response(generate(), mimetype="text/event-stream")

    response = client.get("/events")
    assert next(iter(response.response)) == b"data: x\n\n"
    if fails:
        with contextlib.suppress(RuntimeError):
            response.close()
    else:
        response.close()

    expected = "RuntimeError('cleanup failed')" if fails else "None"
    assert events == ["finally r1 /events", f"teardown {expected}"]


@pytest.mark.parametrize("fails", [False, True])
def test_an_async_stream_closed_early_cleans_up_in_its_context(app: Hipflask, fails: bool) -> None:
    events: list[str] = []
    app.teardown_request(lambda exc: events.append(f"teardown {exc!r}"))
    with app.test_request_context("/events"):
        g.rid = "r2"

        async def generate() -> AsyncIterator[str]:
            try:
                while True:
                    yield "x"
            finally:
                events.append(f"finally {g.rid} {request.path}")
                if fails:
                    raise RuntimeError("cleanup failed")

        stream = stream_with_context(generate())

    async def leave_early() -> None:
        assert await stream.__anext__() == "x"
        if fails:
            with pytest.raises(RuntimeError, match="cleanup failed"):
                await stream.aclose()
        else:
            await stream.aclose()

    asyncio.run(leave_early())
    expected = "RuntimeError('cleanup failed')" if fails else "None"
    assert events == ["finally r2 /events", f"teardown {expected}"]


def test_stream_error_tears_down(app: Hipflask) -> None:
    events: list[object] = []
    app.teardown_request(lambda exc: events.append(repr(exc)))
    with app.test_request_context():

        def generate() -> Iterator[str]:
            yield "a"
            raise ValueError("mid-stream")

        stream = stream_with_context(generate())
    assert next(stream) == "a"
    with pytest.raises(ValueError, match="mid-stream"):
        next(stream)
    # Told of the error, as Flask's context exit is: a rollback must see it.
    assert events == ["ValueError('mid-stream')"]


def test_stream_with_context_wraps_async_generators(app: Hipflask, client: HipflaskClient) -> None:
    events: list[str] = []

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        events.append(f"teardown after {request.path}")

    @app.route("/stream")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[str]:
            events.append("streaming")
            yield "hello "
            await asyncio.sleep(0)
            yield request.args["name"]

        return stream_with_context(generate())

    @app.route("/decorated")
    def decorated() -> Any:
        @stream_with_context
        async def generate() -> AsyncIterator[str]:
            yield request.method

        return generate()

    assert client.get("/stream?name=ann").text == "hello ann"
    assert events == ["streaming", "teardown after /stream"]
    assert client.get("/decorated").text == "GET"


class _Cursor:
    """An iterator object holding a resource, released by ``close()``."""

    def __init__(self, rows: list[str], events: list[str]) -> None:
        self._rows = iter(rows)
        self._events = events

    def __iter__(self) -> _Cursor:
        return self

    def __next__(self) -> str:
        row = next(self._rows)
        if row == "boom":
            raise RuntimeError("lost the connection")
        return row

    def close(self) -> None:
        self._events.append(f"closed in {request.path}")


class _AsyncCursor:
    """The same, read with ``async for`` and released by ``aclose()``."""

    def __init__(self, rows: list[str], events: list[str]) -> None:
        self._rows = iter(rows)
        self._events = events

    def __aiter__(self) -> _AsyncCursor:
        return self

    async def __anext__(self) -> str:
        try:
            return next(self._rows)
        except StopIteration:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        self._events.append(f"closed in {request.path}")


def test_a_wrapped_iterator_object_is_closed_when_its_stream_ends(
    app: Hipflask, client: HipflaskClient
) -> None:
    # As in Flask: an iterator holding a resource (a cursor, a pooled
    # connection) is released by its close(), in the request's context,
    # before teardown; sync and async ones, ended normally or by an error.
    events: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append(f"teardown ({type(exc).__name__})")

    @app.route("/rows")
    def rows() -> Any:
        return Response(stream_with_context(_Cursor(["a", "b"], events)))

    @app.route("/async-rows")
    def async_rows() -> Any:
        return Response(stream_with_context(_AsyncCursor(["c", "d"], events)))

    @app.route("/broken")
    def broken() -> Any:
        return Response(stream_with_context(_Cursor(["a", "boom"], events)))

    assert client.get("/rows").text == "ab"
    assert events == ["closed in /rows", "teardown (NoneType)"]
    events.clear()
    assert client.get("/async-rows").text == "cd"
    assert events == ["closed in /async-rows", "teardown (NoneType)"]
    events.clear()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with contextlib.suppress(RuntimeError):
        client.get("/broken").get_data()
    assert events == ["closed in /broken", "teardown (RuntimeError)"]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_stream_tears_the_app_context_down_too(
    app: Hipflask, client: HipflaskClient, kind: str
) -> None:
    # Where a request's database session is closed (teardown_appcontext): a
    # stream that skipped it kept one connection per request until the pool ran out.
    events: list[str] = []
    app.teardown_request(lambda exc: events.append("request"))
    app.teardown_appcontext(lambda exc: events.append("app"))

    @app.route("/stream")
    async def stream() -> Any:
        async def agenerate() -> AsyncIterator[str]:
            yield "a"

        def generate() -> Iterator[str]:
            yield "a"

        return stream_with_context(agenerate() if kind == "async" else generate())

    assert client.get("/stream").text == "a"
    assert events == ["request", "app"]


@pytest.mark.parametrize("teardown", ["def", "async def"])
@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("view", ["def", "async def"])
def test_a_stream_never_sent_to_a_head_request_still_tears_down(
    app: Hipflask, client: HipflaskClient, kind: str, view: str, teardown: str
) -> None:
    # A HEAD answer's body is never read: the stream is closed unsent, and its
    # request's teardown (a database session's release) must still run, an
    # async one too (never on the event loop from sync code).
    events: list[str] = []
    if teardown == "def":
        app.teardown_request(lambda exc: events.append("request"))
        app.teardown_appcontext(lambda exc: events.append("app"))
    else:

        @app.teardown_request
        async def request_teardown(exc: BaseException | None) -> None:
            await asyncio.sleep(0)
            events.append("request")

        @app.teardown_appcontext
        async def app_teardown(exc: BaseException | None) -> None:
            await asyncio.sleep(0)
            events.append("app")

    def make() -> Any:
        async def agenerate() -> AsyncIterator[str]:
            events.append("generated")
            yield "a"

        def generate() -> Iterator[str]:
            events.append("generated")
            yield "a"

        return stream_with_context(agenerate() if kind == "async" else generate())

    async def async_view() -> Any:
        return make()

    app.add_url_rule("/stream", view_func=make if view == "def" else async_view)

    response = client.head("/stream")
    response.close()

    assert response.status_code == 200
    assert events == ["request", "app"]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_failing_stream_teardown_still_tears_the_app_context_down(
    app: Hipflask, client: HipflaskClient, kind: str
) -> None:
    events: list[str] = []

    @app.teardown_request
    def failing(exc: BaseException | None) -> None:
        events.append("request")
        raise RuntimeError("teardown failed")

    app.teardown_appcontext(lambda exc: events.append("app"))

    @app.route("/stream")
    def stream() -> Any:
        async def agenerate() -> AsyncIterator[str]:
            yield "a"

        def generate() -> Iterator[str]:
            yield "a"

        return stream_with_context(agenerate() if kind == "async" else generate())

    with pytest.raises(RuntimeError, match="teardown failed"):
        client.get("/stream").get_data()
    assert events == ["request", "app"]


def test_async_stream_closed_early_still_tears_down_once(app: Hipflask) -> None:
    events: list[str] = []
    app.teardown_request(lambda exc: events.append("teardown"))
    with app.test_request_context():

        async def generate() -> AsyncIterator[str]:
            yield "a"
            yield "b"

        stream = stream_with_context(generate())
    assert events == []

    async def consume() -> list[str]:
        first = await stream.__anext__()
        await stream.aclose()
        await stream.aclose()
        with pytest.raises(StopAsyncIteration):
            await stream.__anext__()
        return [first]

    assert asyncio.run(consume()) == ["a"]
    assert events == ["teardown"]


def test_async_stream_error_tears_down(app: Hipflask) -> None:
    events: list[str] = []
    app.teardown_request(lambda exc: events.append(repr(exc)))
    with app.test_request_context():

        async def generate() -> AsyncIterator[str]:
            yield "a"
            raise ValueError("mid-stream")

        stream = stream_with_context(generate())

    async def consume() -> None:
        assert await stream.__anext__() == "a"
        with pytest.raises(ValueError, match="mid-stream"):
            await stream.__anext__()

    asyncio.run(consume())
    assert events == ["ValueError('mid-stream')"]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_stream_that_fails_tells_teardown_over_both_protocols(
    app: Hipflask, client: HipflaskClient, kind: str
) -> None:
    seen: list[str] = []
    app.teardown_request(lambda exc: seen.append(f"request {exc!r}"))
    app.teardown_appcontext(lambda exc: seen.append(f"app {exc!r}"))

    @app.route("/stream")
    def stream() -> Any:
        async def agenerate() -> AsyncIterator[str]:
            yield "a"
            raise LookupError("gone")

        def generate() -> Iterator[str]:
            yield "a"
            raise LookupError("gone")

        return stream_with_context(agenerate() if kind == "async" else generate())

    with pytest.raises(LookupError):
        client.get("/stream").get_data()
    assert seen == ["request LookupError('gone')", "app LookupError('gone')"]


def test_stream_with_context_needs_a_request() -> None:
    with pytest.raises(RuntimeError, match="'stream_with_context' can only be used"):
        stream_with_context(iter(["x"]))


# -- the test client keeps the last context ---------------------------------------------------


def test_with_client_keeps_the_request_context(app: Hipflask, client: HipflaskClient) -> None:
    torn_down: list[str] = []
    app.teardown_request(lambda exc: torn_down.append(request.path))

    @app.route("/form", methods=["POST"])
    def form() -> str:
        g.handled = True
        return "ok"

    with client:
        client.post("/form?page=2", data={"name": "ann"})
        assert request.args["page"] == "2"
        assert request.form["name"] == "ann"
        assert g.handled is True
        # Torn down at the request's end and again at the pop, as in Flask.
        assert torn_down == ["/form"]
    assert torn_down == ["/form", "/form"]
    assert not has_request_context()


def test_with_client_keeps_only_the_newest_context(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/<name>")
    def named(name: str) -> str:
        return name

    with client:
        client.get("/first")
        client.get("/second")
        assert request.path == "/second"
        assert _cv_request.get() is not None
    assert not has_request_context()


def test_with_client_cannot_nest(client: HipflaskClient) -> None:
    with client, pytest.raises(RuntimeError, match="Cannot nest"):
        client.__enter__()


def test_popping_without_an_exception_tears_down_with_none(app: Hipflask) -> None:
    seen: list[BaseException | None] = []
    app.teardown_request(seen.append)
    app.teardown_appcontext(seen.append)
    ctx = app.test_request_context()
    ctx.push()
    ctx.pop()
    assert seen == [None, None]
    assert not has_app_context()


def test_context_subclasses_with_their_own_init_are_built_by_calling_them(
    app: Hipflask,
) -> None:
    made: list[str] = []

    class TracedRequestContext(RequestContext):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            made.append("request")
            super().__init__(*args, **kwargs)

    class TracedAppContext(AppContext):
        def __init__(self, app: Any) -> None:
            made.append("app")
            super().__init__(app)

    with app.test_request_context("/") as ctx:
        rebuilt = TracedRequestContext._for_request(app, ctx.request, ctx.state)
        app_ctx = TracedAppContext._for_request(app)

    assert made == ["request", "app"]
    assert (rebuilt.request, rebuilt.state, rebuilt.session_opened) == (
        ctx.request,
        ctx.state,
        False,
    )
    assert app_ctx.app is app and app_ctx.url_adapter is None


def test_a_context_made_for_a_request_starts_empty(app: Hipflask) -> None:
    with app.test_request_context("/") as ctx:
        made = RequestContext._for_request(app, ctx.request, ctx.state)
        app_ctx = AppContext._for_request(app)

    assert made.flashes is None and made._after_request_functions is None
    assert made._deferred == 0 and not made.pushed_app_context
    assert app_ctx.g is not None and "anything" not in app_ctx.g
