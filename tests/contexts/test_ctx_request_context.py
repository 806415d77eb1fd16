"""The request context: its app context, match_request, after_this_request and teardown."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound
from werkzeug.routing import RequestRedirect

from hipflask import Hipflask
from hipflask import Response
from hipflask import after_this_request
from hipflask import current_app
from hipflask import g
from hipflask import has_app_context
from hipflask import has_request_context
from hipflask import request
from hipflask.contexts.ctx import AppContext
from hipflask.contexts.ctx import RequestContext
from hipflask.contexts.globals import request_ctx
from hipflask.testing.client import HipflaskClient


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
