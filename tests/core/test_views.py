"""Class-based views: View, MethodView, and async handlers under both protocols."""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any
from typing import ClassVar

import pytest

from hipflask import Hipflask
from hipflask import request
from hipflask.views import MethodView
from hipflask.views import View
from hipflask.views import http_method_funcs


def _running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


# -- View ------------------------------------------------------------------------------


class Greeting(View):
    """Greets by name."""

    def __init__(self, greeting: str, punctuation: str = "!") -> None:
        self.greeting = greeting
        self.punctuation = punctuation

    def dispatch_request(self, name: str) -> str:  # type: ignore[override]
        return f"{self.greeting}, {name}{self.punctuation}"


def test_view_dispatches_with_url_variables_and_class_arguments(client: Any, app: Hipflask) -> None:
    app.add_url_rule("/hello/<name>", view_func=Greeting.as_view("hello", "Hi", punctuation="?"))

    rv = client.get("/hello/Ada")

    assert rv.status_code == 200
    assert rv.data == b"Hi, Ada?"


def test_view_without_url_variables_has_flasks_override_signature(
    client: Any, app: Hipflask
) -> None:
    # Flask declares dispatch_request(self): a ported view taking no URL
    # variables must type-check as an override of it (mypy --strict reported
    # "incompatible with supertype" against a (self, **kwargs) base).
    class Home(View):
        def dispatch_request(self) -> str:
            return "home"

    app.add_url_rule("/", view_func=Home.as_view("home"))

    assert list(inspect.signature(View.dispatch_request).parameters) == ["self"]
    assert client.get("/").text == "home"


def test_as_view_function_carries_what_the_router_needs() -> None:
    class Submit(View):
        """Accepts submissions."""

        methods: ClassVar[list[str]] = ["POST"]
        provide_automatic_options = False

        def dispatch_request(self) -> str:  # type: ignore[override]
            return "ok"

    view: Any = Submit.as_view("submit")

    assert view.__name__ == "submit"
    assert view.__doc__ == "Accepts submissions."
    assert view.__module__ == __name__
    assert view.view_class is Submit
    assert view.methods == ["POST"]
    assert view.provide_automatic_options is False


def test_view_methods_restrict_the_route(client: Any, app: Hipflask) -> None:
    class Submit(View):
        methods: ClassVar[list[str]] = ["POST"]

        def dispatch_request(self) -> str:  # type: ignore[override]
            return request.method

    app.add_url_rule("/submit", view_func=Submit.as_view("submit"))

    assert client.post("/submit").data == b"POST"
    assert client.get("/submit").status_code == 405


def test_view_without_methods_accepts_get_only(client: Any, app: Hipflask) -> None:
    app.add_url_rule("/hello/<name>", view_func=Greeting.as_view("hello", "Hello"))

    assert client.get("/hello/Bo").status_code == 200
    assert client.post("/hello/Bo").status_code == 405


def test_provide_automatic_options_false_turns_off_options(client: Any, app: Hipflask) -> None:
    class NoOptions(View):
        provide_automatic_options = False

        def dispatch_request(self) -> str:  # type: ignore[override]
            return "ok"

    app.add_url_rule("/plain", view_func=Greeting.as_view("plain", "Hi"), defaults={"name": "x"})
    app.add_url_rule("/strict", view_func=NoOptions.as_view("strict"))

    assert client.options("/plain").status_code == 200
    assert client.options("/strict").status_code == 405


def test_a_new_instance_serves_each_request(client: Any, app: Hipflask) -> None:
    instances: list[View] = []

    class Counter(View):
        def __init__(self) -> None:
            instances.append(self)
            self.hits = 0

        def dispatch_request(self) -> str:  # type: ignore[override]
            self.hits += 1
            return str(self.hits)

    app.add_url_rule("/count", view_func=Counter.as_view("count"))

    assert [client.get("/count").data for _ in range(3)] == [b"1", b"1", b"1"]
    assert len(instances) == 3


def test_init_every_request_false_shares_one_instance(client: Any, app: Hipflask) -> None:
    instances: list[View] = []

    class Shared(View):
        init_every_request = False

        def __init__(self) -> None:
            instances.append(self)
            self.hits = 0

        def dispatch_request(self) -> str:  # type: ignore[override]
            self.hits += 1
            return str(self.hits)

    view = Shared.as_view("shared")
    assert len(instances) == 1
    app.add_url_rule("/shared", view_func=view)

    assert [client.get("/shared").data for _ in range(3)] == [b"1", b"2", b"3"]
    assert len(instances) == 1


def test_decorators_wrap_the_view_in_order_and_see_its_name(client: Any, app: Hipflask) -> None:
    seen_names: list[str] = []

    def tag(label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            seen_names.append(view.__name__)

            @functools.wraps(view)
            def wrapper(**kwargs: Any) -> str:
                return f"{label}({view(**kwargs)})"

            return wrapper

        return decorator

    class Decorated(View):
        decorators: ClassVar[list[Callable[..., Any]]] = [tag("inner"), tag("outer")]

        def dispatch_request(self) -> str:  # type: ignore[override]
            return "view"

    view: Any = Decorated.as_view("decorated")
    app.add_url_rule("/decorated", view_func=view)

    assert client.get("/decorated").data == b"outer(inner(view))"
    assert seen_names == ["decorated", "decorated"]
    assert view.view_class is Decorated


def test_decorator_can_refuse_the_request(client: Any, app: Hipflask) -> None:
    def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            if request.headers.get("Authorization") != "Bearer ok":
                return "login required", 401
            return view(**kwargs)

        return wrapper

    class Secret(View):
        decorators: ClassVar[list[Callable[..., Any]]] = [login_required]

        def dispatch_request(self) -> str:  # type: ignore[override]
            return "secret"

    app.add_url_rule("/secret", view_func=Secret.as_view("secret"))

    assert client.get("/secret").status_code == 401
    assert client.get("/secret", headers={"Authorization": "Bearer ok"}).data == b"secret"


def test_view_without_dispatch_request_says_what_is_missing(app: Hipflask) -> None:
    class Empty(View):
        pass

    view = Empty.as_view("empty")

    with app.test_request_context("/"), pytest.raises(NotImplementedError, match="Empty"):
        view()


# -- MethodView ---------------------------------------------------------------------------


class ItemAPI(MethodView):
    def get(self, item_id: int) -> dict[str, Any]:
        return {"id": item_id, "method": request.method}

    def put(self, item_id: int) -> dict[str, Any]:
        return {"id": item_id, "replaced": request.get_json()}

    def delete(self, item_id: int) -> tuple[str, int]:
        return "", 204


def test_method_view_dispatches_by_http_method(client: Any, app: Hipflask) -> None:
    app.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item"))

    assert client.get("/items/3").get_json() == {"id": 3, "method": "GET"}
    assert client.put("/items/3", json={"name": "x"}).get_json() == {
        "id": 3,
        "replaced": {"name": "x"},
    }
    assert client.delete("/items/3").status_code == 204


def test_method_view_methods_come_from_its_handlers() -> None:
    assert ItemAPI.methods == {"GET", "PUT", "DELETE"}


def test_method_view_refuses_undefined_methods_with_405(client: Any, app: Hipflask) -> None:
    app.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item"))

    rv = client.post("/items/3")

    assert rv.status_code == 405
    assert set(rv.allow) >= {"GET", "PUT", "DELETE"}


def test_head_falls_back_to_get(client: Any, app: Hipflask) -> None:
    app.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item"))

    rv = client.head("/items/3")

    assert rv.status_code == 200
    assert rv.data == b""
    assert rv.mimetype == "application/json"


def test_subclass_inherits_and_extends_methods(client: Any, app: Hipflask) -> None:
    class Base(MethodView):
        def get(self) -> str:
            return "get"

    class Child(Base):
        def post(self) -> str:
            return "post"

    app.add_url_rule("/child", view_func=Child.as_view("child"))

    assert Base.methods == {"GET"}
    assert Child.methods == {"GET", "POST"}
    assert client.get("/child").data == b"get"
    assert client.post("/child").data == b"post"


def test_methods_of_a_mixin_base_count(client: Any, app: Hipflask) -> None:
    class DeleteMixin:
        def delete(self) -> str:
            return "deleted"

    class Resource(DeleteMixin, MethodView):
        def get(self) -> str:
            return "got"

    app.add_url_rule("/resource", view_func=Resource.as_view("resource"))

    assert Resource.methods == {"GET", "DELETE"}
    assert client.delete("/resource").data == b"deleted"


def test_explicit_methods_are_kept() -> None:
    class ReadOnly(MethodView):
        methods: ClassVar[list[str]] = ["GET"]

        def get(self) -> str:
            return "read"

        def delete(self) -> str:
            return "never routed"

    assert ReadOnly.methods == ["GET"]


def test_route_method_without_a_handler_is_405_not_500(client: Any, app: Hipflask) -> None:
    class OnlyGet(MethodView):
        def get(self) -> str:
            return "got"

    app.add_url_rule("/only", view_func=OnlyGet.as_view("only"), methods=["GET", "PATCH"])

    rv = client.patch("/only")

    assert rv.status_code == 405
    assert "GET" in rv.allow


def test_allow_names_what_both_the_route_and_the_class_accept(client: Any, app: Hipflask) -> None:
    class GetAndPost(MethodView):
        def get(self) -> str:
            return "got"

        def post(self) -> str:
            return "posted"

    app.add_url_rule("/item", view_func=GetAndPost.as_view("item"), methods=["GET", "PUT"])

    rv = client.put("/item")

    assert rv.status_code == 405
    assert "GET" in rv.allow
    assert "POST" not in rv.allow
    assert "PUT" not in rv.allow


def test_defined_options_handler_replaces_the_automatic_answer(client: Any, app: Hipflask) -> None:
    class WithOptions(MethodView):
        def get(self) -> str:
            return "got"

        def options(self) -> tuple[str, int, dict[str, str]]:
            return "", 204, {"Allow": "GET, OPTIONS", "X-Custom": "yes"}

    app.add_url_rule("/opts", view_func=WithOptions.as_view("opts"))

    rv = client.options("/opts")

    assert rv.status_code == 204
    assert rv.headers["X-Custom"] == "yes"


def test_http_method_funcs_lists_the_dispatched_names() -> None:
    assert {"get", "post", "put", "patch", "delete", "head", "options", "trace"} == set(
        http_method_funcs
    )


# -- async ---------------------------------------------------------------------------------


def test_sync_view_class_produces_a_plain_function() -> None:
    assert not ItemAPI.is_async
    assert not inspect.iscoroutinefunction(ItemAPI.as_view("items"))
    assert not Greeting.is_async


def test_async_dispatch_request_makes_an_async_view(client: Any, app: Hipflask) -> None:
    class Slow(View):
        async def dispatch_request(self, name: str) -> str:  # type: ignore[override]
            await asyncio.sleep(0)
            return f"hello {name}"

    view = Slow.as_view("slow")
    app.add_url_rule("/slow/<name>", view_func=view)

    assert Slow.is_async
    assert inspect.iscoroutinefunction(view)
    assert client.get("/slow/async").data == b"hello async"


def test_async_method_view_runs_under_both_protocols(client: Any, app: Hipflask) -> None:
    class Feed(MethodView):
        async def get(self) -> dict[str, bool]:
            await asyncio.sleep(0)
            return {"on_loop": _running_loop()}

        async def post(self) -> tuple[dict[str, Any], int]:
            return {"received": request.get_json()}, 201

    app.add_url_rule("/feed", view_func=Feed.as_view("feed"))

    assert Feed.is_async
    assert client.get("/feed").get_json() == {"on_loop": True}
    rv = client.post("/feed", json={"n": 1})
    assert rv.status_code == 201
    assert rv.get_json() == {"received": {"n": 1}}


def test_async_head_falls_back_to_async_get(client: Any, app: Hipflask) -> None:
    class Feed(MethodView):
        async def get(self) -> str:
            return "feed"

    app.add_url_rule("/feed", view_func=Feed.as_view("feed"))

    rv = client.head("/feed")

    assert rv.status_code == 200
    assert rv.data == b""


def test_sync_handler_of_a_mixed_class_runs_off_the_event_loop(client: Any, app: Hipflask) -> None:
    class Mixed(MethodView):
        async def get(self) -> dict[str, Any]:
            return {"on_loop": _running_loop()}

        def post(self) -> dict[str, Any]:
            # Blocking work here must not stall the event loop's other requests.
            return {
                "on_loop": _running_loop(),
                "thread": threading.current_thread().name,
                "path": request.path,
            }

    app.add_url_rule("/mixed", view_func=Mixed.as_view("mixed"))

    assert Mixed.is_async
    assert client.get("/mixed").get_json() == {"on_loop": True}
    posted = client.post("/mixed").get_json()
    assert posted["on_loop"] is False
    assert posted["thread"].startswith("hipflask-sync")
    assert posted["path"] == "/mixed"


def test_async_view_class_with_shared_instance(client: Any, app: Hipflask) -> None:
    class Shared(MethodView):
        init_every_request = False

        def __init__(self) -> None:
            self.hits = 0

        async def get(self) -> str:
            self.hits += 1
            return str(self.hits)

    app.add_url_rule("/shared", view_func=Shared.as_view("shared"))

    assert [client.get("/shared").data for _ in range(2)] == [b"1", b"2"]


def test_async_view_class_with_a_sync_decorator(client: Any, app: Hipflask) -> None:
    def add_header(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            return view(**kwargs)

        return wrapper

    class Feed(MethodView):
        decorators: ClassVar[list[Callable[..., Any]]] = [add_header]

        async def get(self) -> str:
            return "decorated async"

    app.add_url_rule("/feed", view_func=Feed.as_view("feed"))

    assert client.get("/feed").data == b"decorated async"


def test_is_async_set_in_the_class_body_is_kept() -> None:
    class Declared(View):
        is_async = True

        def dispatch_request(self) -> Any:  # type: ignore[override]
            return asyncio.sleep(0, result="done")

    assert Declared.is_async
    assert inspect.iscoroutinefunction(Declared.as_view("declared"))


def test_replacing_view_class_after_as_view_is_obeyed(client: Any, app: Hipflask) -> None:
    # As in Flask, the class is looked up on the view function per request,
    # so a test can put a fake view in place; a decorated view too.
    def tagged(view: Any) -> Any:
        def wrapper(**kwargs: Any) -> Any:
            return view(**kwargs)

        return wrapper

    class Real(View):
        def dispatch_request(self) -> str:
            return "real"

    class Decorated(Real):
        decorators: ClassVar[list[Any]] = [tagged]

    class Fake(View):
        def dispatch_request(self) -> str:
            return "fake"

    plain = Real.as_view("plain")
    decorated = Decorated.as_view("decorated")
    app.add_url_rule("/plain", view_func=plain)
    app.add_url_rule("/decorated", view_func=decorated)
    plain.view_class = Fake  # type: ignore[attr-defined]
    decorated.view_class = Fake  # type: ignore[attr-defined]

    assert client.get("/plain").get_data(as_text=True) == "fake"
    assert client.get("/decorated").get_data(as_text=True) == "fake"
