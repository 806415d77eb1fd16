"""``request_identifier``: the identity the limiter takes for the request's endpoint.

Budgets are named by it, and the view whose limits and exemptions apply is
the one it names, under both protocols. The figures are what Flask-Limiter
answers for the same app, except for an empty identity, which counts against
the application limits here and against none there (a deliberate difference,
documented with the porting notes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import request
from hipflask.limiter import ApplicationLimit
from hipflask.limiter import Limiter
from hipflask.limiter.util import get_remote_address
from hipflask.testing.client import HipflaskClient

Identifier = Callable[[], str]
Declare = Callable[..., Limiter]


def by_argument(app: Hipflask, identifier: Identifier | None, **options: Any) -> Limiter:
    return Limiter(get_remote_address, app=app, request_identifier=identifier, **options)


def by_setting(app: Hipflask, identifier: Identifier | None, **options: Any) -> Limiter:
    app.config["RATELIMIT_REQUEST_IDENTIFIER"] = identifier
    return Limiter(get_remote_address, app=app, **options)


@pytest.fixture(params=[by_argument, by_setting], ids=["argument", "setting"])
def declare(request: pytest.FixtureRequest) -> Declare:
    return request.param  # type: ignore[no-any-return]


def statuses(client: HipflaskClient, *paths: str) -> list[int]:
    return [client.get(path).status_code for path in paths]


def by_path() -> str:
    return request.path


def test_budgets_are_named_by_the_request_identity(
    app: Hipflask, client: HipflaskClient, declare: Declare
) -> None:
    @app.get("/items/<int:item>")
    def item(item: int) -> str:
        return "item"

    declare(app, by_path, default_limits=["1/minute"])
    # One budget per path, where the endpoint would give one for all.
    assert statuses(client, "/items/1", "/items/1", "/items/2") == [200, 429, 200]


def test_identify_request_returns_the_identity(
    app: Hipflask, client: HipflaskClient, declare: Declare
) -> None:
    limiter = declare(app, by_path)

    @app.get("/who/<name>")
    def who(name: str) -> str:
        return limiter.identify_request()

    assert client.get("/who/ann").text == "/who/ann"


def test_identify_request_is_the_endpoint_by_default_and_empty_when_disabled(
    app: Hipflask, client: HipflaskClient
) -> None:
    limiter = Limiter(get_remote_address, app=app)
    off = Limiter(get_remote_address, enabled=False)
    off.init_app(Hipflask("off"))

    @app.get("/who")
    def who() -> str:
        return f"{limiter.identify_request()}|{off.identify_request()}"

    assert client.get("/who").text == "who|"


def test_an_identity_naming_another_view_takes_its_exemption_and_limits(
    app: Hipflask, client: HipflaskClient
) -> None:
    names = {"/as-exempt": "exempt", "/as-limited": "limited"}
    limiter = Limiter(
        get_remote_address,
        app=app,
        default_limits=["1/minute"],
        request_identifier=lambda: names.get(request.path, request.endpoint or ""),
    )

    @app.get("/exempt")
    @limiter.exempt
    def exempt() -> str:
        return "exempt"

    @app.get("/limited")
    @limiter.limit("5/minute")
    def limited() -> str:
        return "limited"

    @app.get("/as-exempt")
    def as_exempt() -> str:
        return "as-exempt"

    @app.get("/as-limited")
    def as_limited() -> str:
        return "as-limited"

    # Lifted as the named view's are; and the named view's own limit replaces
    # the defaults, but is counted only where that view's function runs.
    assert statuses(client, "/as-exempt", "/as-exempt", "/as-exempt") == [200, 200, 200]
    assert statuses(client, "/as-limited", "/as-limited", "/as-limited") == [200, 200, 200]


def test_an_identity_naming_no_view_finds_no_exemption_and_keeps_the_defaults(
    app: Hipflask, client: HipflaskClient
) -> None:
    limiter = Limiter(
        get_remote_address,
        app=app,
        default_limits=["1/minute"],
        application_limits=["10/minute"],
        request_identifier=by_path,
    )

    @app.get("/exempt")
    @limiter.exempt
    def exempt() -> str:
        return "exempt"

    @app.get("/own")
    @limiter.limit("2/minute")
    def own() -> str:
        return "own"

    assert statuses(client, "/exempt", "/exempt") == [200, 429]
    own_limit = client.get("/own")
    assert own_limit.headers["X-RateLimit-Limit"] == "2"
    assert statuses(client, "/own") == [429]


def test_a_callable_scope_still_gets_the_endpoint(app: Hipflask, client: HipflaskClient) -> None:
    seen: list[str] = []

    def scope(endpoint: str) -> str:
        seen.append(endpoint)
        return "s"

    limiter = Limiter(get_remote_address, app=app, request_identifier=by_path)

    @app.get("/scoped/<int:n>")
    @limiter.limit("1/minute", scope=scope)
    def scoped(n: int) -> str:
        with limiter.limit("5/minute", scope=scope):
            return "scoped"

    assert statuses(client, "/scoped/1", "/scoped/2", "/scoped/1") == [200, 200, 429]
    # The view's limit and the block's alike.
    assert seen == ["scoped"] * 5


def test_an_empty_identity_counts_only_the_application_limits(
    app: Hipflask, client: HipflaskClient
) -> None:
    limiter = Limiter(
        get_remote_address,
        app=app,
        default_limits=["1/minute"],
        application_limits=[ApplicationLimit("3/minute")],
        request_identifier=lambda: "",
    )

    @app.get("/plain")
    def plain() -> str:
        return "plain"

    @app.get("/own")
    @limiter.limit("1/minute")
    def own() -> str:
        return "own"

    assert statuses(client, "/plain", "/plain", "/own", "/own") == [200, 200, 200, 429]
