"""Limits written on a class-based view's methods, or in a view's helpers, replace the defaults."""

from __future__ import annotations

from typing import Any
from typing import ClassVar

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask.limiter import ExemptionScope
from hipflask.limiter import Limiter
from hipflask.restful import Api
from hipflask.restful import Resource
from hipflask.views import MethodView
from hipflask.views import View


def statuses(client: Any, path: str, count: int, method: str = "GET") -> list[int]:
    return [client.open(path, method=method).status_code for _ in range(count)]


def test_a_limit_on_a_method_view_s_get_replaces_the_defaults(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["2 per minute"])

    class Items(MethodView):
        @limiter.limit("5 per minute")
        def get(self) -> str:
            return "items"

    app.add_url_rule("/items", view_func=Items.as_view("items"))

    @app.get("/other")
    def other() -> str:
        return "other"

    first = client.get("/items")
    assert (first.headers["X-RateLimit-Limit"], first.headers["X-RateLimit-Remaining"]) == (
        "5",
        "4",
    )
    assert statuses(client, "/items", 5) == [200, 200, 200, 200, 429]
    assert statuses(client, "/other", 3) == [200, 200, 429]


def test_a_method_without_limits_of_its_own_keeps_the_defaults(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["2 per minute"])

    class Items(MethodView):
        @limiter.limit("5 per minute")
        def get(self) -> str:
            return "items"

        def post(self) -> str:
            return "added"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    assert statuses(client, "/items", 3) == [200, 200, 200]
    # Flask-Limiter stops counting the defaults for every method once a GET
    # met get's limit; here a POST, which has no limit, keeps them.
    assert statuses(client, "/items", 3, method="POST") == [200, 200, 429]


def test_override_defaults_false_on_a_method_keeps_the_defaults_once(
    app: Hipflask, client: Any
) -> None:
    limiter = Limiter(app, default_limits=["2 per minute"])

    class Items(MethodView):
        @limiter.limit("5 per minute", override_defaults=False)
        def dispatch_request(self, **kwargs: Any) -> Any:
            return super().dispatch_request(**kwargs)

        @limiter.limit("5 per minute", override_defaults=False)
        def get(self) -> str:
            return "items"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    assert statuses(client, "/items", 3) == [200, 200, 429]


def test_a_limit_on_dispatch_request_replaces_the_defaults(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["1 per minute"])

    class Report(View):
        methods: ClassVar[list[str]] = ["GET", "POST"]

        @limiter.limit("3 per minute")
        def dispatch_request(self) -> str:
            return "report"

    app.add_url_rule("/report", view_func=Report.as_view("report"))
    assert statuses(client, "/report", 2) == [200, 200]
    assert statuses(client, "/report", 2, method="POST") == [200, 429]


def test_a_resource_s_method_decorators_replace_the_defaults(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["2 per minute"])
    api = Api(app)

    class Everything(Resource):
        method_decorators: ClassVar[list[Any]] = [limiter.limit("4 per minute")]

        def get(self) -> dict[str, str]:
            return {"all": "yes"}

    class Some(Resource):
        method_decorators: ClassVar[dict[str, list[Any]]] = {"get": [limiter.limit("4/minute")]}

        def get(self) -> dict[str, str]:
            return {"some": "yes"}

        def post(self) -> dict[str, str]:
            return {"some": "added"}

    api.add_resource(Everything, "/everything")
    api.add_resource(Some, "/some")
    assert statuses(client, "/everything", 5) == [200, 200, 200, 200, 429]
    assert statuses(client, "/some", 3) == [200, 200, 200]
    assert statuses(client, "/some", 3, method="POST") == [200, 200, 429]


def test_a_method_s_limit_replaces_its_blueprint_s_limits(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["1 per minute"])
    bp = Blueprint("api", __name__, url_prefix="/api")
    limiter.limit("2 per minute")(bp)

    class Items(MethodView):
        @limiter.limit("4 per minute")
        def get(self) -> str:
            return "items"

    bp.add_url_rule("/items", view_func=Items.as_view("items"))
    app.register_blueprint(bp)
    assert statuses(client, "/api/items", 5) == [200, 200, 200, 200, 429]
    with app.app_context():
        kinds = [
            (kind, str(limit.limit_provider)) for kind, limit, _ in limiter.limits_for("api.items")
        ]
    assert kinds == [("route", "4 per minute")]


def test_an_exempt_class_view_keeps_its_method_s_limit_only(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["1 per minute"])

    class Items(MethodView):
        decorators: ClassVar[list[Any]] = [limiter.exempt(flags=ExemptionScope.DEFAULT)]

        @limiter.limit("2 per minute", override_defaults=False)
        def get(self) -> str:
            return "items"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    assert statuses(client, "/items", 3) == [200, 200, 429]


def test_a_with_block_in_a_helper_replaces_the_defaults_from_the_next_request(
    app: Hipflask, client: Any
) -> None:
    limiter = Limiter(app, default_limits=["2 per minute"])

    def expensive() -> str:
        with limiter.limit("5 per minute"):
            return "expensive"

    @app.get("/search")
    def search() -> str:
        return expensive()

    async def expensive_async() -> str:
        async with limiter.limit("5 per minute"):
            return "expensive"

    @app.get("/search-async")
    async def search_async() -> str:
        return await expensive_async()

    # The first request counts the defaults too, as in Flask-Limiter: the
    # block is met only when the view runs.
    assert statuses(client, "/search", 6) == [200, 200, 200, 200, 200, 429]
    assert statuses(client, "/search-async", 6) == [200, 200, 200, 200, 200, 429]


def test_a_with_block_with_override_defaults_false_keeps_them(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["2 per minute"])

    def expensive() -> str:
        with limiter.limit("5 per minute", override_defaults=False):
            return "expensive"

    @app.get("/search")
    def search() -> str:
        return expensive()

    assert statuses(client, "/search", 3) == [200, 200, 429]


def test_a_limited_helper_replaces_the_defaults_from_the_next_request(
    app: Hipflask, client: Any
) -> None:
    limiter = Limiter(app, default_limits=["2 per minute"])
    plan = {"limit": "5 per minute"}

    @limiter.limit(lambda: plan["limit"])
    def expensive() -> str:
        return "expensive"

    @app.get("/search")
    def search() -> str:
        return expensive()

    assert statuses(client, "/search", 2) == [200, 200]
    # A helper whose limit gives none for a request leaves the defaults to
    # count it, as in Flask-Limiter: the first request spent one of them.
    plan["limit"] = ""
    assert statuses(client, "/search", 2) == [200, 429]


def test_defaults_the_gate_counted_are_not_counted_again_in_the_same_request(
    app: Hipflask, client: Any
) -> None:
    limiter = Limiter(app, default_limits=["3 per minute"])

    @limiter.limit("100 per minute")
    def learns() -> str:
        return "learns"

    @limiter.limit(lambda: "")
    def gives_none() -> str:
        return "none"

    @app.get("/search")
    def search() -> str:
        # The first request: the gate counted the defaults, then the first
        # helper taught the endpoint to leave them to its limits, and the
        # second, giving none, must not count them a second time.
        return learns() + gives_none()

    # Flask-Limiter answers the same: each request spends one of the defaults.
    assert statuses(client, "/search", 4) == [200, 200, 200, 429]
