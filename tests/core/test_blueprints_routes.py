"""A blueprint's route decorators and the rule options they pass on."""

from __future__ import annotations

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import request
from hipflask import url_for
from hipflask.testing.client import HipflaskClient


def test_blueprint_route_options_reach_the_rule(app: Hipflask, client: HipflaskClient) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.route("/items/<int:page>", methods=["GET", "POST"], endpoint="listing")
    @bp.route("/items/", defaults={"page": 1}, methods=["GET", "POST"], endpoint="listing")
    def items(page: int) -> str:
        return f"{request.method} page {page}"

    app.register_blueprint(bp)
    assert client.get("/bp/items/").text == "GET page 1"
    assert client.post("/bp/items/3").text == "POST page 3"
    with app.test_request_context():
        assert url_for("bp.listing") == "/bp/items/"
        assert url_for("bp.listing", page=2) == "/bp/items/2"


def test_blueprint_shortcut_decorators(app: Hipflask, client: HipflaskClient) -> None:
    bp = Blueprint("bp", __name__)

    @bp.get("/thing")
    def read() -> str:
        return "read"

    @bp.post("/thing")
    def create() -> str:
        return "created"

    @bp.delete("/thing")
    def remove() -> str:
        return "removed"

    app.register_blueprint(bp)
    assert client.get("/thing").text == "read"
    assert client.post("/thing").text == "created"
    assert client.delete("/thing").text == "removed"
    assert client.put("/thing").status_code == 405


def test_blueprint_endpoint_decorator(app: Hipflask, client: HipflaskClient) -> None:
    bp = Blueprint("bp", __name__)

    @bp.endpoint("health")
    def health() -> str:
        return "healthy"

    app.register_blueprint(bp)
    app.add_url_rule("/health", endpoint="health")
    assert client.get("/health").text == "healthy"
