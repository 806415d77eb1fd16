"""Which limits an exempt view counts: its own ``@limiter.limit`` no more, as in Flask-Limiter.

Every case gives the limits different sizes (the view's own 2, a
blueprint's 3, the defaults 4, the application's 6 per minute), so the
number of requests let through says which one counted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask.limiter import ExemptionScope
from hipflask.limiter import Limiter
from hipflask.limiter.util import get_remote_address
from hipflask.restful import Api
from hipflask.restful import Resource
from hipflask.views import MethodView

#: More than any limit here: "every request let through".
UNLIMITED = 9
OWN, BLUEPRINT, DEFAULT, APPLICATION = 2, 3, 4, 6


def let_through(client: Any, path: str) -> int:
    """How many requests in a row pass before the first 429 (UNLIMITED: none is refused)."""
    for count in range(UNLIMITED):
        if client.get(path).status_code == 429:
            return count
    return UNLIMITED


def limiter_for(app: Hipflask) -> Limiter:
    return Limiter(
        get_remote_address,
        app=app,
        default_limits=[f"{DEFAULT}/minute"],
        application_limits=[f"{APPLICATION}/minute"],
    )


def exemption(limiter: Limiter, flags: ExemptionScope | None) -> Callable[[Any], Any]:
    """``@limiter.exempt`` as written bare, or with ``flags``."""
    return limiter.exempt if flags is None else limiter.exempt(flags=flags)


#: Flags, and what an exempt view with a limit of its own counts in Flask-Limiter:
#: its own limit is dropped, whatever the flags, and the view then counts what a
#: view without limits counts, less what the flags lift.
FLAGS = [
    pytest.param(None, UNLIMITED, id="bare"),
    pytest.param(ExemptionScope.DEFAULT, APPLICATION, id="DEFAULT"),
    pytest.param(ExemptionScope.APPLICATION, DEFAULT, id="APPLICATION"),
    pytest.param(ExemptionScope.META, DEFAULT, id="META"),
    pytest.param(ExemptionScope.DEFAULT | ExemptionScope.APPLICATION, UNLIMITED, id="both"),
    pytest.param(ExemptionScope.DESCENDENTS, DEFAULT, id="DESCENDENTS"),
    pytest.param(ExemptionScope.NONE, OWN, id="NONE"),
]


@pytest.mark.parametrize(("flags", "expected"), FLAGS)
@pytest.mark.parametrize("exempt_above", [True, False], ids=["exempt-above", "limit-above"])
def test_an_exempt_view_drops_its_own_limit(
    app: Hipflask, client: Any, flags: ExemptionScope | None, expected: int, exempt_above: bool
) -> None:
    limiter = limiter_for(app)
    exempt = exemption(limiter, flags)
    limit = limiter.limit(f"{OWN}/minute")

    def view() -> str:
        return "ok"

    app.add_url_rule("/", "view", exempt(limit(view)) if exempt_above else limit(exempt(view)))

    assert let_through(client, "/") == expected


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        pytest.param(None, UNLIMITED, id="bare"),
        pytest.param(ExemptionScope.DEFAULT, UNLIMITED, id="DEFAULT"),
        pytest.param(ExemptionScope.META, DEFAULT, id="META"),
    ],
)
def test_an_exempt_view_drops_its_shared_limit(
    app: Hipflask, client: Any, flags: ExemptionScope | None, expected: int
) -> None:
    # No application limits: the view sharing the budget is not refused by them.
    limiter = Limiter(get_remote_address, app=app, default_limits=[f"{DEFAULT}/minute"])

    @app.get("/")
    @exemption(limiter, flags)
    @limiter.shared_limit(f"{OWN}/minute", scope="shared")
    def view() -> str:
        return "ok"

    @app.get("/other")
    @limiter.shared_limit(f"{OWN}/minute", scope="shared")
    def other() -> str:
        return "ok"

    assert let_through(client, "/") == expected
    # The exempt view spent nothing of the budget it shares.
    assert let_through(client, "/other") == OWN


@pytest.mark.parametrize("when", ["after-registration", "after-a-request"])
def test_an_exemption_declared_later_drops_the_limit_from_then_on(
    app: Hipflask, client: Any, when: str
) -> None:
    limiter = limiter_for(app)

    @limiter.limit(f"{OWN}/minute")
    def view() -> str:
        return "ok"

    app.add_url_rule("/", "view", view)
    spent = 0
    if when == "after-a-request":
        assert client.get("/").status_code == 200
        spent = 1
    limiter.exempt(view, flags=ExemptionScope.APPLICATION)

    # The defaults count in its place; the first request was the view's own.
    assert spent + let_through(client, "/") == spent + DEFAULT


@pytest.mark.parametrize(("flags", "expected"), FLAGS)
def test_an_exempt_view_in_a_limited_blueprint_counts_the_blueprints_limit(
    app: Hipflask, client: Any, flags: ExemptionScope | None, expected: int
) -> None:
    limiter = limiter_for(app)
    bp = Blueprint("api", __name__)

    @bp.get("/")
    @exemption(limiter, flags)
    @limiter.limit(f"{OWN}/minute")
    def view() -> str:
        return "ok"

    limiter.limit(f"{BLUEPRINT}/minute")(bp)
    app.register_blueprint(bp)

    # A view's exemption never lifts its blueprint's limits, which stand in
    # for the dropped one as they do for a view without limits.
    assert let_through(client, "/") == (OWN if flags == ExemptionScope.NONE else BLUEPRINT)


def test_an_exempt_class_view_drops_the_limits_in_its_decorators(
    app: Hipflask, client: Any
) -> None:
    limiter = limiter_for(app)

    class Items(MethodView):
        decorators = [  # noqa: RUF012
            limiter.exempt(flags=ExemptionScope.DEFAULT),
            limiter.limit(f"{OWN}/minute"),
        ]

        def get(self) -> str:
            return "ok"

    app.add_url_rule("/", view_func=Items.as_view("items"))

    assert let_through(client, "/") == APPLICATION


def test_limits_in_helpers_and_blocks_of_an_exempt_view_still_count(
    app: Hipflask, client: Any
) -> None:
    # Only what is written on the view itself is dropped, as in Flask-Limiter.
    limiter = limiter_for(app)

    @limiter.limit(f"{OWN}/minute")
    def helper() -> str:
        return "ok"

    @app.get("/helper")
    @limiter.exempt
    def uses_helper() -> str:
        return helper()

    @app.get("/block")
    @limiter.exempt
    def uses_block() -> str:
        with limiter.limit(f"{BLUEPRINT}/minute"):
            return "ok"

    assert let_through(client, "/helper") == OWN
    assert let_through(client, "/block") == BLUEPRINT


def test_limits_for_lists_no_route_limit_for_an_exempt_view(app: Hipflask) -> None:
    limiter = limiter_for(app)

    @app.get("/")
    @limiter.exempt(flags=ExemptionScope.APPLICATION)
    @limiter.limit(f"{OWN}/minute")
    def view() -> str:
        return "ok"

    with app.app_context():
        kinds = [kind for kind, _limit, _scope in limiter.limits_for("view")]

    assert kinds == ["default"]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        pytest.param(None, DEFAULT, id="bare"),
        pytest.param(ExemptionScope.DEFAULT, DEFAULT, id="DEFAULT"),
        pytest.param(ExemptionScope.APPLICATION, DEFAULT, id="APPLICATION"),
        pytest.param(ExemptionScope.NONE, OWN, id="NONE"),
    ],
)
@pytest.mark.parametrize("exempt_above", [True, False], ids=["exempt-above", "limit-above"])
def test_an_exempt_method_drops_its_own_limit_and_lifts_nothing_else(
    app: Hipflask, client: Any, flags: ExemptionScope | None, expected: int, exempt_above: bool
) -> None:
    # As in Flask-Limiter: the method's limit is gone, and the defaults count
    # in its place whatever the flags, which belong to views and blueprints.
    limiter = limiter_for(app)
    exempt = exemption(limiter, flags)
    limit = limiter.limit(f"{OWN}/minute")

    def get(self: Any) -> str:
        return "ok"

    handler = exempt(limit(get)) if exempt_above else limit(exempt(get))
    items = type("Items", (MethodView,), {"get": handler})
    app.add_url_rule("/", view_func=items.as_view("items"))

    assert let_through(client, "/") == expected


def test_a_method_exempted_after_a_request_drops_its_limit_from_then_on(
    app: Hipflask, client: Any
) -> None:
    limiter = limiter_for(app)

    class Items(MethodView):
        @limiter.limit(f"{OWN}/minute")
        def get(self) -> str:
            return "ok"

    app.add_url_rule("/", view_func=Items.as_view("items"))
    assert client.get("/").status_code == 200
    limiter.exempt(Items.get)

    assert let_through(client, "/") == DEFAULT


def test_an_exempt_resource_method_drops_the_limits_of_its_method_decorators(
    app: Hipflask, client: Any
) -> None:
    # No application limits: the two resources' requests do not share a budget.
    limiter = Limiter(get_remote_address, app=app, default_limits=[f"{DEFAULT}/minute"])

    class Exempt(Resource):
        method_decorators = [limiter.limit(f"{OWN}/minute")]  # noqa: RUF012

        @limiter.exempt
        def get(self) -> dict[str, int]:
            return {"ok": 1}

    class Limited(Resource):
        method_decorators = [limiter.limit(f"{OWN}/minute")]  # noqa: RUF012

        def get(self) -> dict[str, int]:
            return {"ok": 1}

    api = Api(app)
    api.add_resource(Exempt, "/exempt")
    api.add_resource(Limited, "/limited")

    assert let_through(client, "/limited") == OWN
    assert let_through(client, "/exempt") == DEFAULT
