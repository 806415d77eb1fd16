"""The ``current_app``, ``g``, ``request`` and ``session`` proxies.

They must point at the right request, never at another one: neither the
previous request in the same thread, nor a concurrent one in another thread
or asyncio task.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import current_app
from hipflask import g
from hipflask import request
from hipflask import session
from hipflask.contexts.ctx import _AppCtxGlobals
from hipflask.contexts.globals import _current_app_or_none
from hipflask.contexts.globals import _current_request_or_none
from hipflask.contexts.globals import app_ctx
from hipflask.contexts.globals import request_ctx
from hipflask.testing.client import HipflaskClient

# Flask 3.1's messages, word for word: ported tests match on them, so
# hipflask's own hint may only come after them.
FLASK_NO_REQUEST = """\
Working outside of request context.

This typically means that you attempted to use functionality that needed
an active HTTP request. Consult the documentation on testing for
information about how to avoid this problem.\
"""
FLASK_NO_APP = """\
Working outside of application context.

This typically means that you attempted to use functionality that needed
the current application. To solve this, set up an application context
with app.app_context(). See the documentation for more information.\
"""


@pytest.mark.parametrize(
    "proxy", [request, session, request_ctx], ids=["request", "session", "ctx"]
)
@pytest.mark.parametrize("name", ["anything", "args", "get", "method"])
def test_request_proxies_outside_a_request_explain_the_fix(proxy: Any, name: str) -> None:
    # "args", "get" and "method" are the proxies' own properties (the
    # class's names); "anything" takes the fallback: the same error.
    with pytest.raises(RuntimeError) as info:
        getattr(proxy, name)
    message = str(info.value)
    assert message.startswith(FLASK_NO_REQUEST)
    assert "test_request_context()" in message


@pytest.mark.parametrize("proxy", [current_app, g, app_ctx], ids=["current_app", "g", "ctx"])
def test_app_proxies_outside_an_app_context_explain_the_fix(proxy: Any) -> None:
    with pytest.raises(RuntimeError) as info:
        _ = proxy.anything
    message = str(info.value)
    assert message.startswith(FLASK_NO_APP)
    assert "'with app.app_context():'" in message


@pytest.mark.parametrize("proxy", [current_app, g, app_ctx], ids=["current_app", "g", "ctx"])
def test_assigning_through_an_app_proxy_outside_a_context_explains_the_fix(proxy: Any) -> None:
    for change in (lambda: setattr(proxy, "user", "ann"), lambda: delattr(proxy, "user")):
        with pytest.raises(RuntimeError) as info:
            change()
        assert str(info.value).startswith(FLASK_NO_APP)


@pytest.mark.parametrize("proxy", [request, session], ids=["request", "session"])
def test_assigning_through_a_request_proxy_outside_a_request_explains_the_fix(
    proxy: Any,
) -> None:
    with pytest.raises(RuntimeError) as info:
        proxy.note = "x"
    assert str(info.value).startswith(FLASK_NO_REQUEST)


def test_g_assignment_and_deletion_reach_the_current_g(app: Hipflask) -> None:
    with app.app_context() as outer:
        g.user = "ann"
        with app.app_context() as inner:
            g.user = "bob"
            assert inner.g.user == "bob"
            del g.user
            assert "user" not in inner.g
            with pytest.raises(AttributeError):
                del g.user
        assert outer.g.user == "ann"


def test_request_proxy_inside_an_app_context_only(app: Hipflask) -> None:
    with app.app_context(), pytest.raises(RuntimeError, match="outside of request context"):
        _ = request.path


def test_proxies_resolve_to_the_current_objects(app: Hipflask) -> None:
    assert _current_app_or_none() is None
    assert _current_request_or_none() is None
    with app.test_request_context("/x") as ctx:
        assert current_app._get_current_object() is app
        assert request._get_current_object() is ctx.request  # type: ignore[attr-defined]
        assert request_ctx._get_current_object() is ctx  # type: ignore[attr-defined]
        assert app_ctx.app is app
        assert _current_app_or_none() is app
        assert _current_request_or_none() is ctx.request


def test_proxies_see_the_innermost_app(app: Hipflask) -> None:
    other = Hipflask("other_app")
    with app.app_context():
        with other.app_context():
            assert current_app.name == "other_app"
        assert current_app.name == "tests_app"


def test_g_does_not_leak_between_requests(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/set")
    def set_value() -> str:
        g.secret = "first request"
        return "set"

    @app.route("/get")
    def get_value() -> str:
        return str(g.get("secret"))

    client.get("/set")
    assert client.get("/get").text == "None"


def test_no_context_remains_after_a_request(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    client.get("/")
    with pytest.raises(RuntimeError):
        _ = request.path
    with pytest.raises(RuntimeError):
        _ = current_app.name


def test_concurrent_wsgi_requests_see_their_own_request(app: Hipflask) -> None:
    workers = 8
    everyone_inside = threading.Barrier(workers)

    @app.route("/<int:n>")
    def echo(n: int) -> dict[str, Any]:
        g.n = n
        # Wait until every request is inside a view before reading back.
        everyone_inside.wait(timeout=10)
        return {"path": request.path, "arg": request.args["n"], "g": g.n}

    results: dict[int, Any] = {}

    def worker(n: int) -> None:
        results[n] = app.test_client().get(f"/{n}?n={n}").json

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {n: {"path": f"/{n}", "arg": str(n), "g": n} for n in range(workers)}


def test_concurrent_asgi_requests_see_their_own_request(app: Hipflask) -> None:
    tasks = 8
    inside = 0
    everyone_inside = asyncio.Event()

    @app.route("/<int:n>")
    async def echo(n: int) -> dict[str, Any]:
        nonlocal inside
        g.n = n
        inside += 1
        if inside == tasks:
            everyone_inside.set()
        # Every task is suspended here at once, interleaved on one loop.
        await everyone_inside.wait()
        return {"path": request.path, "arg": request.args["n"], "g": g.n}

    async def call(n: int) -> Any:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": f"/{n}",
            "query_string": f"n={n}".encode(),
            "headers": [(b"host", b"localhost")],
            "scheme": "http",
            "server": ("localhost", 80),
        }
        await app(scope, receive, send)
        return app.json.loads(b"".join(m.get("body", b"") for m in sent[1:]))

    async def main() -> list[Any]:
        return await asyncio.gather(*(call(n) for n in range(tasks)))

    results = asyncio.run(main())
    assert results == [{"path": f"/{n}", "arg": str(n), "g": n} for n in range(tasks)]


def test_sync_views_under_asgi_do_not_share_contexts(app: Hipflask) -> None:
    workers = 4
    app.config["ASGI_THREAD_POOL_SIZE"] = workers
    everyone_inside = threading.Barrier(workers)

    @app.route("/<int:n>")
    def echo(n: int) -> str:
        g.n = n
        everyone_inside.wait(timeout=10)
        return f"{request.path} {g.n}"

    async def call(n: int) -> str:
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
            "scheme": "http",
            "server": ("localhost", 80),
        }
        await app(scope, receive, send)
        return b"".join(m.get("body", b"") for m in sent[1:]).decode()

    async def main() -> list[str]:
        return await asyncio.gather(*(call(n) for n in range(workers)))

    try:
        assert asyncio.run(main()) == [f"/{n} {n}" for n in range(workers)]
    finally:
        app._threads.shutdown()


def test_session_proxy_item_access_outside_a_request_explains_the_fix() -> None:
    with pytest.raises(RuntimeError, match="outside of request context"):
        session["key"]
    with pytest.raises(RuntimeError, match="outside of request context"):
        session["key"] = "value"
    with pytest.raises(RuntimeError, match="outside of request context"):
        "key" in session  # noqa: B015


def test_session_proxy_reads_writes_and_tests_membership(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.get("/")
    def index() -> dict[str, Any]:
        before = "visits" in session
        session["visits"] = session.get("visits", 0) + 1
        return {"before": before, "visits": session["visits"], "after": "visits" in session}

    assert client.get("/").json == {"before": False, "visits": 1, "after": True}
    assert client.get("/").json == {"before": True, "visits": 2, "after": True}


def test_a_missing_attribute_through_a_proxy_is_an_attribute_error(app: Hipflask) -> None:
    with app.test_request_context("/"):
        assert not hasattr(request, "no_such_attribute")
        assert getattr(g, "missing", "default") == "default"
        assert request._get_current_object().path == "/"


def test_proxies_keep_their_own_names_and_forward_every_other(app: Hipflask) -> None:
    from hipflask.wrappers.request import Request

    with app.test_request_context("/?q=1"):
        current = request._get_current_object()
        g.user = "ada"

        assert isinstance(request, Request) and request.__class__ is type(current)
        assert request.args is current.args and request.args["q"] == "1"
        assert (g.user, current_app.name) == ("ada", app.name)
        assert repr(request) == repr(current)
        del g.user
        assert "user" not in g


def test_request_proxy_forwards_a_subclass_own_names_and_assignments() -> None:
    from hipflask.wrappers.request import Request

    class TenantRequest(Request):
        tenant_header = "X-Tenant"

        @property
        def tenant(self) -> str | None:
            return self.headers.get(self.tenant_header)

    app = Hipflask(__name__)
    app.request_class = TenantRequest
    with app.test_request_context("/", headers={"X-Tenant": "acme"}):
        current = request._get_current_object()  # type: ignore[attr-defined]
        assert request.tenant == "acme"  # type: ignore[attr-defined]
        request.method = "PATCH"
        request.note = "kept"  # type: ignore[attr-defined]
        assert (current.method, current.note) == ("PATCH", "kept")
        assert request.method == "PATCH"
        del request.note  # type: ignore[attr-defined]
        assert not hasattr(current, "note")


def test_request_and_session_proxies_follow_the_innermost_request(app: Hipflask) -> None:
    app.secret_key = "k" * 32
    with app.test_request_context("/outer?q=1"):
        session["who"] = "outer"
        with app.test_request_context("/inner?q=2"):
            assert (request.path, request.args.get("q"), session.get("who")) == (
                "/inner",
                "2",
                None,
            )
        assert (request.path, request.args.get("q"), session.get("who")) == (
            "/outer",
            "1",
            "outer",
        )


def test_a_name_learned_from_one_request_stays_right_for_the_next(app: Hipflask) -> None:
    with app.test_request_context("/first"):
        request._get_current_object().tenant = "acme"  # type: ignore[attr-defined]
        assert request.tenant == "acme"  # type: ignore[attr-defined]
        assert request.tenant == "acme"  # type: ignore[attr-defined]  # the learned property
    with app.test_request_context("/second"):
        assert not hasattr(request, "tenant")
        with pytest.raises(AttributeError):
            _ = request.tenant  # type: ignore[attr-defined]
        assert request.path == "/second"
    with pytest.raises(RuntimeError, match="outside of request context"):
        _ = request.tenant  # type: ignore[attr-defined]


def test_names_a_proxy_never_found_are_not_learned_and_learning_is_bounded(
    app: Hipflask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hipflask.contexts import globals as proxies

    proxy = proxies._forwarding(proxies._cv_request, "request", "no request")
    learned = vars(type(proxy))
    with app.test_request_context("/"):
        current = request._get_current_object()  # type: ignore[attr-defined]
        for index in range(3):
            assert getattr(proxy, f"missing{index}", None) is None
        assert not any(name.startswith("missing") for name in learned)
        monkeypatch.setattr(proxies, "_LEARNED_MAX", len(learned) + 2)
        for index in range(5):
            setattr(current, f"field{index}", index)
            assert getattr(proxy, f"field{index}") == index
        assert [name for name in learned if name.startswith("field")] == ["field0", "field1"]
        assert proxy.field4 == 4


def test_a_property_failing_inside_runs_once_per_read_before_and_after_learning() -> None:
    from hipflask.wrappers.request import Request

    calls: list[str] = []

    class FlakyRequest(Request):
        @property
        def tenant(self) -> str:
            calls.append(self.path)
            if "X-Tenant" in self.headers:
                return self.headers["X-Tenant"]
            return self.missing_helper  # type: ignore[attr-defined, no-any-return]

    app = Hipflask(__name__)
    app.request_class = FlakyRequest
    for path, headers in [("/a", {}), ("/b", {"X-Tenant": "acme"}), ("/c", {}), ("/d", {})]:
        with app.test_request_context(path, headers=headers):
            value = getattr(request, "tenant", "default")
            assert value == headers.get("X-Tenant", "default")
    with app.test_request_context("/e"), pytest.raises(AttributeError, match="missing_helper"):
        _ = request.tenant  # type: ignore[attr-defined]
    assert calls == ["/a", "/b", "/c", "/d", "/e"]


def test_proxies_read_as_flask_proxies_do(app: Hipflask) -> None:
    from hipflask.wrappers.request import Request

    assert repr(request) == repr(session) == repr(current_app) == "<LocalProxy unbound>"
    with app.test_request_context("/"):
        assert request.__doc__ == Request.__doc__
        assert current_app.__doc__ == type(app).__doc__


@pytest.mark.parametrize("kind", ["def", "async def"])
def test_g_is_made_when_first_read(app: Hipflask, client: HipflaskClient, kind: str) -> None:
    made: list[object] = []

    class Globals(_AppCtxGlobals):
        def __init__(self) -> None:
            made.append(self)

    app.app_ctx_globals_class = Globals  # type: ignore[assignment]

    def untouched() -> str:
        return "plain"

    def touched() -> str:
        g.value = "kept"
        return f"{g.value} {type(g._get_current_object()).__name__}"  # type: ignore[attr-defined]

    for name, view in [("untouched", untouched), ("touched", touched)]:
        if kind == "async def":
            view = _as_async(view)
        app.add_url_rule(f"/{name}", name, view)

    for _ in range(3):
        assert client.get("/untouched").text == "plain"
    assert made == []
    assert client.get("/touched").text == "kept Globals"
    assert client.get("/touched").text == "kept Globals"
    assert len(made) == 2


def _as_async(view: Any) -> Any:
    async def wrapped() -> str:
        return str(view())

    wrapped.__name__ = view.__name__
    return wrapped
