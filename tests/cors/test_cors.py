"""CORS and cross_origin: preflights, response headers, and the cross-origin gate."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import abort
from hipflask.cors import CORS
from hipflask.cors import cross_origin
from hipflask.errors import ConfigurationError

ALLOWED = "https://app.example"
EVIL = "https://evil.example"


def preflight(origin: str, method: str = "PUT", headers: str = "content-type") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


@pytest.fixture
def api(app: Hipflask) -> Hipflask:
    CORS(
        app,
        resources={r"/api/*": {"origins": [ALLOWED, r"https://.*\.partner\.example"]}},
        supports_credentials=True,
        expose_headers=["X-Total"],
        max_age=600,
    )

    @app.route("/api/items", methods=["GET", "PUT", "POST"])
    def items() -> str:
        return "items"

    @app.get("/api/broken")
    def broken() -> str:
        abort(404)

    @app.post("/form")
    def form() -> str:
        return "saved"

    return app


def test_an_app_without_cors_registers_nothing(app: Hipflask) -> None:
    assert app.gate.is_simple


def test_an_allowed_origin_gets_the_headers_and_vary(api: Hipflask, client: Any) -> None:
    response = client.get("/api/items", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Expose-Headers"] == "X-Total"
    assert "Origin" in response.headers["Vary"]


def test_a_regex_origin_matches_whole_origins_only(api: Hipflask, client: Any) -> None:
    ok = client.get("/api/items", headers={"Origin": "https://a.partner.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://a.partner.example"
    tricked = client.get("/api/items", headers={"Origin": "https://a.partner.example.evil.example"})
    assert "Access-Control-Allow-Origin" not in tricked.headers


def test_another_origin_gets_no_cors_headers(api: Hipflask, client: Any) -> None:
    response = client.get("/api/items", headers={"Origin": EVIL})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.headers["Vary"]


def test_a_preflight_is_answered_before_the_view(api: Hipflask, client: Any) -> None:
    response = client.options("/api/items", headers=preflight(ALLOWED))
    assert response.status_code == 200
    assert response.get_data() == b""
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"] == "content-type"
    assert response.headers["Access-Control-Max-Age"] == "600"


def test_a_preflight_to_a_missing_route_is_a_404(api: Hipflask, client: Any) -> None:
    response = client.options("/api/nope", headers=preflight(ALLOWED))
    # As the request itself would be: a browser fails a preflight that is
    # not a 2xx, whatever headers it carries.
    assert response.status_code == 404
    assert "Access-Control-Allow-Methods" not in response.headers


def test_a_preflight_from_another_origin_gets_no_permission(api: Hipflask, client: Any) -> None:
    response = client.options("/api/items", headers=preflight(EVIL))
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers


def test_an_allowed_origin_passes_the_cross_origin_gate(api: Hipflask, client: Any) -> None:
    headers = {"Origin": ALLOWED, "Sec-Fetch-Site": "cross-site"}
    response = client.put("/api/items", headers=headers)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_other_origins_and_other_routes_stay_refused(api: Hipflask, client: Any) -> None:
    attack = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
    refused = client.put("/api/items", headers=attack)
    assert refused.status_code == 403
    assert not _names_the_credentials(refused.get_data(as_text=True))
    allowed_elsewhere = {"Origin": ALLOWED, "Sec-Fetch-Site": "cross-site"}
    assert client.post("/form", headers=allowed_elsewhere).status_code == 403


@pytest.mark.parametrize(
    ("sent", "site"),
    [("https://evil.app.example", "same-site"), (EVIL, "cross-site")],
    ids=["sibling subdomain", "other site"],
)
def test_a_policy_without_credentials_lets_no_cookie_carrying_write_through(
    app: Hipflask, client: Any, sent: str, site: str
) -> None:
    # CORS(app) as tutorials write it: every origin, no credentials. It is
    # about scripts calling an API without cookies; a form posted from a
    # sibling subdomain (which SameSite=Lax cookies go with) or carrying a
    # SameSite=None cookie must still meet the cross-origin check.
    CORS(app)

    @app.post("/transfer")
    def transfer() -> str:
        return "moved"

    headers = {"Origin": sent, "Sec-Fetch-Site": site}
    client.set_cookie("session", "the-victims")
    refused = client.post("/transfer", headers=headers)
    assert refused.status_code == 403
    # The origin is allowed: the refusal says what else it took, not that
    # the origin matches nothing (which sends a developer to the origins).
    assert _names_the_credentials(refused.get_data(as_text=True))
    client.delete_cookie("session")
    called = client.post("/transfer", headers=headers)
    assert called.status_code == 200
    assert called.headers["Access-Control-Allow-Origin"] == sent


@pytest.mark.parametrize(
    ("authorization", "passes"),
    [
        ("Basic YWxpY2U6d29uZGVybGFuZA==", False),
        ("basic YWxpY2U6d29uZGVybGFuZA==", False),
        ('Digest username="alice", nonce="n"', False),
        ("NTLM TlRMTVNTUAAB", False),
        ("Negotiate YIIB", False),
        ("Bearer a.script.set.this", True),
        ("Token abc", True),
    ],
)
def test_a_policy_without_credentials_lets_no_remembered_http_auth_write_through(
    app: Hipflask, client: Any, authorization: str, passes: bool
) -> None:
    # A browser sends the HTTP authentication it has asked the user for by
    # itself, with a form posted from another site too: like a cookie, it
    # must meet the cross-origin check. A bearer token is set by a script.
    CORS(app)

    @app.post("/transfer")
    def transfer() -> str:
        return "moved"

    headers = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site", "Authorization": authorization}
    response = client.post("/transfer", headers=headers)
    assert response.status_code == (200 if passes else 403)
    if not passes:
        assert _names_the_credentials(response.get_data(as_text=True))


def _names_the_credentials(page: str) -> bool:
    return "supports_credentials=True" in page and "matches neither" not in page


def test_a_policy_with_credentials_lets_its_origins_write_with_cookies(
    api: Hipflask, client: Any
) -> None:
    client.set_cookie("session", "the-users")
    headers = {"Origin": ALLOWED, "Sec-Fetch-Site": "cross-site"}
    assert client.put("/api/items", headers=headers).status_code == 200


def test_error_pages_of_matching_routes_carry_the_headers(api: Hipflask, client: Any) -> None:
    response = client.get("/api/broken", headers={"Origin": ALLOWED})
    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    missing = client.get("/api/nothing-here", headers={"Origin": ALLOWED})
    assert missing.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_cors_app_allows_any_origin_without_credentials(app: Hipflask, client: Any) -> None:
    CORS(app)

    @app.get("/")
    def index() -> str:
        return "ok"

    response = client.get("/", headers={"Origin": "https://anyone.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://anyone.example"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_wildcard_origin_with_credentials_is_refused_at_start(app: Hipflask) -> None:
    with pytest.raises(ConfigurationError, match="supports_credentials"):
        CORS(app, supports_credentials=True)


def test_an_unknown_option_is_refused(app: Hipflask) -> None:
    with pytest.raises(ConfigurationError, match="Unknown CORS option"):
        CORS(app, supports_credential=True)


def test_cross_origin_works_without_cors_app(app: Hipflask, client: Any) -> None:
    @app.route("/widget", methods=["GET", "POST"])
    @cross_origin(origins=[ALLOWED])
    def widget() -> str:
        return "widget"

    response = client.get("/widget", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    answered = client.options("/widget", headers=preflight(ALLOWED, "POST"))
    assert answered.headers["Access-Control-Allow-Origin"] == ALLOWED
    cross = {"Origin": ALLOWED, "Sec-Fetch-Site": "cross-site"}
    assert client.post("/widget", headers=cross).status_code == 200
    evil = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
    assert client.post("/widget", headers=evil).status_code == 403


def test_settings_supply_the_defaults(app: Hipflask, client: Any) -> None:
    app.config["CORS_ORIGINS"] = [ALLOWED]
    CORS(app)

    @app.get("/")
    def index() -> str:
        return "ok"

    assert client.get("/", headers={"Origin": ALLOWED}).headers["Access-Control-Allow-Origin"]
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"Origin": EVIL}).headers


@pytest.mark.parametrize("decorated", [False, True], ids=["cors-app", "cross-origin"])
def test_a_setting_left_at_none_keeps_the_default(
    app: Hipflask, client: Any, decorated: bool
) -> None:
    # ``CORS_ORIGINS = os.environ.get("CORS_ORIGINS")`` with the variable
    # unset: Flask-CORS takes None for "not set", as for every CORS_* key.
    for key in ("CORS_ORIGINS", "CORS_METHODS", "CORS_ALLOW_HEADERS", "CORS_VARY_HEADER"):
        app.config[key] = None
    app.config["CORS_ALWAYS_SEND"] = None

    def index() -> str:
        return "ok"

    if decorated:
        app.add_url_rule("/", view_func=cross_origin()(index), methods=["GET", "POST"])
    else:
        CORS(app)
        app.add_url_rule("/", view_func=index, methods=["GET", "POST"])

    response = client.get("/", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Vary"] == "Origin"
    assert client.get("/").headers["Access-Control-Allow-Origin"] == "*"
    answered = client.options("/", headers=preflight(ALLOWED, "POST", "X-Token"))
    assert answered.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in answered.headers["Access-Control-Allow-Methods"]
    assert answered.headers["Access-Control-Allow-Headers"] == "X-Token"


def test_the_first_request_to_a_decorated_view_may_be_its_preflight(
    app: Hipflask, client: Any
) -> None:
    @app.route("/widget", methods=["PUT"])
    @cross_origin(ALLOWED, max_age=60)
    async def widget() -> str:
        return "widget"

    answered = client.options("/widget", headers=preflight(ALLOWED))
    assert answered.status_code == 200
    assert answered.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert answered.headers["Access-Control-Max-Age"] == "60"
    cross = {"Origin": ALLOWED, "Sec-Fetch-Site": "cross-site"}
    response = client.put("/widget", headers=cross)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_a_plain_options_request_gets_the_allowed_methods(app: Hipflask, client: Any) -> None:
    @app.get("/widget")
    @cross_origin()
    def widget() -> str:
        return "widget"

    response = client.options("/widget")
    assert response.status_code == 200
    assert "GET" in response.headers["Allow"]
    assert "Access-Control-Allow-Methods" not in response.headers


def test_a_plain_options_request_from_an_origin_is_no_preflight(app: Hipflask, client: Any) -> None:
    @app.get("/widget")
    @cross_origin(origins=[ALLOWED], max_age=60, expose_headers=["X-Total"])
    def widget() -> str:
        return "widget"

    # No Access-Control-Request-Method: an actual OPTIONS request, answered
    # as Flask-CORS answers one, with an actual response's headers.
    response = client.options("/widget", headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Expose-Headers"] == "X-Total"
    assert "Access-Control-Allow-Methods" not in response.headers
    assert "Access-Control-Max-Age" not in response.headers


def test_init_app_later_and_vary_header_off(app: Hipflask, client: Any) -> None:
    cors = CORS(resources=r"/api/*", vary_header=False)
    cors.init_app(app)

    @app.get("/api/x")
    def x() -> str:
        return "x"

    response = client.get("/api/x", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Vary" not in response.headers
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/other", headers={"Origin": ALLOWED}).headers
    )


def test_an_empty_resources_dict_registers_the_gate_for_decorated_views(
    app: Hipflask, client: Any
) -> None:
    CORS(app, resources={})

    @app.post("/widget")
    @cross_origin(origins=[ALLOWED])
    def widget() -> str:
        return "widget"

    cross = {"Origin": ALLOWED, "Sec-Fetch-Site": "cross-site"}
    assert client.post("/widget", headers=cross).status_code == 200


def test_cross_origin_survives_a_decorator_applied_after_it(app: Hipflask, client: Any) -> None:
    import functools

    def wrapped(view: Any) -> Any:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return view(*args, **kwargs)

        return wrapper

    CORS(app, resources={})

    @app.post("/widget")
    @wrapped
    @cross_origin(origins=[ALLOWED])
    def widget() -> str:
        return "widget"

    cross = {"Origin": ALLOWED, "Sec-Fetch-Site": "cross-site"}
    assert client.post("/widget", headers=cross).status_code == 200
    assert client.post("/widget", headers={**cross, "Origin": EVIL}).status_code == 403


def test_a_null_origin_never_passes_the_cross_origin_gate(app: Hipflask, client: Any) -> None:
    CORS(app)

    @app.post("/")
    def index() -> str:
        return "changed"

    sandboxed = {"Origin": "null", "Sec-Fetch-Site": "cross-site"}
    response = client.post("/", headers=sandboxed)
    assert response.status_code == 403


def test_cross_origin_reads_the_app_s_cors_settings(app: Hipflask, client: Any) -> None:
    @app.route("/widget", methods=["GET", "POST"])
    @cross_origin()
    def widget() -> str:
        return "widget"

    @app.get("/short")
    @cross_origin(max_age=5)
    def short() -> str:
        return "short"

    # Set after the decorators ran, as a factory configures its app: read
    # per request, defaults < settings < the decorator's own arguments.
    app.config.update(CORS_ORIGINS=[ALLOWED], CORS_MAX_AGE=120, CORS_EXPOSE_HEADERS=["X-Total"])
    evil = client.get("/widget", headers={"Origin": EVIL})
    assert "Access-Control-Allow-Origin" not in evil.headers
    attack = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
    assert client.post("/widget", headers=attack).status_code == 403
    refused = client.options("/widget", headers=preflight(EVIL, "POST"))
    assert "Access-Control-Allow-Origin" not in refused.headers
    allowed = client.get("/widget", headers={"Origin": ALLOWED})
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert allowed.headers["Access-Control-Expose-Headers"] == "X-Total"
    answered = client.options("/widget", headers=preflight(ALLOWED, "POST"))
    assert answered.headers["Access-Control-Max-Age"] == "120"
    cross = {"Origin": ALLOWED, "Sec-Fetch-Site": "cross-site"}
    assert client.post("/widget", headers=cross).status_code == 200
    short_answer = client.options("/short", headers=preflight(ALLOWED, "GET"))
    assert short_answer.headers["Access-Control-Max-Age"] == "5"
    assert short_answer.headers["Access-Control-Allow-Origin"] == ALLOWED
    other = client.options("/short", headers=preflight(EVIL, "GET"))
    assert "Access-Control-Allow-Origin" not in other.headers


def test_cross_origin_credentials_take_their_origins_from_the_settings(
    app: Hipflask, client: Any
) -> None:
    decorate = cross_origin(supports_credentials=True)  # no origins: the settings may list them

    def widget() -> str:
        return "widget"

    with pytest.raises(ConfigurationError, match="supports_credentials"):
        app.add_url_rule("/open", "open", decorate(widget))
    app.config["CORS_ORIGINS"] = [ALLOWED]
    app.add_url_rule("/widget", "widget", decorate(widget))
    response = client.get("/widget", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_cors_on_a_blueprint_covers_its_routes_only(app: Hipflask, client: Any) -> None:
    api = Blueprint("api_v1", __name__, url_prefix="/api")

    @api.route("/items", methods=["GET", "PUT"])
    def items() -> str:
        return "items"

    CORS(api, origins=[ALLOWED], max_age=30)
    app.register_blueprint(api)

    @app.route("/plain", methods=["GET", "PUT"])
    def plain() -> str:
        return "plain"

    response = client.get("/api/items", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    answered = client.options("/api/items", headers=preflight(ALLOWED))
    assert answered.headers["Access-Control-Max-Age"] == "30"
    cross = {"Origin": ALLOWED, "Sec-Fetch-Site": "cross-site"}
    assert client.put("/api/items", headers=cross).status_code == 200
    refused = client.get("/api/items", headers={"Origin": EVIL})
    assert "Access-Control-Allow-Origin" not in refused.headers
    outside = client.get("/plain", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in outside.headers
    assert client.put("/plain", headers=cross).status_code == 403


def test_header_name_lists_are_sorted(app: Hipflask, client: Any) -> None:
    CORS(app, origins=[ALLOWED], expose_headers=["X-Zeta", "X-Alpha"])

    @app.route("/x", methods=["GET", "PUT"])
    def x() -> str:
        return "x"

    got = client.get("/x", headers={"Origin": ALLOWED})
    assert got.headers["Access-Control-Expose-Headers"] == "X-Alpha, X-Zeta"
    answered = client.options("/x", headers=preflight(ALLOWED, headers="X-Foo, X-Bar"))
    assert answered.headers["Access-Control-Allow-Headers"] == "X-Bar, X-Foo"


def test_a_response_whose_view_set_allow_origin_is_left_as_the_view_made_it(
    app: Hipflask, client: Any
) -> None:
    CORS(app, origins=[ALLOWED], expose_headers=["X-Total"], supports_credentials=True)

    @app.get("/embed")
    def embed() -> Any:
        # A view with its own answer for one partner, as Flask-CORS leaves it.
        return "embed", {"Access-Control-Allow-Origin": "https://partner.example"}

    response = client.get("/embed", headers={"Origin": ALLOWED})
    assert response.headers.getlist("Access-Control-Allow-Origin") == ["https://partner.example"]
    assert "Access-Control-Expose-Headers" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.headers["Vary"] == "Origin"


def test_a_positional_origin_limits_cross_origin_to_it(app: Hipflask, client: Any) -> None:
    # Flask-CORS ignores the argument and allows every origin; the author
    # named one, so only that one is allowed here.
    @app.get("/widget")
    @cross_origin(ALLOWED)
    def widget() -> str:
        abort(400)

    allowed = client.get("/widget", headers={"Origin": ALLOWED})
    # The error page carries the headers, so the partner's script can read it.
    assert allowed.status_code == 400
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert (
        "Access-Control-Allow-Origin" not in client.get("/widget", headers={"Origin": EVIL}).headers
    )


def test_version_is_the_package_version() -> None:
    # Flask-CORS exports its release as ``__version__``; code that logs or
    # checks it keeps working, and reads hipflask's.
    import hipflask
    import hipflask.cors
    from hipflask.cors import __version__

    assert __version__ == hipflask.__version__
    assert "__version__" in hipflask.cors.__all__


@pytest.mark.parametrize(
    "options",
    [
        {"resources": 5},
        {"resources": [5]},
        {"resources": {"/api/*": 5}},
        {"origins": 5},
        {"origins": ["(unclosed"]},
        {"max_age": "ten"},
        {"supports_credential": True},
    ],
    ids=["resources", "resource-entry", "resource-options", "origins", "regex", "max-age", "name"],
)
def test_a_malformed_setting_is_a_value_error_as_in_flask_cors(
    app: Hipflask, options: dict[str, Any]
) -> None:
    # Flask-CORS raises ValueError; an app or a test catching it keeps
    # working, and the error is still hipflask's ConfigurationError.
    with pytest.raises(ValueError, match="CORS") as refused:
        CORS(app, **options)
    assert isinstance(refused.value, ConfigurationError)


def test_a_malformed_setting_in_the_config_is_a_value_error(app: Hipflask) -> None:
    app.config["CORS_RESOURCES"] = 5
    with pytest.raises(ValueError, match="CORS resources"):
        CORS(app)
    with pytest.raises(ValueError, match="Unknown CORS option"):
        cross_origin(supports_credential=True)


def test_cross_origin_on_a_view_that_hands_on_a_coroutine(app: Hipflask, client: Any) -> None:
    async def prices() -> Any:
        return {"eur": 1}

    # A plain function passing on an async result, as an API's output wrapper does.
    @app.get("/prices")
    @cross_origin(origins=[ALLOWED])
    def hand_on() -> Any:
        return prices()

    response = client.get("/prices", headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert response.get_json() == {"eur": 1}
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
