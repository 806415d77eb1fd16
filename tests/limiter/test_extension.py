"""Limiter: Flask-Limiter's declarations, enforced by the gate under both protocols."""

from __future__ import annotations

import logging
import time
from typing import Any
from typing import ClassVar

import limits.errors
import pytest
from tests.redis_helper import REDIS_URI
from tests.redis_helper import closed_port
from werkzeug.http import parse_date

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import jsonify
from hipflask import request
from hipflask.errors import ConfigurationError
from hipflask.limiter import ExemptionScope
from hipflask.limiter import HeaderNames
from hipflask.limiter import Limit
from hipflask.limiter import Limiter
from hipflask.limiter import MetaLimit
from hipflask.limiter import RateLimitExceeded
from hipflask.limiter.util import get_remote_address


def statuses(client: Any, path: str, count: int, **kwargs: Any) -> list[int]:
    return [client.get(path, **kwargs).status_code for _ in range(count)]


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


def test_the_429_has_retry_after_and_rate_limit_headers(app: Hipflask, client: Any) -> None:
    limiter = Limiter(get_remote_address, app=app)

    @app.get("/")
    @limiter.limit("1 per minute")
    def index() -> str:
        return "ok"

    first = client.get("/")
    assert first.headers["X-RateLimit-Limit"] == "1"
    assert first.headers["X-RateLimit-Remaining"] == "0"
    refused = client.get("/")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert "1 per 1 minute" in refused.get_data(as_text=True)


def test_the_429_is_json_for_a_json_client(app: Hipflask, client: Any) -> None:
    limiter = Limiter(get_remote_address, app=app)

    @app.post("/api")
    @limiter.limit("1 per minute", error_message="Slow down.")
    def api() -> Any:
        return jsonify(ok=True)

    client.post("/api", json={})
    refused = client.post("/api", json={}, headers={"Accept": "application/json"})
    assert refused.status_code == 429
    assert refused.get_json()["message"] == "Slow down."


def test_the_429_chosen_by_accept_varies_on_what_chose_it(app: Hipflask, client: Any) -> None:
    # JSON or HTML is chosen from Accept and the body's type: a shared cache
    # must not hand one client's JSON refusal to a browser.
    limiter = Limiter(get_remote_address, app=app)

    @app.post("/api")
    @limiter.limit("1 per minute")
    def api() -> Any:
        return jsonify(ok=True)

    client.post("/api", json={})
    as_json = client.post("/api", json={}, headers={"Accept": "application/json"})
    as_html = client.post("/api", data={"a": "1"}, headers={"Accept": "text/html"})
    for refused in (as_json, as_html):
        assert refused.status_code == 429
        varies = {name.strip().lower() for name in refused.headers["Vary"].split(",")}
        assert {"accept", "content-type"} <= varies
    assert as_json.mimetype == "application/json"
    assert as_html.mimetype == "text/html"


def test_a_429_the_app_raises_itself_does_not_vary(app: Hipflask, client: Any) -> None:
    @app.get("/")
    def index() -> str:
        raise RateLimitExceeded(description="Later.")

    refused = client.get("/")
    assert refused.status_code == 429
    assert "accept" not in refused.headers.get("Vary", "").lower()


def test_header_names_follow_the_settings(app: Hipflask, client: Any) -> None:
    app.config["RATELIMIT_HEADER_LIMIT"] = "RateLimit-Limit"
    Limiter(app, default_limits=["5 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    response = client.get("/")
    assert response.headers["RateLimit-Limit"] == "5"
    assert "X-RateLimit-Limit" not in response.headers


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


def test_on_breach_can_answer_instead_of_the_429(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, on_breach=lambda limit: ("custom", 429, {"X-Breach": "1"}))

    @app.get("/")
    @limiter.limit("1 per minute")
    def index() -> str:
        return "ok"

    client.get("/")
    refused = client.get("/")
    assert refused.headers["X-Breach"] == "1"
    assert refused.get_data(as_text=True) == "custom"


def test_an_error_handler_for_429_receives_the_limit(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)

    @app.errorhandler(429)
    def too_many(exc: RateLimitExceeded) -> Any:
        return f"limited: {exc.description}", 429

    @app.get("/")
    @limiter.limit("1/minute")
    def index() -> str:
        return "ok"

    client.get("/")
    assert client.get("/").get_data(as_text=True) == "limited: 1 per 1 minute"


@pytest.mark.parametrize(
    "settings",
    [
        {"RATELIMIT_STRATEGY": "leaky-bucket"},
        {"RATELIMIT_STORAGE_URI": "nosuch://x"},
        {"RATELIMIT_STORAGE_URI": "async+memory://"},
    ],
    ids=["strategy", "storage", "async-storage"],
)
def test_a_setting_limits_refuses_raises_its_configuration_error(
    app: Hipflask, settings: dict[str, str]
) -> None:
    # Flask-Limiter lets limits.errors.ConfigurationError out for these; code
    # catching it keeps working, and it is hipflask's ConfigurationError too.
    app.config.update(settings)
    with pytest.raises(limits.errors.ConfigurationError, match="RATELIMIT_") as refused:
        Limiter(get_remote_address, app=app)
    assert isinstance(refused.value, ConfigurationError)


@pytest.mark.parametrize("setting", ["RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION"])
def test_a_limit_string_limits_cannot_parse_is_a_value_error(app: Hipflask, setting: str) -> None:
    app.config[setting] = "lots"
    with pytest.raises(ValueError, match="not a rate limit") as refused:
        Limiter(get_remote_address, app=app)
    assert isinstance(refused.value, ConfigurationError)


def test_a_bad_limit_string_fails_at_declaration(app: Hipflask) -> None:
    limiter = Limiter(app)
    with pytest.raises(ConfigurationError, match="not a rate limit"):
        limiter.limit("lots")


@pytest.mark.parametrize("uri", ["async+memory://", "async+redis://127.0.0.1:6379/0"])
def test_an_async_storage_uri_is_refused_with_the_uri_to_use(app: Hipflask, uri: str) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = uri
    with pytest.raises(ConfigurationError, match=r"without 'async\+' \('(memory|redis)://"):
        Limiter(get_remote_address, app=app)


def test_forged_x_forwarded_for_from_an_untrusted_peer_changes_nothing(
    app: Hipflask, client: Any
) -> None:
    Limiter(app, default_limits=["2 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    codes = [
        client.get("/", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(4)
    ]
    assert codes == [200, 200, 429, 429]


def test_a_trusted_proxy_s_address_is_the_key(app: Hipflask, client: Any) -> None:
    app.config["PROXY_FIX"] = 1
    Limiter(app, default_limits=["1 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    first = client.get("/", headers={"X-Forwarded-For": "203.0.113.1"})
    second = client.get("/", headers={"X-Forwarded-For": "203.0.113.2"})
    again = client.get("/", headers={"X-Forwarded-For": "203.0.113.1"})
    assert [first.status_code, second.status_code, again.status_code] == [200, 200, 429]


def test_a_store_that_is_down_fails_closed_with_503(app: Hipflask, client: Any) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{closed_port()}"
    limiter = Limiter(app, default_limits=["5 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    try:
        assert client.get("/").status_code == 503
    finally:
        close(client, limiter)


def test_a_store_that_is_down_fails_open_when_errors_are_swallowed(
    app: Hipflask, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{closed_port()}"
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True
    limiter = Limiter(app, default_limits=["1 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    try:
        with caplog.at_level(logging.WARNING, logger="hipflask.ratelimit"):
            assert statuses(client, "/", 3) == [200, 200, 200]
        assert "failed" in caplog.text
    finally:
        close(client, limiter)


def close(client: Any, limiter: Limiter) -> None:
    """Release the async driver's connections on the test client's loop."""
    shim = getattr(client, "_shim", None)
    if shim is not None and shim._loop is not None and not shim._loop.is_closed():
        shim._run(limiter._store.aclose())


def test_redis_storage_counts_under_both_protocols(
    app: Hipflask, client: Any, redis_prefix: str
) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = REDIS_URI
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"key_prefix": redis_prefix}
    limiter = Limiter(app, default_limits=["2 per minute"])

    @app.get("/")
    async def index() -> str:
        return "ok"

    try:
        assert statuses(client, "/", 3) == [200, 200, 429]
    finally:
        close(client, limiter)


def test_storage_options_given_as_argument_and_setting_are_both_used(
    app: Hipflask, client: Any, redis_prefix: str
) -> None:
    # The setting's key prefix keeps this app's counters apart from other
    # apps on the same Redis; the argument's connection options still apply.
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"key_prefix": redis_prefix}
    limiter = Limiter(
        app,
        storage_uri=REDIS_URI,
        storage_options={"socket_timeout": 5},
        default_limits=["1 per minute"],
    )

    @app.get("/")
    async def index() -> str:
        return "ok"

    try:
        assert statuses(client, "/", 2) == [200, 429]
    finally:
        close(client, limiter)
    import redis

    connection = redis.Redis.from_url(REDIS_URI)
    try:
        assert connection.keys(f"{redis_prefix}*")
    finally:
        connection.close()
    assert limiter.storage.key_prefix == redis_prefix
    assert limiter.storage.storage.connection_pool.connection_kwargs["socket_timeout"] == 5


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


def test_settings_configure_a_limiter_created_before_the_app(app: Hipflask, client: Any) -> None:
    limiter = Limiter(key_func=lambda: "everyone")
    app.config.update(
        RATELIMIT_DEFAULT="2 per minute",
        RATELIMIT_HEADERS_ENABLED=False,
        RATELIMIT_KEY_PREFIX="myapp",
        RATELIMIT_IN_MEMORY_FALLBACK="1 per minute",
    )
    limiter.init_app(app)

    @app.get("/")
    def index() -> str:
        return "ok"

    first = client.get("/")
    assert "X-RateLimit-Limit" not in first.headers
    client.get("/")
    refused = client.get("/")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    assert any(key.startswith("LIMITER/myapp/everyone/") for key in limiter.storage.storage)


def test_a_limit_setting_may_be_a_callable_or_a_limit_object(app: Hipflask, client: Any) -> None:
    budget = {"default": "2 per minute"}
    app.config.update(
        RATELIMIT_DEFAULT=lambda: budget["default"],
        RATELIMIT_APPLICATION=lambda: "10 per minute",
        RATELIMIT_META=MetaLimit("1 per hour"),
    )
    Limiter(app)

    @app.get("/")
    def index() -> str:
        return "ok"

    assert statuses(client, "/", 3) == [200, 200, 429]
    # The one breach spent the meta budget: refused whatever the limit now.
    budget["default"] = "100 per minute"
    assert client.get("/").status_code == 429


def test_retry_after_can_be_an_http_date(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, retry_after="http-date")

    @app.get("/")
    @limiter.limit("1 per minute")
    def index() -> str:
        return "ok"

    client.get("/")
    assert client.get("/").headers["Retry-After"].endswith("GMT")


def test_an_http_date_retry_after_is_the_reset_and_never_early(
    app: Hipflask, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Half a second into a second: a date that drops the fraction of the
    # window's reset (one minute on) names a moment before it.
    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.5)
    limiter = Limiter(app, retry_after="http-date")

    @app.get("/")
    @limiter.limit("1 per minute")
    def index() -> str:
        return "ok"

    client.get("/")
    refused = client.get("/")
    retry = parse_date(refused.headers["Retry-After"])
    assert retry is not None
    assert retry.timestamp() == 1_800_000_061
    assert refused.headers["X-RateLimit-Reset"] == "1800000061"


@pytest.mark.parametrize("form", ["delta-seconds", "http-date"])
def test_a_later_retry_after_set_by_the_app_s_handler_is_kept(
    app: Hipflask, client: Any, form: str
) -> None:
    limiter = Limiter(app, retry_after=form, default_limits=["1 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.errorhandler(429)
    def locked_out(e: RateLimitExceeded) -> Any:
        answer = jsonify(error="locked out for two hours")
        answer.status_code = 429
        answer.headers["Retry-After"] = "7200"
        return answer

    client.get("/")
    refused = client.get("/")
    assert refused.status_code == 429
    retry = refused.headers["Retry-After"]
    if form == "http-date":
        announced = parse_date(retry)
        assert announced is not None
        wait = announced.timestamp() - time.time()
    else:
        wait = int(retry)
    assert 7190 < wait <= 7201
    assert limiter.enabled


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


def test_current_limit_describes_the_request_s_window(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)
    seen: list[Any] = []

    @app.get("/")
    @limiter.limit("3 per minute")
    def index() -> str:
        seen.append(limiter.current_limit)
        return "ok"

    @app.get("/unlimited")
    @limiter.exempt
    def unlimited() -> str:
        seen.append(limiter.current_limit)
        return "ok"

    client.get("/")
    client.get("/unlimited")
    current = seen[0]
    assert (current.remaining, current.breached) == (2, False)
    assert current.reset_at > 0
    assert seen[1] is None


def test_reset_clears_the_counters_and_storage_needs_init(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["1 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    client.get("/")
    limiter.reset()
    assert client.get("/").status_code == 200
    unbound = Limiter()
    unbound.reset()
    with pytest.raises(ConfigurationError, match="init_app"):
        _ = unbound.storage


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


def test_a_fetch_with_a_json_body_and_any_accept_gets_json(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)

    @app.post("/api")
    @limiter.limit("1 per minute")
    def api() -> str:
        return "ok"

    client.post("/api", json={}, headers={"Accept": "*/*"})
    refused = client.post("/api", json={}, headers={"Accept": "*/*"})
    assert refused.is_json
    browser = client.post("/api", data={"a": "b"}, headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.mimetype == "text/html"


def test_lifespan_shutdown_closes_the_async_store_connections(
    app: Hipflask, redis_prefix: str
) -> None:
    import asyncio

    from tests.asgi_driver import http_scope

    app.config["RATELIMIT_STORAGE_URI"] = REDIS_URI
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"key_prefix": redis_prefix}
    limiter = Limiter(app, default_limits=["5 per minute"])

    @app.get("/")
    async def index() -> str:
        return "ok"

    async def run() -> list[int]:
        lifespan: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        await lifespan.put({"type": "lifespan.startup"})
        replies: list[dict[str, Any]] = []

        async def lifespan_send(message: dict[str, Any]) -> None:
            replies.append(message)

        server = asyncio.ensure_future(
            app({"type": "lifespan", "asgi": {"version": "3.0"}}, lifespan.get, lifespan_send)
        )
        statuses: list[int] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        for _ in range(2):
            await app(http_scope("/"), receive, send)
        assert limiter._store is not None and len(limiter._store._async) == 1
        await lifespan.put({"type": "lifespan.shutdown"})
        await server
        assert replies[-1]["type"] == "lifespan.shutdown.complete"
        return statuses

    assert asyncio.run(run()) == [200, 200]
    assert limiter._store is not None and len(limiter._store._async) == 0


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


def test_an_on_breach_callback_that_returns_nothing_keeps_the_429(
    app: Hipflask, client: Any
) -> None:
    breaches: list[Any] = []
    limiter = Limiter(app, on_breach=breaches.append)

    @app.get("/")
    @limiter.limit("1 per minute")
    def index() -> str:
        return "ok"

    assert statuses(client, "/", 2) == [200, 429]
    assert breaches[0].breached


@pytest.mark.parametrize(
    ("returned", "status", "body"),
    [
        ("over the limit", 429, "over the limit"),
        ({"error": "slow down"}, 429, '{"error":"slow down"}'),
        (("teapot", 418), 418, "teapot"),
        (True, 429, None),
    ],
    ids=["str", "dict", "tuple-with-status", "not-a-response"],
)
def test_an_on_breach_value_without_a_status_keeps_the_429(
    app: Hipflask, client: Any, returned: Any, status: int, body: str | None
) -> None:
    # A refused client must never read a 200, and a value that is no
    # response at all is ignored (as Flask-Limiter ignores it), not a 500.
    limiter = Limiter(app, on_breach=lambda limit: returned)

    @app.get("/")
    @limiter.limit("1 per minute")
    def index() -> str:
        return "ok"

    client.get("/")
    refused = client.get("/")
    assert refused.status_code == status
    if body is not None:
        assert refused.get_data(as_text=True).strip() == body


def failing_callback(limit: Any) -> None:
    raise ZeroDivisionError("the callback's own bug")


def test_a_failing_on_breach_callback_is_logged_when_errors_are_swallowed(
    app: Hipflask, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # The app chose to fail open: a bug in its callback must not turn the
    # refusal into a 500, nor let the request through.
    limiter = Limiter(app, swallow_errors=True)

    @app.get("/")
    @limiter.limit("1 per minute", on_breach=failing_callback)
    def index() -> str:
        return "ok"

    with caplog.at_level("ERROR", logger="hipflask.limiter"):
        assert statuses(client, "/", 2) == [200, 429]
    assert "on_breach callback failed" in caplog.text


def test_a_breach_is_logged_on_the_limiter_s_logger(
    app: Hipflask, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = Limiter(app)
    assert limiter.logger is logging.getLogger("hipflask.limiter")

    @app.get("/")
    @limiter.limit("1 per minute")
    def index() -> str:
        return "ok"

    with caplog.at_level("INFO", logger="hipflask.limiter"):
        assert statuses(client, "/", 2) == [200, 429]
    [record] = [r for r in caplog.records if "exceeded" in r.getMessage()]
    assert record.levelname == "INFO"
    assert "1 per 1 minute" in record.getMessage()
    assert "index" in record.getMessage()


def test_a_failing_on_breach_callback_raises_when_errors_are_not_swallowed(
    app: Hipflask, client: Any
) -> None:
    limiter = Limiter(app, swallow_errors=False)

    @app.get("/")
    @limiter.limit("1 per minute", on_breach=failing_callback)
    def index() -> str:
        return "ok"

    assert client.get("/").status_code == 200
    # A bug of the app's, surfaced as any other (TESTING propagates it).
    with pytest.raises(ZeroDivisionError):
        client.get("/")


def test_in_memory_fallback_limits_apply_while_the_store_is_down(
    app: Hipflask, client: Any
) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{closed_port()}"
    limiter = Limiter(app, default_limits=["100 per minute"], in_memory_fallback=["2 per minute"])

    @app.get("/")
    def index() -> str:
        return "ok"

    try:
        assert statuses(client, "/", 3) == [200, 200, 429]
    finally:
        close(client, limiter)


def test_in_memory_fallback_limits_may_be_callables_read_per_request(
    app: Hipflask, client: Any
) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{closed_port()}"
    plan = {"limit": "2 per minute"}
    limiter = Limiter(
        app,
        default_limits=["100 per minute"],
        in_memory_fallback=[lambda: plan["limit"], Limit("4 per hour")],
    )

    @app.get("/")
    def index() -> str:
        return "ok"

    try:
        assert statuses(client, "/", 3) == [200, 200, 429]
        # Read again on the next request, as a default limit's callable is:
        # the hour's budget (two counted so far) is what refuses now.
        plan["limit"] = "10 per minute"
        assert statuses(client, "/", 3) == [200, 200, 429]
    finally:
        close(client, limiter)


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


def test_default_limits_accept_limit_objects(app: Hipflask, client: Any) -> None:
    from hipflask.limiter import Limit

    Limiter(app, default_limits=[Limit("1 per minute", key_function=lambda: "one-bucket")])

    @app.get("/")
    def index() -> str:
        return "ok"

    assert statuses(client, "/", 2) == [200, 429]


def test_a_key_func_with_no_key_skips_the_limit(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app)

    @app.get("/keyed")
    @limiter.limit("1 per minute", key_func=lambda: request.headers.get("X-Api-Key"))
    def keyed() -> str:
        return "ok"

    # Clients without a key are not lumped together under one empty key.
    assert statuses(client, "/keyed", 3) == [200, 200, 200]
    assert statuses(client, "/keyed", 3, headers={"X-Api-Key": ""}) == [200, 200, 200]
    assert statuses(client, "/keyed", 2, headers={"X-Api-Key": "k1"}) == [200, 429]


@pytest.mark.parametrize("value", ["garbage", "-1/second", "5 per fortnight"])
def test_a_callable_limit_returning_garbage_counts_the_defaults(
    app: Hipflask, client: Any, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = Limiter(app, default_limits=["2 per minute"])

    @app.get("/dyn")
    @limiter.limit(lambda: request.args.get("l", "5/minute"))
    def dyn() -> str:
        return "ok"

    with caplog.at_level(logging.ERROR, logger="hipflask.limiter"):
        assert statuses(client, "/dyn", 3, query_string={"l": value}) == [200, 200, 429]
    assert "is not a rate limit" in caplog.text


def test_headers_describe_the_smallest_unit_of_the_route_s_limits(
    app: Hipflask, client: Any
) -> None:
    # Flask-Limiter's choice: the route's own limits before shared ones (an
    # application limit), then the smallest unit, the first of equal ones.
    Limiter(app, default_limits=["500 per day", "30 per minute"], application_limits=["9/second"])

    @app.get("/")
    def index() -> str:
        return "ok"

    response = client.get("/")
    assert response.headers["X-RateLimit-Limit"] == "30"
    assert response.headers["X-RateLimit-Remaining"] == "29"


def test_a_bad_limit_callable_gives_way_to_the_defaults_once(
    app: Hipflask, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = Limiter(app, default_limits=["3 per minute"])

    @app.get("/beside")
    @limiter.limit(lambda: "garbage")
    @limiter.limit("100 per minute", override_defaults=False)
    def beside() -> str:
        return "ok"

    @app.get("/two-bad")
    @limiter.limit(lambda: "garbage")
    @limiter.limit(lambda: "nonsense")
    def two_bad() -> str:
        return "ok"

    @app.get("/overridden")
    @limiter.limit(lambda: "garbage")
    @limiter.limit("5 per minute")
    def overridden() -> str:
        return "ok"

    @app.get("/exempt")
    @limiter.exempt(flags=ExemptionScope.DEFAULT)
    @limiter.limit(lambda: "garbage")
    def exempt() -> str:
        return "ok"

    with caplog.at_level(logging.ERROR, logger="hipflask.limiter"):
        # The defaults, counted once, whatever else the view declares.
        assert statuses(client, "/beside", 4) == [200, 200, 200, 429]
        assert statuses(client, "/two-bad", 4) == [200, 200, 200, 429]
        # A valid limit that replaces the defaults keeps doing so.
        assert statuses(client, "/overridden", 6) == [200] * 5 + [429]
        # Exempt from the defaults: nothing stands in for the bad limit.
        assert statuses(client, "/exempt", 5) == [200] * 5
    assert "is not a rate limit" in caplog.text


@pytest.mark.parametrize("kind", ["application_limits", "default_limits", "meta_limits"])
def test_a_default_application_or_meta_limit_callable_giving_garbage_raises(
    app: Hipflask, client: Any, kind: str
) -> None:
    # Flask-Limiter lets the parse error out (a 500 on every request):
    # nothing stands in for such a limit, and skipping it would leave every
    # route without one. The error says which callable gave what.
    def plan() -> str:
        return "garbage"

    Limiter(app, **{kind: [plan]})

    @app.get("/")
    def index() -> str:
        return "ok"

    with pytest.raises(ValueError, match=r"callable .*plan returned 'garbage'") as refused:
        client.get("/")
    assert isinstance(refused.value, ConfigurationError)
    app.testing = False
    assert client.get("/").status_code == 500


def test_swallow_errors_logs_and_skips_a_bad_application_limit_callable(
    app: Hipflask, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    Limiter(
        app,
        default_limits=["2 per minute"],
        application_limits=[lambda: "garbage"],
        swallow_errors=True,
    )

    @app.get("/a")
    def a() -> str:
        return "a"

    @app.get("/b")
    def b() -> str:
        return "b"

    with caplog.at_level(logging.ERROR, logger="hipflask.limiter"):
        paths = ("/a", "/b", "/a", "/b", "/a")
        assert [client.get(p).status_code for p in paths] == [200, 200, 200, 200, 429]
    assert "is not a rate limit" in caplog.text


@pytest.mark.parametrize("value", ["", None])
def test_an_empty_value_from_a_limit_callable_is_no_limit_for_the_request(
    app: Hipflask, client: Any, value: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    # A plan without limits, as Flask-Limiter reads an empty value: neither
    # an error nor a log line.
    def plan() -> Any:
        return value

    limiter = Limiter(app, default_limits=["2 per minute"], application_limits=[plan])

    @app.get("/own")
    @limiter.limit(plan)
    def own() -> str:
        return "own"

    with caplog.at_level(logging.ERROR, logger="hipflask.limiter"):
        assert statuses(client, "/own", 3) == [200, 200, 429]
    assert caplog.records == []


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


def test_both_on_breach_callbacks_run_the_limiter_s_first(app: Hipflask, client: Any) -> None:
    calls: list[str] = []

    def everywhere(limit: Any) -> Any:
        calls.append("limiter")
        return "from the limiter", 420

    limiter = Limiter(get_remote_address, app=app, on_breach=everywhere)

    @app.get("/x")
    @limiter.limit("1/minute", on_breach=lambda limit: calls.append("limit"))
    def x() -> str:
        return "ok"

    @app.get("/y")
    @limiter.limit("1/minute", on_breach=lambda limit: ("from the limit", 421))
    def y() -> str:
        return "ok"

    @app.get("/z")
    @limiter.limit("1/minute", on_breach=everywhere)
    def z() -> str:
        return "ok"

    client.get("/x")
    refused = client.get("/x")
    assert (refused.status_code, refused.get_data(as_text=True)) == (420, "from the limiter")
    assert calls == ["limiter", "limit"]
    client.get("/y")
    assert client.get("/y").status_code == 421  # the later answer wins
    calls.clear()
    client.get("/z")
    client.get("/z")
    assert calls == ["limiter"]  # the same callback, once


def test_an_error_handler_reads_the_breached_limit_after_on_breach(
    app: Hipflask, client: Any
) -> None:
    limiter = Limiter(get_remote_address, app=app, default_limits=["1/minute"])
    seen: list[RateLimitExceeded] = []

    @app.errorhandler(429)
    def too_many(exc: RateLimitExceeded) -> Any:
        seen.append(exc)
        return f"handler: {exc.description} / {exc.limit.limit}", 429

    @app.get("/x")
    @limiter.limit("1/minute", on_breach=lambda limit: ("from on_breach", 418))
    def x() -> str:
        return "ok"

    @app.get("/y")
    @limiter.limit("1/minute", error_message="custom msg", on_breach=lambda limit: ("no", 418))
    def y() -> str:
        return "ok"

    @app.get("/d")
    def d() -> str:
        return "ok"

    for path in ("/x", "/y", "/d"):
        client.get(path)
    # As under Flask-Limiter, the app's handler wins over on_breach's answer.
    assert client.get("/x").get_data(as_text=True) == "handler: 1 per 1 minute / 1 per 1 minute"
    assert client.get("/y").get_data(as_text=True) == "handler: custom msg / 1 per 1 minute"
    # A default limit, counted at the gate, raises the same exception.
    assert client.get("/d").get_data(as_text=True) == "handler: 1 per 1 minute / 1 per 1 minute"
    breached = seen[1].limit
    assert (breached.breached, breached.error_message, breached.item) == (
        True,
        "custom msg",
        breached.limit,
    )
    assert "127.0.0.1" in breached.key
    assert breached.shared is False


def test_current_limit_says_whether_the_budget_is_shared(app: Hipflask, client: Any) -> None:
    limiter = Limiter(get_remote_address, app=app)
    seen: list[Any] = []

    @app.get("/shared")
    @limiter.shared_limit("3/minute", scope="group")
    def shared() -> str:
        seen.append(limiter.current_limit)
        return "ok"

    @app.get("/own")
    @limiter.limit("3/minute")
    def own() -> str:
        seen.append(limiter.current_limit)
        return "ok"

    client.get("/shared")
    client.get("/own")
    assert [limit.shared for limit in seen] == [True, False]


@pytest.mark.parametrize("how", ["mapping", "setting"])
def test_a_renamed_retry_after_replaces_the_standard_one(
    app: Hipflask, client: Any, how: str
) -> None:
    if how == "mapping":
        limiter = Limiter(
            get_remote_address,
            app=app,
            header_name_mapping={HeaderNames.RETRY_AFTER: "X-Retry-In"},
        )
    else:
        app.config["RATELIMIT_HEADER_RETRY_AFTER"] = "X-Retry-In"
        limiter = Limiter(get_remote_address, app=app)

    @app.get("/")
    @limiter.limit("1/minute")
    def index() -> str:
        return "ok"

    client.get("/")
    refused = client.get("/")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["X-Retry-In"]) <= 60
    assert "Retry-After" not in refused.headers


def test_reset_of_a_store_that_cannot_be_cleared_logs_a_warning(
    app: Hipflask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = Limiter(app)

    def unsupported() -> None:
        raise NotImplementedError

    monkeypatch.setattr(limiter._store, "reset", unsupported)
    with caplog.at_level("WARNING", logger="hipflask.limiter"):
        limiter.reset()
    assert "cannot be reset" in caplog.text


def test_a_breach_callback_reads_the_window_as_flask_limiter_gives_it(
    app: Hipflask, client: Any
) -> None:
    windows: list[Any] = []

    def on_breach(limit: Any) -> None:
        windows.append(limit.window)

    limiter = Limiter(app, on_breach=on_breach)

    @app.get("/")
    @limiter.limit("1 per minute")
    def index() -> str:
        return "ok"

    before = time.time()
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 429
    after = time.time()
    reset_time, remaining = windows[0]
    assert remaining == 0
    # Within the minute's window from the first hit (between before and
    # after), announced on a whole second: rounded up by less than one.
    assert before < reset_time < after + 61
    assert reset_time == int(reset_time)
