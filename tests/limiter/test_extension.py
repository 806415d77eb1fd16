"""Limiter: view, blueprint, shared, method and default limits, enforced under both protocols."""

from __future__ import annotations

from typing import Any
from typing import ClassVar

from tests.limiter.limited_requests import statuses

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask.limiter import Limit
from hipflask.limiter import Limiter
from hipflask.limiter.util import get_remote_address


def test_an_app_without_a_limiter_registers_nothing(app: Hipflask) -> None:
    assert app.gate.is_simple


def test_the_older_form_with_the_app_first_limits_by_address(app: Hipflask, client: Any) -> None:
    Limiter(app, default_limits=["2 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    assert statuses(client, "/", 3) == [200, 200, 429]


def test_a_view_limit_overrides_the_defaults(app: Hipflask, client: Any) -> None:
    limiter = Limiter(get_remote_address, app=app, default_limits=["1 per minute"])

    @app.get("/login")
    @limiter.limit("3 per minute")
    def login() -> str:
        return "ok"

    assert statuses(client, "/login", 4) == [200, 200, 200, 429]


def test_exempt_views_and_blueprints_skip_the_defaults(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["1 per minute"])
    bp = Blueprint("health", __name__)

    @bp.get("/ping")
    def ping() -> str:
        return "pong"

    @app.get("/free")
    @limiter.exempt
    def free() -> str:
        return "ok"

    limiter.exempt(bp)
    app.register_blueprint(bp)
    assert statuses(client, "/free", 3) == [200, 200, 200]
    assert statuses(client, "/ping", 3) == [200, 200, 200]


def _two_view_blueprint() -> Blueprint:
    bp = Blueprint("api", __name__, url_prefix="/api")

    @bp.get("/a")
    def a() -> str:
        return "a"

    @bp.get("/b")
    def b() -> str:
        return "b"

    return bp


def test_a_blueprint_limit_applies_to_its_views(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)
    bp = _two_view_blueprint()
    limiter.limit("2 per minute")(bp)
    app.register_blueprint(bp)
    # Each view of the blueprint has its own budget, as in Flask-Limiter.
    paths = ("/api/a", "/api/b", "/api/a", "/api/b", "/api/a", "/api/b")
    assert [client.get(p).status_code for p in paths] == [200, 200, 200, 200, 429, 429]


def test_a_shared_blueprint_limit_is_one_budget(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)
    bp = _two_view_blueprint()
    limiter.shared_limit("2 per minute", scope="api")(bp)
    app.register_blueprint(bp)
    assert [client.get(p).status_code for p in ("/api/a", "/api/b", "/api/a")] == [200, 200, 429]


def test_a_limit_for_other_methods_leaves_the_defaults_on(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["3 per minute"])

    @app.route("/x", methods=["GET", "POST"])
    @limiter.limit("1 per minute", methods=["POST"])
    def x() -> str:
        return "x"

    # GET: the POST-only limit does not replace the defaults.
    assert statuses(client, "/x", 4) == [200, 200, 200, 429]
    # POST: the view's own limit, instead of the defaults.
    assert [client.post("/x").status_code for _ in range(2)] == [200, 429]


def test_a_head_request_counts_against_a_get_limit(app: Hipflask, client: Any) -> None:
    # HEAD runs the GET view and answers with its status: uncounted, it would
    # let a client guess a token in the URL (200 or 404) with no limit at all.
    limiter = Limiter(app)
    api = Blueprint("api", __name__)
    reports = Blueprint("reports", __name__)

    @app.get("/reset")
    @limiter.limit("2 per minute", methods=["GET"])
    def reset() -> str:
        return "ok"

    @reports.get("/r")
    def report() -> str:
        return "ok"

    limiter.limit("2 per minute", methods=["GET"])(api)
    api.register_blueprint(reports, url_prefix="/reports")
    app.register_blueprint(api, url_prefix="/api")

    for path in ("/reset", "/api/reports/r"):
        assert [client.head(path).status_code for _ in range(3)] == [200, 200, 429]
        assert client.get(path).status_code == 429


def test_per_method_gives_head_the_get_budget(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)

    @app.route("/items", methods=["GET", "POST"])
    @limiter.limit("2 per minute", per_method=True)
    def items() -> str:
        return "ok"

    assert [client.head("/items").status_code for _ in range(2)] == [200, 200]
    assert client.get("/items").status_code == 429
    # Other methods keep budgets of their own.
    assert client.post("/items").status_code == 200


def test_a_per_method_budget_is_keyed_by_scope_and_method_as_flask_limiter_keys_it(
    app: Hipflask, client: Any
) -> None:
    limiter = Limiter(app)

    @app.route("/items", methods=["GET", "POST"])
    @limiter.limit("2 per minute", per_method=True)
    def items() -> str:
        return limiter.current_limit.key  # type: ignore[union-attr]

    @app.post("/shared")
    @limiter.shared_limit("2 per minute", scope="writes", per_method=True)
    def shared() -> str:
        return limiter.current_limit.key  # type: ignore[union-attr]

    assert client.get("/items").text == "LIMITER/127.0.0.1/items:GET/2/1/minute"
    assert client.post("/items").text == "LIMITER/127.0.0.1/items:POST/2/1/minute"
    assert client.post("/shared").text == "LIMITER/127.0.0.1/writes:POST/2/1/minute"


def test_method_limit_beside_defaults_counts_them_once(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["3 per minute"])

    @app.route("/y", methods=["GET", "POST"])
    @limiter.limit("10 per minute", methods=["POST"], override_defaults=False)
    def y() -> str:
        return "y"

    assert statuses(client, "/y", 4) == [200, 200, 200, 429]


def test_a_shared_limit_is_one_budget_for_several_views(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)
    shared = limiter.shared_limit("2 per minute", scope="reads")

    @app.get("/a")
    @shared
    def a() -> str:
        return "a"

    @app.get("/b")
    @shared
    def b() -> str:
        return "b"

    assert [client.get(p).status_code for p in ("/a", "/b", "/a")] == [200, 200, 429]


def test_methods_exempt_when_and_key_func_are_honoured(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)

    @app.route("/form", methods=["GET", "POST"])
    @limiter.limit("1 per minute", methods=["POST"])
    def form() -> str:
        return "ok"

    @app.get("/vip")
    @limiter.limit("1 per minute", exempt_when=lambda: True)
    def vip() -> str:
        return "ok"

    @app.get("/keyed")
    @limiter.limit("1 per minute", key_func=lambda: "same-for-all")
    def keyed() -> str:
        return "ok"

    assert statuses(client, "/form", 3) == [200, 200, 200]
    assert [client.post("/form").status_code for _ in range(2)] == [200, 429]
    assert statuses(client, "/vip", 3) == [200, 200, 200]
    assert statuses(client, "/keyed", 2) == [200, 429]


def test_deduct_when_counts_only_the_responses_it_selects(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)

    @app.get("/login/<outcome>")
    @limiter.limit("2 per minute", deduct_when=lambda response: response.status_code == 401)
    def login(outcome: str) -> Any:
        return ("no", 401) if outcome == "bad" else "ok"

    assert statuses(client, "/login/good", 4) == [200, 200, 200, 200]
    assert [client.get("/login/bad").status_code for _ in range(3)] == [401, 401, 429]


def test_a_preflight_is_not_counted(app: Hipflask, client: Any) -> None:
    Limiter(app, default_limits=["1 per minute"])

    @app.route("/api", methods=["GET", "PUT"])
    def api() -> str:
        return "ok"

    preflight = {"Origin": "https://a.example", "Access-Control-Request-Method": "PUT"}
    for _ in range(3):
        assert client.options("/api", headers=preflight).status_code == 200
    assert statuses(client, "/api", 2) == [200, 429]


def test_ratelimit_enabled_false_registers_nothing(app: Hipflask, client: Any) -> None:
    app.config["RATELIMIT_ENABLED"] = False
    Limiter(app, default_limits=["1 per minute"])
    assert app.gate.is_simple


def test_async_views_are_limited_and_deduct_after_the_response(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["2 per minute"])

    @app.get("/a")
    async def a() -> str:
        return "a"

    @app.get("/free")
    @limiter.exempt
    async def free() -> str:
        return "free"

    @app.get("/fail/<int:code>")
    @limiter.limit("1 per minute", deduct_when=lambda response: response.status_code >= 400)
    async def fail(code: int) -> Any:
        return "done", code

    assert statuses(client, "/a", 3) == [200, 200, 429]
    assert statuses(client, "/free", 3) == [200, 200, 200]
    assert statuses(client, "/fail/200", 2) == [200, 200]
    assert statuses(client, "/fail/400", 2) == [400, 429]


def test_application_limits_are_one_budget_for_the_whole_app(app: Hipflask, client: Any) -> None:
    Limiter(app, application_limits=["2 per minute"])

    @app.get("/a")
    def a() -> str:
        return "a"

    @app.get("/b")
    def b() -> str:
        return "b"

    assert [client.get(p).status_code for p in ("/a", "/b", "/a")] == [200, 200, 429]
    assert client.get("/missing").status_code == 429


def test_callable_limits_costs_scopes_and_per_method(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)
    budget = {"value": "3 per minute"}

    @app.route("/dyn", methods=["GET", "POST"])
    @limiter.limit(lambda: budget["value"], per_method=True, cost=lambda: 2)
    def dyn() -> str:
        return "ok"

    @app.get("/scoped")
    @limiter.shared_limit("1 per minute", scope=lambda endpoint: f"group-{endpoint[:1]}")
    def scoped() -> str:
        return "ok"

    assert statuses(client, "/dyn", 2) == [200, 429]
    assert client.post("/dyn").status_code == 200
    assert statuses(client, "/scoped", 2) == [200, 429]


def test_a_numeric_cost_of_zero_counts_as_one_and_a_callable_zero_is_free(
    app: Hipflask, client: Any
) -> None:
    # Flask-Limiter's reading (``cost or 1``): a zero written down is not a
    # way to switch a limit off; a cost computed per request may waive one.
    limiter = Limiter(app, default_limits=[Limit("1 per minute", cost=0)])

    @app.get("/numeric")
    @limiter.limit("2 per minute", cost=0)
    def numeric() -> str:
        return "ok"

    @app.get("/waived")
    @limiter.limit("1 per minute", cost=lambda: 0)
    def waived() -> str:
        return "ok"

    @app.get("/default")
    def default() -> str:
        return "ok"

    assert statuses(client, "/numeric", 3) == [200, 200, 429]
    assert statuses(client, "/waived", 3) == [200, 200, 200]
    assert statuses(client, "/default", 2) == [200, 429]


def test_a_request_filter_exempts_from_everything(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["1 per minute"])

    @limiter.request_filter
    def internal() -> bool:
        from hipflask import request

        return request.headers.get("X-Internal") == "1"

    @app.get("/")
    def index() -> str:
        return "ok"

    assert statuses(client, "/", 3, headers={"X-Internal": "1"}) == [200, 200, 200]


def test_a_limit_with_override_defaults_false_adds_to_them(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["2 per minute"])

    @app.get("/")
    @limiter.limit("5 per minute", override_defaults=False)
    def index() -> str:
        return "ok"

    assert statuses(client, "/", 3) == [200, 200, 429]


def wrapped(view: Any) -> Any:
    """A decorator applied after the limiter's, as @login_required would be."""
    import functools

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return view(*args, **kwargs)

    return wrapper


def test_limits_survive_a_decorator_applied_after_them(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)

    @app.get("/")
    @wrapped
    @limiter.limit("1 per minute")
    def index() -> str:
        return "ok"

    assert statuses(client, "/", 2) == [200, 429]


def test_method_view_decorators_limit_each_view_on_its_own(app: Hipflask, client: Any) -> None:
    from hipflask.views import MethodView

    limiter = Limiter(app)

    class Items(MethodView):
        decorators: ClassVar[list[Any]] = [limiter.limit("1 per minute")]

        def get(self) -> str:
            return "items"

    class Other(MethodView):
        def get(self) -> str:
            return "other"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    app.add_url_rule("/other", view_func=Other.as_view("other"))
    assert statuses(client, "/items", 2) == [200, 429]
    assert statuses(client, "/other", 3) == [200, 200, 200]


def test_two_limiters_on_one_app_each_enforce_their_own(app: Hipflask, client: Any) -> None:
    per_client = Limiter(app, default_limits=["3 per minute"])
    per_app = Limiter(key_func=lambda: "all", app=app, default_limits=["2 per minute"])
    per_app.init_app(app)  # twice: the check is replaced, not doubled

    @app.get("/")
    def index() -> str:
        return "ok"

    assert statuses(client, "/", 3) == [200, 200, 429]
    assert per_client is not per_app
    assert sum(name.startswith("limiter.") for name in app.gate.check_names) == 2


def test_a_with_block_counts_only_when_the_block_runs(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)
    disabled = Limiter()

    @app.get("/report/<kind>")
    def report(kind: str) -> str:
        if kind == "full":
            with limiter.limit("1 per minute"), disabled.limit("1 per second"):
                return "expensive"
        with limiter.limit("1 per minute", methods=["POST"]):
            return "cheap"

    assert statuses(client, "/report/cheap", 3) == [200, 200, 200]
    assert statuses(client, "/report/full", 2) == [200, 429]


def test_importing_hipflask_loads_none_of_these_suites() -> None:
    import subprocess
    import sys

    code = (
        "import sys, hipflask; app = hipflask.Hipflask('x');"
        " loaded = [m for m in ('limits', 'redis', 'hipflask.limiter', 'hipflask.cors',"
        " 'hipflask.talisman', 'hipflask.security.ratelimit') if m in sys.modules];"
        " print(loaded)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_scope_on_a_view_limit_divides_that_view_s_budget(app: Hipflask, client: Any) -> None:
    from hipflask import request as current_request

    limiter = Limiter(app)
    tenant = limiter.limit("1 per minute", scope=lambda endpoint: current_request.args["t"])

    @app.get("/a")
    @tenant
    def a() -> str:
        return "a"

    @app.get("/b")
    @tenant
    def b() -> str:
        return "b"

    codes = [client.get(path).status_code for path in ("/a?t=1", "/a?t=2", "/b?t=1", "/a?t=1")]
    assert codes == [200, 200, 200, 429]


def test_remaining_is_after_a_deduct_when_deduction(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, headers_enabled=True)

    @app.get("/denied")
    @limiter.limit("3 per minute", deduct_when=lambda response: response.status_code == 401)
    def denied() -> Any:
        return "no", 401

    remaining = [client.get("/denied").headers.get("X-RateLimit-Remaining") for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    assert client.get("/denied").status_code == 429


def test_one_limit_replacing_the_defaults_wins_over_one_keeping_them(
    app: Hipflask, client: Any
) -> None:
    limiter = Limiter(app, default_limits=["1 per minute"])

    @app.get("/mixed")
    @limiter.limit("3 per minute")
    @limiter.limit("50 per minute", override_defaults=False)
    def mixed() -> str:
        return "ok"

    bp = _two_view_blueprint()
    limiter.limit("3 per minute")(bp)
    limiter.limit("50 per minute", override_defaults=False)(bp)
    app.register_blueprint(bp)
    # The defaults are kept only when every limit says so, as in Flask-Limiter.
    assert statuses(client, "/mixed", 4) == [200, 200, 200, 429]
    assert statuses(client, "/api/a", 4) == [200, 200, 200, 429]


def test_a_nested_blueprint_s_own_limits_and_exemption_apply(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["1 per minute"])
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c")
    free = Blueprint("free", __name__, url_prefix="/f")

    @child.get("/x")
    def x() -> str:
        return "x"

    @free.get("/y")
    def y() -> str:
        return "y"

    limiter.limit("3 per minute")(child)
    limiter.exempt(free)
    parent.register_blueprint(child)
    parent.register_blueprint(free)
    app.register_blueprint(parent)
    assert statuses(client, "/p/c/x", 4) == [200, 200, 200, 429]
    assert statuses(client, "/p/f/y", 3) == [200, 200, 200]
