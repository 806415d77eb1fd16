"""Application limits take Flask-Limiter's options: cost, exempt_when, deduct_when, per_method.

Each option works as a ``Limiter`` argument and as its ``RATELIMIT_APPLICATION_*``
setting, and ``ApplicationLimit``/``MetaLimit`` declare the same limits as
objects. The figures are what Flask-Limiter answers for the same app.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import SECRET

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import g
from hipflask import request
from hipflask.limiter import ApplicationLimit
from hipflask.limiter import Limiter
from hipflask.limiter import MetaLimit
from hipflask.limiter.util import get_remote_address
from hipflask.testing.client import HipflaskClient

Declare = Callable[[Hipflask, dict[str, Any]], Limiter]


def by_argument(app: Hipflask, options: dict[str, Any]) -> Limiter:
    arguments = {f"application_limits_{name}": value for name, value in options.items()}
    return Limiter(get_remote_address, app=app, **arguments)


def by_setting(app: Hipflask, options: dict[str, Any]) -> Limiter:
    for name, value in options.items():
        app.config[f"RATELIMIT_APPLICATION_{name.upper()}"] = value
    return Limiter(get_remote_address, app=app)


@pytest.fixture(params=[by_argument, by_setting], ids=["argument", "setting"])
def declare(request: pytest.FixtureRequest) -> Declare:
    return request.param  # type: ignore[no-any-return]


def routes(app: Hipflask, limit: str) -> None:
    app.config["RATELIMIT_APPLICATION"] = limit

    @app.route("/", methods=["GET", "POST"])
    def index() -> str:
        return "index"

    @app.get("/fail")
    def fail() -> tuple[str, int]:
        return "failed", 500


def test_cost_counts_each_request_that_many_times(
    app: Hipflask, client: HipflaskClient, declare: Declare
) -> None:
    routes(app, "3/minute")
    declare(app, {"cost": 2})
    assert [client.get("/").status_code for _ in range(3)] == [200, 429, 429]


def test_a_cost_of_zero_counts_as_one(
    app: Hipflask, client: HipflaskClient, declare: Declare
) -> None:
    routes(app, "1/minute")
    declare(app, {"cost": 0})
    assert [client.get("/").status_code for _ in range(2)] == [200, 429]


@pytest.mark.parametrize("limits", ["application_limits", "default_limits"])
def test_a_zero_cost_argument_gives_way_to_the_setting(
    app: Hipflask, client: HipflaskClient, limits: str
) -> None:
    # Flask-Limiter reads ``argument or setting``: 0 is no argument there.
    @app.get("/")
    def index() -> str:
        return "index"

    app.config["RATELIMIT_APPLICATION_COST"] = 2
    app.config["RATELIMIT_DEFAULTS_COST"] = 2
    cost = "application_limits_cost" if limits == "application_limits" else "default_limits_cost"
    options: dict[str, Any] = {limits: ["3/minute"], cost: 0}
    Limiter(get_remote_address, app=app, **options)
    assert [client.get("/").status_code for _ in range(2)] == [200, 429]


def test_exempt_when_lifts_the_application_limits(
    app: Hipflask, client: HipflaskClient, declare: Declare
) -> None:
    routes(app, "1/minute")
    exempt = {"on": True}
    declare(app, {"exempt_when": lambda: exempt["on"]})
    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 200]
    exempt["on"] = False
    assert [client.get("/").status_code for _ in range(2)] == [200, 429]


def test_deduct_when_counts_only_the_responses_it_picks(
    app: Hipflask, client: HipflaskClient, declare: Declare
) -> None:
    routes(app, "2/minute")
    declare(app, {"deduct_when": lambda response: response.status_code >= 500})
    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 200]
    assert [client.get("/fail").status_code for _ in range(3)] == [500, 500, 429]


def test_per_method_counts_each_method_apart(
    app: Hipflask, client: HipflaskClient, declare: Declare
) -> None:
    routes(app, "1/minute")
    declare(app, {"per_method": True})
    assert [client.get("/").status_code, client.post("/").status_code] == [200, 200]
    assert [client.get("/").status_code, client.post("/").status_code] == [429, 429]


def test_the_application_limit_is_one_budget_for_every_route(
    app: Hipflask, client: HipflaskClient
) -> None:
    routes(app, "2/minute")
    Limiter(get_remote_address, app=app)
    assert [client.get("/").status_code, client.get("/fail").status_code] == [200, 500]
    assert client.get("/").status_code == 429


def test_application_limit_objects(app: Hipflask, client: HipflaskClient) -> None:
    declared = ApplicationLimit("2/minute", cost=lambda: 2 if request.args.get("heavy") else 1)
    assert (declared.scope, declared.shared) == ("global", True)

    @app.get("/")
    def index() -> str:
        return "index"

    Limiter(get_remote_address, app=app, application_limits=[declared])
    assert client.get("/?heavy=1").status_code == 200
    assert client.get("/").status_code == 429


def test_meta_limit_objects(app: Hipflask, client: HipflaskClient) -> None:
    meta = MetaLimit("1/hour")
    assert (meta.scope, meta.shared) == ("meta", True)

    @app.get("/")
    def index() -> str:
        return "index"

    limiter = Limiter(get_remote_address, app=app, default_limits=["1/minute"], meta_limits=[meta])
    assert [client.get("/").status_code for _ in range(2)] == [200, 429]
    limiter.reset()


def test_static_files_count_against_no_limit(tmp_path: Path, protocol: str) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "site.css").write_text("body {}")
    app = Hipflask("static_limits", root_path=str(tmp_path))
    app.config["SECRET_KEY"] = SECRET
    bp = Blueprint("theme", __name__, static_folder=str(tmp_path / "static"), url_prefix="/t")
    app.register_blueprint(bp)

    @app.get("/")
    def index() -> str:
        return "index"

    Limiter(
        get_remote_address, app=app, default_limits=["1/minute"], application_limits=["3/minute"]
    )
    own = app.test_client(protocol=protocol)
    statuses = [own.get("/static/site.css").status_code for _ in range(3)]
    statuses += [own.get("/t/static/site.css").status_code for _ in range(3)]
    assert statuses == [200] * 6
    assert [own.get("/").status_code for _ in range(2)] == [200, 429]


def test_limit_objects_refuse_arguments_in_flask_limiters_other_positions() -> None:
    with pytest.raises(TypeError):
        ApplicationLimit("1/minute", None, 1, None, False, None, lambda: True)  # type: ignore[misc]
    on_breach = MetaLimit("1/hour", 1, None, False, None, None, print)
    assert on_breach.on_breach is print
    assert on_breach.deduct_when is None


def test_a_deferred_deduction_asks_a_callable_cost_after_the_view(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.get("/")
    def index() -> str:
        g.cost = 3
        return "index"

    Limiter(
        get_remote_address,
        app=app,
        application_limits=["5/minute"],
        application_limits_deduct_when=lambda response: True,
        application_limits_cost=lambda: g.get("cost", 1),
    )
    remaining = [client.get("/").headers.get("X-RateLimit-Remaining") for _ in range(2)]
    assert remaining == ["2", "0"]
    assert client.get("/").status_code == 429


def test_a_callable_scope_of_an_application_limit_gets_the_endpoint(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.get("/a")
    def a() -> str:
        return "a"

    @app.get("/b")
    def b() -> str:
        return "b"

    seen: list[str] = []

    def scope(endpoint: str) -> str:
        seen.append(endpoint)
        return f"s-{endpoint}"

    Limiter(
        get_remote_address, app=app, application_limits=[ApplicationLimit("1/minute", scope=scope)]
    )
    assert [client.get("/a").status_code, client.get("/b").status_code] == [200, 200]
    assert client.get("/a").status_code == 429
    assert seen[:2] == ["a", "b"]
