"""Blueprints: prefixes, subdomains, names, nesting, hooks scoped to their requests."""

from __future__ import annotations

import builtins
import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import Response
from hipflask import g
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


def test_blueprint_hooks_run_only_for_its_requests(app: Hipflask, client: HipflaskClient) -> None:
    calls: list[str] = []
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.before_request
    def before() -> None:
        calls.append("before")

    @bp.after_request
    def after(response: Response) -> Response:
        calls.append("after")
        return response

    @bp.teardown_request
    def teardown(exc: BaseException | None) -> None:
        calls.append("teardown")

    @bp.route("/")
    def inside() -> str:
        return "inside"

    @app.route("/")
    def outside() -> str:
        return "outside"

    app.register_blueprint(bp)
    client.get("/")
    assert calls == []
    client.get("/bp/")
    assert calls == ["before", "after", "teardown"]


def test_before_app_request_hooks_are_app_wide(app: Hipflask, client: HipflaskClient) -> None:
    calls: list[str] = []
    bp = Blueprint("bp", __name__)

    @bp.before_app_request
    def before() -> None:
        calls.append("before")

    @bp.after_app_request
    def after(response: Response) -> Response:
        calls.append("after")
        return response

    @bp.teardown_app_request
    def teardown(exc: BaseException | None) -> None:
        calls.append("teardown")

    @bp.app_url_value_preprocessor
    def preprocess(endpoint: str | None, values: dict[str, Any] | None) -> None:
        calls.append(f"preprocess {endpoint}")

    @bp.app_url_defaults
    def defaults(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("ref", "bp")

    @app.route("/")
    def index() -> str:
        return url_for("index")

    app.register_blueprint(bp)
    assert client.get("/").text == "/?ref=bp"
    assert calls == ["preprocess index", "before", "after", "teardown"]


def test_blueprint_context_processors_are_registered(app: Hipflask) -> None:
    bp = Blueprint("bp", __name__)

    @bp.context_processor
    def local() -> dict[str, Any]:
        return {"local": 1}

    @bp.app_context_processor
    def everywhere() -> dict[str, Any]:
        return {"everywhere": 1}

    app.register_blueprint(bp)
    assert app.template_context_processors["bp"] == [local]
    assert everywhere in app.template_context_processors[None]


def test_app_template_filter_is_added_to_the_environment(app: Hipflask) -> None:
    if importlib.util.find_spec("hipflask.templating.environment") is None:
        pytest.skip("hipflask.templating.environment is not available yet")
    bp = Blueprint("bp", __name__)

    @bp.app_template_filter()
    def shout(value: str) -> str:
        return value.upper()

    @bp.app_template_filter("whisper")
    def quiet(value: str) -> str:
        return value.lower()

    @bp.app_template_test()
    def boring(value: str) -> bool:
        return value == "x"

    @bp.app_template_global()
    def answer() -> int:
        return 42

    app.register_blueprint(bp)
    env = app.jinja_env
    assert env.filters["shout"] is shout
    assert env.filters["whisper"] is quiet
    assert env.tests["boring"] is boring
    assert env.globals["answer"] is answer


def test_static_and_template_folder_attributes(tmp_path: Any) -> None:
    bp = Blueprint(
        "assets",
        __name__,
        static_folder="files",
        static_url_path="/assets",
        template_folder="templates",
        root_path=str(tmp_path),
    )
    assert bp.static_folder == os.path.join(str(tmp_path), "files")
    assert bp.static_url_path == "/assets"
    assert bp.template_folder == "templates"
    assert bp.has_static_folder
    assert bp.root_path == str(tmp_path)


def test_blueprint_static_route_is_registered_under_its_prefix(tmp_path: Any) -> None:
    app = Hipflask("tests_app", static_folder=None)
    bp = Blueprint("admin", __name__, static_folder="static", root_path=str(tmp_path))
    app.register_blueprint(bp, url_prefix="/admin")
    rules = {r.endpoint: r.rule for r in app.url_map.iter_rules()}
    assert rules["admin.static"] == "/admin/static/<path:filename>"


def test_blueprint_without_static_folder_has_no_static_route() -> None:
    app = Hipflask("tests_app", static_folder=None)
    app.register_blueprint(Blueprint("plain", __name__))
    assert not any(r.endpoint.startswith("plain") for r in app.url_map.iter_rules())


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


def test_blueprint_cli_commands_get_a_group(app: Hipflask) -> None:
    bp = Blueprint("tools", __name__)

    @bp.cli.command("hello")
    def hello() -> None:
        """Say hello."""

    app.register_blueprint(bp)
    assert "tools" in app.cli.commands
    assert "hello" in app.cli.commands["tools"].commands  # type: ignore[attr-defined]


@pytest.mark.parametrize(("cli_group", "expected"), [(None, "hello"), ("custom", "custom")])
def test_blueprint_cli_group_option(app: Hipflask, cli_group: str | None, expected: str) -> None:
    bp = Blueprint("tools", __name__, cli_group=cli_group)

    @bp.cli.command("hello")
    def hello() -> None:
        """Say hello."""

    app.register_blueprint(bp)
    assert expected in app.cli.commands


def test_blueprint_cli_group_is_named_after_the_blueprint(app: Hipflask) -> None:
    bp = Blueprint("tools", __name__, cli_group=None)

    @bp.cli.command("hello")
    def hello() -> None:
        """Say hello."""

    assert bp.cli.name == "tools"
    app.cli.add_command(bp.cli)
    result = app.test_cli_runner().invoke(args=["tools", "hello", "--help"])
    assert result.exit_code == 0, result.output
    assert "Say hello." in result.output


def test_iter_blueprints_in_registration_order(app: Hipflask) -> None:
    first = Blueprint("first", __name__)
    second = Blueprint("second", __name__)
    app.register_blueprint(first)
    app.register_blueprint(second)
    assert list(app.iter_blueprints()) == [first, second]


def test_blueprint_repr() -> None:
    assert repr(Blueprint("shop", __name__)) == "<Blueprint 'shop'>"


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


def test_blueprint_endpoint_decorator(app: Hipflask, client: HipflaskClient) -> None:
    bp = Blueprint("bp", __name__)

    @bp.endpoint("health")
    def health() -> str:
        return "healthy"

    app.register_blueprint(bp)
    app.add_url_rule("/health", endpoint="health")
    assert client.get("/health").text == "healthy"


def test_blueprint_send_static_file_without_a_folder_is_404() -> None:
    from werkzeug.exceptions import NotFound

    app = Hipflask("tests_app", static_folder=None)
    bp = Blueprint("plain", __name__)
    app.register_blueprint(bp)
    with app.test_request_context(), pytest.raises(NotFound):
        bp.send_static_file("missing.css")


def test_blueprint_context_processor_applies_to_its_requests_only(
    app: Hipflask, client: HipflaskClient
) -> None:
    if importlib.util.find_spec("hipflask.templating.render") is None:
        pytest.skip("hipflask.templating.render is not available yet")
    from hipflask import render_template_string

    bp = Blueprint("shop", __name__, url_prefix="/shop")

    @bp.context_processor
    def shop_name() -> dict[str, Any]:
        return {"shop": "Acme"}

    @bp.app_context_processor
    def site_name() -> dict[str, Any]:
        return {"site": "hipflask"}

    template = "{{ site }}/{{ shop | default('none') }}"

    @bp.route("/")
    def inside() -> str:
        return render_template_string(template)

    @app.route("/")
    def outside() -> str:
        return render_template_string(template)

    app.register_blueprint(bp)
    assert client.get("/shop/").text == "hipflask/Acme"
    assert client.get("/").text == "hipflask/none"


# -- nested blueprints: every combination of url_prefix ------------------------------------

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


def test_blueprint_open_resource_reads_text_as_utf8_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Flask 3.1: a blueprint's default is UTF-8, the app's the locale's.
    (tmp_path / "schema.sql").write_bytes("-- caf\u00e9".encode())
    bp = Blueprint("shop", __name__, root_path=str(tmp_path))
    real_open = builtins.open
    seen: list[str | None] = []

    def spy(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("encoding"))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    with bp.open_resource("schema.sql", "r") as f:
        assert f.read() == "-- caf\u00e9"
    with bp.open_resource("schema.sql", "r", encoding="latin-1") as f:
        assert f.read() == "-- caf\u00c3\u00a9"
    with bp.open_resource("schema.sql") as f:
        assert f.read() == "-- caf\u00e9".encode()
    with pytest.raises(ValueError, match="only be opened for reading"):
        bp.open_resource("schema.sql", "w")

    assert seen == ["utf-8", "latin-1", None]
