"""Nested blueprints: prefixes, subdomains, handlers and preprocessors combined as in Flask."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import g
from hipflask import request
from hipflask import url_for
from hipflask.testing.client import HipflaskClient


def test_nested_blueprints(app: Hipflask, client: HipflaskClient) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")
    grandchild = Blueprint("grandchild", __name__)

    @grandchild.route("/leaf")
    def leaf() -> str:
        return f"{request.blueprint} {request.blueprints}"

    @child.route("/")
    def index() -> str:
        return url_for(".index")

    child.register_blueprint(grandchild, url_prefix="/gc")
    parent.register_blueprint(child)
    app.register_blueprint(parent)

    assert client.get("/parent/child/gc/leaf").text == (
        "parent.child.grandchild ['parent.child.grandchild', 'parent.child', 'parent']"
    )
    assert client.get("/parent/child/").text == "/parent/child/"
    assert "parent.child.grandchild.leaf" in app.view_functions
    assert set(app.blueprints) == {"parent", "parent.child", "parent.child.grandchild"}


def test_nested_blueprint_handlers_and_preprocessors(app: Hipflask, client: HipflaskClient) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/<lang>")
    child = Blueprint("child", __name__, url_prefix="/child")

    @parent.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
        assert values is not None
        g.lang = values.pop("lang")

    @parent.url_defaults
    def add_lang(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("lang", g.lang)

    @parent.errorhandler(KeyError)
    def missing(error: KeyError) -> tuple[str, int]:
        return "parent handled", 400

    @child.route("/page")
    def page() -> str:
        return f"{g.lang} {url_for('.page')}"

    @child.route("/broken")
    def broken() -> str:
        raise KeyError

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert client.get("/de/child/page").text == "de /de/child/page"
    assert client.get("/de/child/broken").text == "parent handled"


def test_nested_subdomains_are_combined(app: Hipflask) -> None:
    app.config["SERVER_NAME"] = "example.test"
    app.subdomain_matching = True
    parent = Blueprint("parent", __name__, subdomain="api")
    child = Blueprint("child", __name__, subdomain="v1")

    @child.route("/")
    def index() -> str:
        return "v1 api"

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "parent.child.index")
    assert rule.subdomain == "v1.api"
    client = app.test_client()
    assert client.get("/", base_url="http://v1.api.example.test").text == "v1 api"
    assert client.get("/", base_url="http://api.example.test").status_code == 404


def test_blueprint_subdomain(app: Hipflask, protocol: str) -> None:
    app.config["SERVER_NAME"] = "example.test"
    app.subdomain_matching = True
    bp = Blueprint("api", __name__, subdomain="api")

    @bp.route("/")
    def api_index() -> str:
        return "api"

    @app.route("/")
    def index() -> str:
        return "www"

    app.register_blueprint(bp)
    client = app.test_client(protocol=protocol)
    assert client.get("/", base_url="http://api.example.test").text == "api"
    assert client.get("/", base_url="http://example.test").text == "www"
    with app.app_context():
        assert url_for("api.api_index") == "http://api.example.test/"


def test_nested_blueprint_inherits_the_parents_prefix_and_subdomain(app: Hipflask) -> None:
    app.config["SERVER_NAME"] = "example.test"
    app.subdomain_matching = True
    parent = Blueprint("parent", __name__, url_prefix="/p", subdomain="api")
    child = Blueprint("child", __name__)

    @child.route("/leaf")
    def leaf() -> str:
        return "leaf"

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "parent.child.leaf")
    assert (rule.rule, rule.subdomain) == ("/p/leaf", "api")
    client = app.test_client()
    assert client.get("/p/leaf", base_url="http://api.example.test").text == "leaf"


_PREFIXES = [None, "/p", "/p/"]


_CHILD_PREFIXES = [None, "/c", "/c/"]


_AT_REGISTRATION = [None, "/r"]


def _expected_prefix(parent: str | None, child: str | None, rp: str | None, rc: str | None) -> str:
    # Flask's rule: a prefix given at registration replaces the blueprint's
    # own; the parent's effective prefix is put in front of the child's.
    outer = (rp if rp is not None else parent) or ""
    inner = (rc if rc is not None else child) or ""
    return outer.rstrip("/") + ("/" + inner.strip("/") if inner.strip("/") else "")


@pytest.mark.parametrize("parent_prefix", _PREFIXES)
@pytest.mark.parametrize("child_prefix", _CHILD_PREFIXES)
@pytest.mark.parametrize("parent_at", _AT_REGISTRATION)
@pytest.mark.parametrize("child_at", [None, "/rc"])
def test_nested_blueprint_url_prefixes_combine_as_in_flask(
    app: Hipflask,
    client: HipflaskClient,
    parent_prefix: str | None,
    child_prefix: str | None,
    parent_at: str | None,
    child_at: str | None,
) -> None:
    parent = Blueprint("parent", __name__, url_prefix=parent_prefix)
    child = Blueprint("child", __name__, url_prefix=child_prefix)

    @child.route("/x")
    def x() -> str:
        return "x"

    @child.route("/")
    def index() -> str:
        return "index"

    parent.register_blueprint(child, url_prefix=child_at)
    app.register_blueprint(parent, url_prefix=parent_at)
    prefix = _expected_prefix(parent_prefix, child_prefix, parent_at, child_at)

    rules = sorted(r.rule for r in app.url_map.iter_rules() if r.endpoint != "static")
    assert rules == [f"{prefix}/", f"{prefix}/x"]
    assert client.get(f"{prefix}/x").text == "x"
    assert client.get(f"{prefix}/").text == "index"
    with app.test_request_context():
        assert url_for("parent.child.x") == f"{prefix}/x"


def test_nested_blueprint_subdomains_combine_as_in_flask(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["SERVER_NAME"] = "example.test"
    app.subdomain_matching = True
    parent = Blueprint("parent", __name__, subdomain="api")
    child = Blueprint("child", __name__, subdomain="v2")

    @child.route("/")
    def index() -> str:
        return "v2 api"

    parent.register_blueprint(child, subdomain=None)
    app.register_blueprint(parent)

    assert client.get("/", base_url="http://v2.api.example.test").text == "v2 api"
