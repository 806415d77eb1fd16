"""crossdomain: Flask-RESTful's CORS decorator, answered by hipflask's CORS policy."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Hipflask
from hipflask.restful import Api
from hipflask.restful import Resource
from hipflask.restful.utils.cors import crossdomain
from hipflask.security.cors import CorsConfigurationError

ALLOWED = "https://app.example"
EVIL = "https://evil.example"
PREFLIGHT = {
    "Origin": ALLOWED,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
}
# The headers both answers carry when they agree; compared case-insensitively
# (Flask-RESTful upper-cases header names it lists, which browsers ignore).
COMPARED = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Allow-Credentials",
    "Access-Control-Max-Age",
)


def flask_restful_answer(
    options: dict[str, Any], method: str, headers: dict[str, str]
) -> dict[str, str]:
    """What Flask-RESTful's own decorator sends for the same view and request."""
    flask = pytest.importorskip("flask")
    original = pytest.importorskip("flask_restful.utils.cors")
    app = flask.Flask("flask_restful_reference")

    # Flask-RESTful's view must list OPTIONS itself to be asked a preflight.
    @app.route("/items", methods=["GET", "POST", "OPTIONS"])
    @original.crossdomain(**options)
    def items() -> str:
        return "items"

    response = app.test_client().open("/items", method=method, headers=headers)
    return _compared(response.headers, response.status_code)


def _compared(headers: Any, status: int) -> dict[str, str]:
    seen = {name: headers.get(name) for name in COMPARED if headers.get(name) is not None}
    return {"status": str(status), **{k: v.lower() for k, v in seen.items()}}


def hipflask_answer(
    app: Hipflask, client: Any, options: dict[str, Any], method: str, headers: dict[str, str]
) -> dict[str, str]:
    @app.route("/items", methods=["GET", "POST"])
    @crossdomain(**options)
    def items() -> str:
        return "items"

    response = client.open("/items", method=method, headers=headers)
    return _compared(response.headers, response.status_code)


AGREEING = {
    "wildcard": {"origin": "*", "methods": ["GET", "POST"], "headers": ["Content-Type"]},
    "listed-with-credentials": {
        "origin": ALLOWED,
        "methods": ["get", "post"],
        "headers": "Content-Type",
        "max_age": 600,
        "credentials": True,
    },
    "no-headers-allowed": {"origin": "*", "methods": ["POST"]},
}


@pytest.mark.parametrize("options", AGREEING.values(), ids=AGREEING.keys())
def test_a_preflight_gets_flask_restful_s_answer(
    app: Hipflask, client: Any, options: dict[str, Any]
) -> None:
    ours = hipflask_answer(app, client, options, "OPTIONS", PREFLIGHT)
    assert ours == flask_restful_answer(options, "OPTIONS", PREFLIGHT)
    assert ours["Access-Control-Allow-Origin"] in ("*", ALLOWED)


@pytest.mark.parametrize("options", AGREEING.values(), ids=AGREEING.keys())
def test_an_actual_response_shares_what_flask_restful_shares(
    app: Hipflask, client: Any, options: dict[str, Any]
) -> None:
    ours = hipflask_answer(app, client, options, "GET", {"Origin": ALLOWED})
    theirs = flask_restful_answer(options, "GET", {"Origin": ALLOWED})
    # Flask-RESTful repeats the preflight's headers on every response;
    # browsers read only these two there.
    shared = ("status", "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials")
    assert ours == {name: theirs[name] for name in shared if name in theirs}
    assert ours["Access-Control-Allow-Origin"] in ("*", ALLOWED)


def test_expose_headers_reach_an_allowed_origin(app: Hipflask, client: Any) -> None:
    @app.get("/items")
    @crossdomain(origin=[ALLOWED], expose_headers=["X-Total"])
    def items() -> str:
        return "items"

    response = client.get("/items", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Expose-Headers"] == "X-Total"
    assert "Origin" in response.headers["Vary"]


def test_another_origin_is_not_named_and_its_post_is_refused(app: Hipflask, client: Any) -> None:
    @app.route("/items", methods=["GET", "POST"])
    @crossdomain(origin=ALLOWED)
    def items() -> str:
        return "items"

    read = client.get("/items", headers={"Origin": EVIL})
    assert "Access-Control-Allow-Origin" not in read.headers
    refused = client.post("/items", headers={"Origin": EVIL})
    assert refused.status_code == 403
    allowed = client.post("/items", headers={"Origin": ALLOWED})
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_a_view_without_options_in_its_methods_still_answers_preflights(
    app: Hipflask, client: Any
) -> None:
    @app.get("/items")
    @crossdomain(origin="*")
    def items() -> str:
        return "items"

    response = client.options(
        "/items", headers={**PREFLIGHT, "Access-Control-Request-Method": "GET"}
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Max-Age"] == "21600"
    assert "Access-Control-Allow-Headers" not in response.headers


class Prices(Resource):
    method_decorators = [crossdomain(origin=[ALLOWED], headers=["Content-Type"])]  # noqa: RUF012

    def get(self) -> Any:
        return {"eur": 1}

    def post(self) -> Any:
        return {"saved": True}, 201


class OnlyGet(Resource):
    method_decorators = {"get": [crossdomain(origin=[ALLOWED])]}  # noqa: RUF012

    def get(self) -> Any:
        return {"eur": 1}

    def post(self) -> Any:
        return {"saved": True}, 201


@pytest.mark.parametrize("resource", [Prices, OnlyGet], ids=["list", "by-method"])
def test_a_resource_s_method_decorator_covers_its_url(
    app: Hipflask, client: Any, resource: type[Resource]
) -> None:
    Api(app).add_resource(resource, "/prices")

    # The first request of the process is a preflight: the gate knows the policy.
    preflight = client.options("/prices", headers=PREFLIGHT)
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == ALLOWED
    posted = client.post("/prices", headers={"Origin": ALLOWED}, json={})
    assert posted.status_code == 201
    assert posted.get_json() == {"saved": True}
    assert posted.headers["Access-Control-Allow-Origin"] == ALLOWED
    refused = client.post("/prices", headers={"Origin": EVIL}, json={})
    assert refused.status_code == 403


def test_a_resource_keeps_its_api_s_representations(app: Hipflask, client: Any) -> None:
    api = Api(app)

    @api.representation("text/csv")
    def output_csv(data: Any, code: int, headers: Any = None) -> Any:
        response = app.make_response(",".join(f"{k}={v}" for k, v in data.items()))
        response.status_code = code
        return response

    api.add_resource(Prices, "/prices")
    response = client.get("/prices", headers={"Origin": ALLOWED, "Accept": "text/csv"})
    assert response.get_data(as_text=True) == "eur=1"
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_a_resource_routed_without_an_api_gets_the_headers_on_its_answers(
    app: Hipflask, client: Any
) -> None:
    app.add_url_rule("/prices", view_func=Prices.as_view("prices"))
    response = client.get("/prices", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_a_resource_routed_by_hand_covers_its_preflights_through_decorators(
    app: Hipflask, client: Any
) -> None:
    class HandRouted(Resource):
        decorators = [crossdomain(origin=[ALLOWED])]  # noqa: RUF012

        def post(self) -> Any:
            return {"saved": True}

    app.add_url_rule("/hand", view_func=HandRouted.as_view("hand"))
    preflight = client.options("/hand", headers=PREFLIGHT)
    assert preflight.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert client.post("/hand", headers={"Origin": ALLOWED}).status_code == 200
    assert client.post("/hand", headers={"Origin": EVIL}).status_code == 403


def test_a_wildcard_with_credentials_is_refused_where_it_is_written() -> None:
    with pytest.raises(CorsConfigurationError, match="supports_credentials"):
        crossdomain(origin="*", credentials=True)
    with pytest.raises(ValueError, match="every site"):
        crossdomain(origin="*", credentials=True)


def test_without_an_origin_the_settings_decide_and_credentials_need_them(
    app: Hipflask, client: Any
) -> None:
    app.config["CORS_ORIGINS"] = [ALLOWED]

    @app.get("/items")
    @crossdomain(credentials=True)
    def items() -> str:
        return "items"

    response = client.get("/items", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    other = Hipflask("other")
    with pytest.raises(CorsConfigurationError):
        other.get("/items")(crossdomain(credentials=True)(lambda: "items"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"origin": "*", "attach_to_all": False}, "attach_to_all"),
        ({"origin": 5}, "origin must be"),
        ({"origin": "*", "max_age": 1.5}, "max_age"),
        ({"origin": "*", "expose_headers": ["X-Ok\r\nSet-Cookie: a=b"]}, "not a header name"),
    ],
    ids=["attach-to-all", "origin-type", "max-age", "header-injection"],
)
def test_what_cannot_be_honoured_is_refused_at_setup(options: dict[str, Any], message: str) -> None:
    with pytest.raises(CorsConfigurationError, match=message):
        crossdomain(**options)


def test_a_timedelta_or_float_max_age_is_whole_seconds(app: Hipflask, client: Any) -> None:
    from datetime import timedelta

    @app.get("/a")
    @crossdomain(origin="*", max_age=timedelta(minutes=5))
    def a() -> str:
        return "a"

    @app.get("/b")
    @crossdomain(origin="*", max_age=60.0)
    def b() -> str:
        return "b"

    ask = {**PREFLIGHT, "Access-Control-Request-Method": "GET"}
    assert client.options("/a", headers=ask).headers["Access-Control-Max-Age"] == "300"
    assert client.options("/b", headers=ask).headers["Access-Control-Max-Age"] == "60"


def test_the_helpers_of_the_utils_module_still_import() -> None:
    from hipflask.restful.utils import http_status_message
    from hipflask.restful.utils import unpack

    assert unpack(({"a": 1}, 201)) == ({"a": 1}, 201, {})
    assert http_status_message(404) == "Not Found"


class AsyncPrices(Resource):
    method_decorators = [crossdomain(origin=[ALLOWED])]  # noqa: RUF012

    async def get(self) -> Any:
        return {"eur": 2}


def test_an_async_resource_gets_the_headers_once_its_method_is_done(
    app: Hipflask, client: Any
) -> None:
    Api(app).add_resource(AsyncPrices, "/prices")
    response = client.get("/prices", headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert response.get_json() == {"eur": 2}
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
