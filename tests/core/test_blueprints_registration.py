"""Registering a blueprint: prefixes, endpoint names, names and setup refused after registration."""

from __future__ import annotations

import pytest

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import request
from hipflask import url_for
from hipflask.core.blueprints import BlueprintSetupState
from hipflask.core.scaffold import SetupFinishedError
from hipflask.testing.client import HipflaskClient


def test_url_prefix_and_endpoint_names(app: Hipflask, client: HipflaskClient) -> None:
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.route("/users")
    def users() -> str:
        return f"{request.endpoint} {request.blueprint}"

    @bp.route("")
    def home() -> str:
        return "admin home"

    app.register_blueprint(bp)
    assert client.get("/admin/users").text == "admin.users admin"
    assert client.get("/admin").text == "admin home"
    assert "admin.users" in app.view_functions


def test_url_prefix_given_at_registration_overrides(app: Hipflask, client: HipflaskClient) -> None:
    bp = Blueprint("api", __name__, url_prefix="/api")

    @bp.route("/ping")
    def ping() -> str:
        return "pong"

    app.register_blueprint(bp, url_prefix="/v2/")
    assert client.get("/v2/ping").text == "pong"
    assert client.get("/api/ping").status_code == 404


def test_route_without_leading_slash_is_joined_with_one_slash(
    app: Hipflask, client: HipflaskClient
) -> None:
    bp = Blueprint("api", __name__, url_prefix="/api/")

    @bp.route("ping")
    def ping() -> str:
        return "pong"

    app.register_blueprint(bp)
    assert client.get("/api/ping").text == "pong"


def test_blueprint_url_defaults_feed_the_view(app: Hipflask, client: HipflaskClient) -> None:
    bp = Blueprint("pages", __name__, url_defaults={"lang": "en"})

    @bp.route("/page")
    def page(lang: str) -> str:
        return f"page in {lang}"

    app.register_blueprint(bp, url_prefix="/en")
    app.register_blueprint(bp, name="pages_fr", url_prefix="/fr", url_defaults={"lang": "fr"})
    assert client.get("/en/page").text == "page in en"
    assert client.get("/fr/page").text == "page in fr"
    with app.test_request_context():
        assert url_for("pages.page") == "/en/page"
        assert url_for("pages_fr.page") == "/fr/page"


def test_registering_twice_needs_a_new_name(app: Hipflask, client: HipflaskClient) -> None:
    bp = Blueprint("shop", __name__)

    @bp.route("/item")
    def item() -> str:
        return request.blueprint or ""

    app.register_blueprint(bp, url_prefix="/a")
    with pytest.raises(ValueError, match="already registered for this blueprint"):
        app.register_blueprint(bp, url_prefix="/b")
    app.register_blueprint(bp, url_prefix="/b", name="shop_b")
    assert client.get("/a/item").text == "shop"
    assert client.get("/b/item").text == "shop_b"


def test_a_different_blueprint_with_a_taken_name_is_refused(app: Hipflask) -> None:
    app.register_blueprint(Blueprint("shop", __name__))
    with pytest.raises(ValueError, match="a different blueprint"):
        app.register_blueprint(Blueprint("shop", __name__))


def test_record_once_runs_on_the_first_registration_only(app: Hipflask) -> None:
    bp = Blueprint("bp", __name__)
    states: list[BlueprintSetupState] = []
    every: list[str] = []
    bp.record_once(states.append)
    bp.record(lambda state: every.append(state.name))
    app.register_blueprint(bp)
    app.register_blueprint(bp, name="again")
    assert len(states) == 1
    assert states[0].first_registration
    assert states[0].app is app
    assert every == ["bp", "again"]


def test_setup_after_registration_raises(app: Hipflask) -> None:
    bp = Blueprint("late", __name__)
    app.register_blueprint(bp)
    with pytest.raises(SetupFinishedError, match="already been registered"):

        @bp.route("/late")
        def late() -> str:
            return "late"

    with pytest.raises(SetupFinishedError):
        bp.before_request(lambda: None)


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "may not be empty"), ("a.b", "may not contain a dot")],
)
def test_invalid_blueprint_names(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Blueprint(name, __name__)


def test_endpoint_and_view_names_may_not_contain_dots() -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="'endpoint' may not contain a dot"):
        bp.add_url_rule("/", endpoint="a.b")

    def view() -> str:
        return ""

    view.__name__ = "dotted.name"
    with pytest.raises(ValueError, match="'view_func' name may not contain a dot"):
        bp.add_url_rule("/", view_func=view)


def test_blueprint_cannot_register_itself() -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="on itself"):
        bp.register_blueprint(bp)


def test_blueprint_rule_without_endpoint_or_view_is_refused(app: Hipflask) -> None:
    bp = Blueprint("bp", __name__)
    bp.add_url_rule("/nothing")
    with pytest.raises(TypeError, match="expected view func if endpoint is not provided"):
        app.register_blueprint(bp)


def test_iter_blueprints_in_registration_order(app: Hipflask) -> None:
    first = Blueprint("first", __name__)
    second = Blueprint("second", __name__)
    app.register_blueprint(first)
    app.register_blueprint(second)
    assert list(app.iter_blueprints()) == [first, second]


def test_blueprint_repr() -> None:
    assert repr(Blueprint("shop", __name__)) == "<Blueprint 'shop'>"
