"""RouteLimit built directly, with Flask-Limiter's constructor."""

from __future__ import annotations

from typing import Any

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import request
from hipflask.limiter import Limiter
from hipflask.limiter import RouteLimit
from hipflask.limiter.util import get_remote_address


def statuses(client: Any, path: str, count: int, **kwargs: Any) -> list[int]:
    return [client.get(path, **kwargs).status_code for _ in range(count)]


def test_route_limit_decorates_a_view_and_keeps_the_defaults_beside_it(
    app: Hipflask, client: Any
) -> None:
    limiter = Limiter(get_remote_address, app=app, default_limits=["3 per minute"])

    @app.get("/tight")
    @RouteLimit("1 per minute", limiter=limiter)
    def tight() -> str:
        return "ok"

    @app.get("/loose")
    @RouteLimit("10 per minute", limiter=limiter)
    def loose() -> str:
        return "ok"

    assert statuses(client, "/tight", 2) == [200, 429]
    # Flask-Limiter's RouteLimit does not override the defaults unless told.
    assert statuses(client, "/loose", 4) == [200, 200, 200, 429]


def test_route_limit_takes_flask_limiters_options(app: Hipflask, client: Any) -> None:
    limiter = Limiter(get_remote_address, app=app, default_limits=["1 per minute"])

    @app.get("/keyed")
    @RouteLimit(
        "2 per minute",
        limiter=limiter,
        key_function=lambda: request.headers.get("X-Api-Key", ""),
        override_defaults=True,
        error_message="slow down",
        exempt_when=lambda: request.headers.get("X-Internal") == "1",
    )
    def keyed() -> str:
        return "ok"

    assert statuses(client, "/keyed", 3, headers={"X-Api-Key": "a"}) == [200, 200, 429]
    assert statuses(client, "/keyed", 2, headers={"X-Api-Key": "b"}) == [200, 200]
    internal = {"X-Api-Key": "a", "X-Internal": "1"}
    assert statuses(client, "/keyed", 2, headers=internal) == [200, 200]
    refused = client.get("/keyed", headers={"X-Api-Key": "a"})
    assert b"slow down" in refused.data


def test_a_shared_route_limit_is_one_budget_for_a_blueprints_views(
    app: Hipflask, client: Any
) -> None:
    limiter = Limiter(get_remote_address, app=app)
    api = Blueprint("api", __name__, url_prefix="/api")
    RouteLimit("2 per minute", limiter=limiter, shared=True, scope="api", cost=1)(api)

    @api.get("/a")
    def a() -> str:
        return "a"

    @api.get("/b")
    def b() -> str:
        return "b"

    app.register_blueprint(api)
    assert [client.get(path).status_code for path in ("/api/a", "/api/b", "/api/a")] == [
        200,
        200,
        429,
    ]


def test_route_limit_counts_a_with_block(app: Hipflask, client: Any) -> None:
    limiter = Limiter(get_remote_address, app=app)

    @app.get("/report")
    def report() -> str:
        with RouteLimit("1 per minute", limiter=limiter):
            return "built"

    assert statuses(client, "/report", 2) == [200, 429]
