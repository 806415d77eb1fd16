"""``flask_cors.decorator``: ``cross_origin`` imported from the module Flask-CORS defines it in."""

from __future__ import annotations

from typing import Any

from hipflask import Hipflask
from hipflask.cors import cross_origin as package_cross_origin
from hipflask.cors.decorator import cross_origin

PARTNER = "https://partner.example"


def test_the_module_holds_the_package_s_decorator() -> None:
    assert cross_origin is package_cross_origin


def test_a_view_decorated_through_the_module_is_readable_cross_origin(
    app: Hipflask, client: Any
) -> None:
    @app.get("/widget")
    @cross_origin(origins=[PARTNER])
    def widget() -> str:
        return "widget"

    answer = client.get("/widget", headers={"Origin": PARTNER})
    assert answer.headers["Access-Control-Allow-Origin"] == PARTNER
    other = client.get("/widget", headers={"Origin": "https://other.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_an_error_handler_decorated_for_cors_answers_the_preflight_before_it(
    app: Hipflask, client: Any
) -> None:
    # Flask-CORS's own example decorates a 404 handler so that a page on
    # another origin can read the JSON error of a URL the app does not have,
    # after the preflight its custom header makes the browser send.
    @app.errorhandler(404)
    @cross_origin(origins=[PARTNER], methods=["GET"], allow_headers=["X-Request-ID"])
    def not_found(error: Exception) -> tuple[dict[str, str], int]:
        return {"error": "Not found"}, 404

    preflight = client.options(
        "/missing",
        headers={
            "Origin": PARTNER,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "X-Request-ID",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == PARTNER
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET"
    assert preflight.headers["Access-Control-Allow-Headers"] == "X-Request-ID"

    actual = client.get("/missing", headers={"Origin": PARTNER, "X-Request-ID": "7"})
    assert actual.status_code == 404
    assert actual.get_json() == {"error": "Not found"}
    assert actual.headers["Access-Control-Allow-Origin"] == PARTNER


def test_an_error_handler_s_policy_refuses_other_origins_preflights(
    app: Hipflask, client: Any
) -> None:
    @app.errorhandler(404)
    @cross_origin(origins=[PARTNER], methods=["GET"])
    def not_found(error: Exception) -> tuple[dict[str, str], int]:
        return {"error": "Not found"}, 404

    stranger = client.options(
        "/missing",
        headers={"Origin": "https://other.example", "Access-Control-Request-Method": "GET"},
    )
    assert "Access-Control-Allow-Origin" not in stranger.headers
    unlisted_method = client.options(
        "/missing", headers={"Origin": PARTNER, "Access-Control-Request-Method": "DELETE"}
    )
    assert "Access-Control-Allow-Origin" not in unlisted_method.headers
