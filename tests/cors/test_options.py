"""Every Flask-CORS option, as its documentation describes it, under both protocols."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import abort
from hipflask import request
from hipflask.cors import CORS
from hipflask.cors import cross_origin
from hipflask.limiter import Limiter

ALLOWED = "https://app.example"
EVIL = "https://evil.example"
CROSS_SITE = {"Origin": ALLOWED, "Sec-Fetch-Site": "cross-site"}


def preflight(origin: str = ALLOWED, method: str = "POST", **extra: str) -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": method, **extra}


def cors_headers(response: Any) -> dict[str, str]:
    # Lower-cased: the ASGI client hands header names over as the server sent them.
    return {
        name.lower(): value
        for name, value in response.headers.items()
        if name.lower().startswith("access-control-") or name.lower() == "vary"
    }


def routes(app: Hipflask) -> None:
    @app.route("/x", methods=["GET", "POST"])
    def x() -> str:
        return "x"

    @app.get("/teapot")
    def teapot() -> str:
        abort(418)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")


def test_always_send_marks_a_public_resource_without_an_origin(app: Hipflask, client: Any) -> None:
    CORS(app, expose_headers=["X-Total", "X-Page"])
    routes(app)
    response = client.get("/x")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    # A list is sent sorted, as Flask-CORS sends it.
    assert response.headers["Access-Control-Expose-Headers"] == "X-Page, X-Total"
    assert response.headers["Vary"] == "Origin"


def test_always_send_never_names_a_listed_origin_to_a_client_without_one(
    app: Hipflask, client: Any
) -> None:
    CORS(app, origins=[ALLOWED])
    routes(app)
    assert "Access-Control-Allow-Origin" not in client.get("/x").headers
    assert client.get("/x", headers={"Origin": ALLOWED}).headers["Access-Control-Allow-Origin"] == (
        ALLOWED
    )


def test_always_send_false_sends_nothing_without_an_origin(app: Hipflask, client: Any) -> None:
    app.config["CORS_ALWAYS_SEND"] = False
    CORS(app)
    routes(app)
    assert "Access-Control-Allow-Origin" not in client.get("/x").headers
    with_origin = client.get("/x", headers={"Origin": ALLOWED})
    assert with_origin.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_send_wildcard_answers_a_star_instead_of_the_origin(app: Hipflask, client: Any) -> None:
    CORS(app, send_wildcard=True)
    routes(app)
    assert client.get("/x", headers={"Origin": ALLOWED}).headers["Access-Control-Allow-Origin"] == (
        "*"
    )
    answered = client.options("/x", headers=preflight())
    assert answered.headers["Access-Control-Allow-Origin"] == "*"


def test_send_wildcard_does_not_apply_to_listed_origins(app: Hipflask, client: Any) -> None:
    CORS(app, origins=[ALLOWED], send_wildcard=True)
    routes(app)
    headers = client.get("/x", headers={"Origin": ALLOWED}).headers
    assert headers["Access-Control-Allow-Origin"] == ALLOWED


@pytest.mark.parametrize("vary", [True, False])
def test_vary_header_adds_or_leaves_vary_alone(app: Hipflask, client: Any, vary: bool) -> None:
    CORS(app, origins=[ALLOWED, "https://other.example"], vary_header=vary)

    @app.get("/x")
    def x() -> Any:
        return "x", 200, {"Vary": "Accept-Encoding"}

    response = client.get("/x", headers={"Origin": ALLOWED})
    expected = "Accept-Encoding, Origin" if vary else "Accept-Encoding"
    assert response.headers["Vary"] == expected
    answered = client.options("/x", headers=preflight(method="GET"))
    assert ("Vary" in answered.headers) is vary


@pytest.mark.parametrize(("allow", "granted"), [(True, "true"), (False, "false")])
def test_allow_private_network_answers_a_private_network_preflight(
    app: Hipflask, client: Any, allow: bool, granted: str
) -> None:
    CORS(app, allow_private_network=allow)
    routes(app)
    asked = preflight(**{"Access-Control-Request-Private-Network": "true"})
    answered = client.options("/x", headers=asked)
    assert answered.headers["Access-Control-Allow-Private-Network"] == granted
    plain = client.options("/x", headers=preflight())
    assert "Access-Control-Allow-Private-Network" not in plain.headers


@pytest.mark.parametrize(("allow", "granted"), [(True, "true"), (False, "false")])
def test_allow_private_network_answers_the_question_on_an_actual_request(
    app: Hipflask, client: Any, allow: bool, granted: str
) -> None:
    CORS(app, origins=[ALLOWED], allow_private_network=allow)
    routes(app)
    asks = {"Access-Control-Request-Private-Network": "true"}

    answered = client.get("/x", headers={"Origin": ALLOWED, **asks})
    unasked = client.get("/x", headers={"Origin": ALLOWED})
    refused = client.get("/x", headers={"Origin": EVIL, **asks})

    assert cors_headers(answered)["access-control-allow-private-network"] == granted
    assert "access-control-allow-private-network" not in cors_headers(unasked)
    assert cors_headers(refused) == {"vary": "Origin"}


@pytest.mark.parametrize("intercept", [True, False])
def test_error_responses_carry_the_headers_whatever_intercept_exceptions_says(
    app: Hipflask, client: Any, intercept: bool
) -> None:
    CORS(app, intercept_exceptions=intercept)
    routes(app)
    app.testing = False
    origin = {"Origin": ALLOWED}
    for path, status in (("/teapot", 418), ("/nowhere", 404), ("/boom", 500)):
        response = client.get(path, headers=origin)
        assert response.status_code == status
        assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_string_forms_of_list_options_are_split_as_flask_cors_does(
    app: Hipflask, client: Any
) -> None:
    CORS(app, methods="GET, POST", allow_headers="X-A, X-B", max_age="600")
    routes(app)
    answered = client.options(
        "/x", headers=preflight(**{"Access-Control-Request-Headers": "x-a, x-c"})
    )
    assert answered.headers["Access-Control-Allow-Methods"] == "GET, POST"
    assert answered.headers["Access-Control-Allow-Headers"] == "x-a"
    assert answered.headers["Access-Control-Max-Age"] == "600"


def test_a_string_of_names_is_sent_as_written(app: Hipflask, client: Any) -> None:
    # Flask-CORS sorts a list but sends a string as it is given (methods in
    # capitals); a test that pins the header reads the same value.
    CORS(app, methods="post,get", expose_headers="X-Zeta, X-Alpha")
    routes(app)
    got = client.get("/x", headers={"Origin": ALLOWED})
    assert got.headers["Access-Control-Expose-Headers"] == "X-Zeta, X-Alpha"
    answered = client.options("/x", headers=preflight())
    assert answered.headers["Access-Control-Allow-Methods"] == "POST,GET"


def test_max_age_accepts_a_timedelta(app: Hipflask, client: Any) -> None:
    CORS(app, max_age=timedelta(minutes=2))
    routes(app)
    assert client.options("/x", headers=preflight()).headers["Access-Control-Max-Age"] == "120"


def test_automatic_options_false_leaves_options_to_the_app(app: Hipflask, client: Any) -> None:
    @app.route("/auto", methods=["GET", "POST"])
    @cross_origin(origins=[ALLOWED], automatic_options=False)
    def auto() -> str:
        return "auto:" + request.method

    @app.route("/own", methods=["GET", "POST", "OPTIONS"])
    @cross_origin(origins=[ALLOWED], automatic_options=False)
    def own() -> str:
        return "own:" + request.method

    # No OPTIONS handler of its own: the app's plain answer, without CORS.
    plain = client.options("/auto", headers=preflight())
    assert plain.status_code == 200
    assert "POST" in plain.headers["Allow"]
    assert "Access-Control-Allow-Origin" not in plain.headers
    assert plain.get_data(as_text=True) == ""
    # The view answers OPTIONS itself and gets the preflight headers.
    answered = client.options("/own", headers=preflight())
    assert answered.get_data(as_text=True) == "own:OPTIONS"
    assert answered.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in answered.headers["Access-Control-Allow-Methods"]
    # Actual requests get the headers as usual.
    assert client.post("/auto", headers=CROSS_SITE).headers["Access-Control-Allow-Origin"] == (
        ALLOWED
    )


@pytest.mark.parametrize("origin", [{"Origin": ALLOWED}, {}], ids=["origin", "no-origin"])
def test_automatic_options_false_plain_options_gets_no_cors_headers(
    app: Hipflask, client: Any, origin: dict[str, str]
) -> None:
    @app.route("/auto", methods=["GET", "POST"])
    @cross_origin(automatic_options=False)
    def auto() -> str:
        return "auto"

    plain = client.options("/auto", headers=origin)

    assert plain.status_code == 200
    assert "POST" in plain.headers["Allow"]
    assert cors_headers(plain) == {}
    assert client.get("/auto", headers=origin).headers["Access-Control-Allow-Origin"] == (
        origin.get("Origin", "*")
    )


def test_automatic_options_true_answers_the_preflight_before_the_view(
    app: Hipflask, client: Any
) -> None:
    called: list[str] = []

    @app.route("/auto", methods=["POST"])
    @cross_origin(origins=[ALLOWED])
    def auto() -> str:
        called.append(request.method)
        return "auto"

    answered = client.options("/auto", headers=preflight())
    assert answered.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert called == []


def test_a_fresh_app_s_first_request_may_be_a_preflight(app: Hipflask, client: Any) -> None:
    limiter = Limiter(app, default_limits=["1 per minute"])
    called: list[str] = []

    @app.route("/widget", methods=["PUT"])
    @cross_origin(origins=[ALLOWED], max_age=60)
    def widget() -> str:
        called.append("view")
        return "widget"

    # Registered with the route: the gate knows the policy before any call.
    assert "cors.preflight" in app.gate.check_names
    answered = client.options("/widget", headers=preflight(method="PUT"))
    assert answered.status_code == 200
    assert answered.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert answered.headers["Access-Control-Max-Age"] == "60"
    # The gate answered: the view did not run and no budget was spent.
    assert called == []
    assert client.put("/widget", headers=CROSS_SITE).status_code == 200
    del limiter


def test_a_fresh_app_s_first_request_may_be_a_cross_site_post(app: Hipflask, client: Any) -> None:
    @app.post("/widget")
    @cross_origin(origins=[ALLOWED])
    def widget() -> str:
        return "saved"

    response = client.post("/widget", headers=CROSS_SITE)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    refused = client.post("/widget", headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403


def test_a_blueprint_view_is_known_from_its_registration(app: Hipflask, client: Any) -> None:
    from hipflask import Blueprint

    bp = Blueprint("api", __name__)

    @bp.post("/items")
    @cross_origin(origins=[ALLOWED])
    def items() -> str:
        return "items"

    app.register_blueprint(bp, url_prefix="/api")
    assert client.post("/api/items", headers=CROSS_SITE).status_code == 200


def test_a_plain_options_to_an_async_view_is_answered_by_the_view(
    app: Hipflask, client: Any
) -> None:
    @app.route("/async", methods=["PUT"])
    @cross_origin(origins=[ALLOWED])
    async def view() -> str:
        return "view"

    response = client.options("/async", headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert "PUT" in response.headers["Allow"]
    assert response.get_data(as_text=True) == ""


VIEW_ONLY = "https://view.example"


def test_app_wide_policy_answers_the_preflight_a_view_leaves_to_the_app(
    app: Hipflask, client: Any
) -> None:
    # Flask-CORS: the view's decorator never sees the app's own OPTIONS
    # answer, so CORS(app) answers the preflight; the view's policy decides
    # the request that follows.
    CORS(app, origins=[ALLOWED])

    @app.route("/auto", methods=["GET", "POST"])
    @cross_origin(origins=[VIEW_ONLY], automatic_options=False)
    def auto() -> str:
        return "auto"

    answered = client.options(
        "/auto", headers=preflight(ALLOWED, **{"Access-Control-Request-Headers": "X-Token"})
    )
    assert answered.status_code == 200
    assert answered.get_data(as_text=True) == ""
    assert answered.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in answered.headers["Access-Control-Allow-Methods"]
    assert answered.headers["Access-Control-Allow-Headers"] == "X-Token"
    # The origin only the view allows is not the app-wide policy's.
    assert "access-control-allow-origin" not in cors_headers(
        client.options("/auto", headers=preflight(VIEW_ONLY))
    )
    # The follow-up request is the view's: no headers for the app-wide
    # origin (and its cross-site POST stays refused), the view's own pass.
    assert "access-control-allow-origin" not in cors_headers(
        client.get("/auto", headers={"Origin": ALLOWED})
    )
    refused = client.post("/auto", headers=CROSS_SITE)
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in cors_headers(refused)
    allowed = client.post("/auto", headers={"Origin": VIEW_ONLY, "Sec-Fetch-Site": "cross-site"})
    assert (allowed.status_code, allowed.headers["Access-Control-Allow-Origin"]) == (
        200,
        VIEW_ONLY,
    )


def test_app_wide_automatic_options_false_still_answers_preflights_on_routes(
    app: Hipflask, client: Any
) -> None:
    # The app's own OPTIONS answer, or the view's, carries the preflight
    # headers, as Flask-CORS's after-request hook adds them.
    CORS(app, origins=[ALLOWED], automatic_options=False)

    @app.route("/plain", methods=["GET", "POST"])
    def plain() -> str:
        return "plain"

    @app.route("/own", methods=["GET", "POST", "OPTIONS"])
    def own() -> str:
        return "own:" + request.method

    for path, body in (("/plain", ""), ("/own", "own:OPTIONS")):
        answered = client.options(path, headers=preflight())
        assert answered.get_data(as_text=True) == body
        assert answered.headers["Access-Control-Allow-Origin"] == ALLOWED
        assert "POST" in answered.headers["Access-Control-Allow-Methods"]
        refused = client.options(path, headers=preflight(EVIL))
        assert "access-control-allow-origin" not in cors_headers(refused)
        assert "access-control-allow-methods" not in cors_headers(refused)


PARTNER = "https://partner.example"


def test_a_literal_resource_path_wins_over_a_pattern_that_also_matches(
    app: Hipflask, client: Any
) -> None:
    # Flask-CORS tries literal paths first, then patterns with more
    # slashes, then longer ones; "/api/me" is no shorter than "/api/*".
    CORS(
        app,
        resources={
            r"/api/*": {"origins": [ALLOWED]},
            "/api/me": {"origins": [PARTNER]},
            r"/a/b/c/*": {"origins": [ALLOWED]},
            r"/a/.*-export": {"origins": [PARTNER]},
        },
    )

    @app.get("/api/me")
    def me() -> str:
        return "me"

    @app.get("/a/b/c/x-export")
    def export() -> str:
        return "export"

    me_response = client.get("/api/me", headers={"Origin": PARTNER})
    assert me_response.headers["Access-Control-Allow-Origin"] == PARTNER
    mine = client.get("/api/me", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in mine.headers
    deeper = client.get("/a/b/c/x-export", headers={"Origin": ALLOWED})
    assert deeper.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_a_star_resource_covers_every_path(app: Hipflask, client: Any) -> None:
    # Flask-CORS takes the resource "*" for every path, as "origins" takes "*".
    CORS(app, resources={"*": {"origins": [ALLOWED]}})
    routes(app)
    assert client.get("/x", headers={"Origin": ALLOWED}).headers["Access-Control-Allow-Origin"]


def test_a_slash_star_resource_covers_the_path_itself_but_no_longer_names(
    app: Hipflask, client: Any
) -> None:
    CORS(app, resources={r"/graphql/*": {"origins": [ALLOWED]}})

    @app.post("/graphql")
    def graphql() -> str:
        return "{}"

    @app.post("/graphql/batch")
    def batch() -> str:
        return "[]"

    @app.post("/graphqlx")
    def other() -> str:
        return "other"

    for path in ("/graphql", "/graphql/batch"):
        response = client.post(path, headers=CROSS_SITE)
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert client.post("/graphqlx", headers=CROSS_SITE).status_code == 403


def test_a_resource_path_without_regex_characters_is_taken_literally(
    app: Hipflask, client: Any
) -> None:
    CORS(app, resources={"/feed.json": {"origins": [ALLOWED]}})

    @app.get("/feed.json")
    def feed() -> str:
        return "[]"

    @app.get("/feed-json")
    def lookalike() -> str:
        return "[]"

    assert client.get("/feed.json", headers={"Origin": ALLOWED}).headers[
        "Access-Control-Allow-Origin"
    ]
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/feed-json", headers={"Origin": ALLOWED}).headers
    )
