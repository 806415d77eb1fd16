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
