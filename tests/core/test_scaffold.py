"""What the app and blueprints share: route decorators, hook and handler registration."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from werkzeug.exceptions import Forbidden
from werkzeug.exceptions import NotFound

from hipflask import Hipflask
from hipflask import request
from hipflask.core.scaffold import Scaffold
from hipflask.core.scaffold import SetupFinishedError
from hipflask.core.scaffold import endpoint_from_view_func
from hipflask.core.scaffold import get_root_path
from hipflask.errors import HipflaskError
from hipflask.testing.client import HipflaskClient


def test_route_registers_rule_and_endpoint(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/hello")
    def hello() -> str:
        return "hi"

    rule = next(r for r in app.url_map.iter_rules() if r.rule == "/hello")
    assert rule.endpoint == "hello"
    assert app.view_functions["hello"] is hello
    assert client.get("/hello").text == "hi"


def test_route_returns_the_function_unchanged(app: Hipflask) -> None:
    def view() -> str:
        return "x"

    assert app.route("/")(view) is view


def test_route_endpoint_option(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/a", endpoint="custom")
    def view() -> str:
        return request.endpoint or ""

    assert client.get("/a").text == "custom"
    assert "view" not in app.view_functions


def test_route_methods_option(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/form", methods=["get", "POST"])
    def form() -> str:
        return request.method

    assert client.get("/form").text == "GET"
    assert client.post("/form").text == "POST"
    assert client.put("/form").status_code == 405


def test_route_defaults_option(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/users/", defaults={"page": 1})
    @app.route("/users/page/<int:page>")
    def users(page: int) -> str:
        return f"page {page}"

    assert client.get("/users/").text == "page 1"
    assert client.get("/users/page/4").text == "page 4"


def test_route_strict_slashes_option(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/loose/", strict_slashes=False)
    def loose() -> str:
        return "loose"

    assert client.get("/loose/").text == "loose"
    assert client.get("/loose").text == "loose"


def test_one_view_under_several_rules(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/one")
    @app.route("/two")
    def both() -> str:
        return request.path

    assert client.get("/one").text == "/one"
    assert client.get("/two").text == "/two"


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_method_shortcuts(app: Hipflask, client: HipflaskClient, method: str) -> None:
    @getattr(app, method)("/thing")
    def thing() -> str:
        return request.method

    response = client.open("/thing", method=method.upper())
    assert response.text == method.upper()
    other = "POST" if method != "post" else "GET"
    assert client.open("/thing", method=other).status_code == 405


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_method_shortcuts_refuse_methods_argument(app: Hipflask, method: str) -> None:
    with pytest.raises(TypeError, match="Use the 'route' decorator"):
        getattr(app, method)("/x", methods=["GET"])


def test_shortcuts_accept_other_route_options(app: Hipflask, client: HipflaskClient) -> None:
    @app.get("/docs/", endpoint="documentation", defaults={"page": "index"})
    @app.get("/docs/<page>", endpoint="documentation")
    def docs(page: str) -> str:
        return page

    assert client.get("/docs/").text == "index"
    assert client.get("/docs/intro").text == "intro"


def test_endpoint_decorator_binds_a_view_to_a_rule(app: Hipflask, client: HipflaskClient) -> None:
    app.add_url_rule("/status", endpoint="status")

    @app.endpoint("status")
    def status() -> str:
        return "up"

    assert client.get("/status").text == "up"


def test_add_url_rule_with_view_func(app: Hipflask, client: HipflaskClient) -> None:
    def greet(name: str) -> str:
        return f"hello {name}"

    app.add_url_rule("/greet/<name>", view_func=greet)
    app.add_url_rule("/hi/<name>", "hi", greet)
    assert client.get("/greet/ann").text == "hello ann"
    assert client.get("/hi/bob").text == "hello bob"


def test_add_url_rule_refuses_to_overwrite_an_endpoint(app: Hipflask) -> None:
    @app.route("/a")
    def index() -> str:
        return "a"

    def other() -> str:
        return "b"

    with pytest.raises(AssertionError, match="overwriting an existing endpoint function: index"):
        app.add_url_rule("/b", "index", other)
    # The same function under a second rule is fine.
    app.add_url_rule("/c", "index", index)


def test_add_url_rule_needs_endpoint_or_view(app: Hipflask) -> None:
    # Flask's words (an assert there, which python -O would remove).
    with pytest.raises(TypeError, match=r"^expected view func if endpoint is not provided\.$"):
        app.add_url_rule("/nothing")


def test_methods_as_a_string_is_refused(app: Hipflask) -> None:
    with pytest.raises(TypeError, match="must be a list of strings"):
        app.add_url_rule("/x", "x", lambda: "x", methods="POST")


def test_view_function_methods_attribute_is_used(app: Hipflask, client: HipflaskClient) -> None:
    def view() -> str:
        return request.method

    view.methods = ["POST"]  # type: ignore[attr-defined]
    app.add_url_rule("/x", view_func=view)
    assert client.post("/x").text == "POST"
    assert client.get("/x").status_code == 405


def test_setup_after_the_first_request_raises(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    client.get("/")
    with pytest.raises(SetupFinishedError, match="already handled its first request"):
        app.add_url_rule("/late", "late", index)
    with pytest.raises(SetupFinishedError):
        app.before_request(lambda: None)
    assert issubclass(SetupFinishedError, HipflaskError)


# -- error handler registration ---------------------------------------------------


def test_register_error_handler_by_code_and_class(app: Hipflask) -> None:
    def handler(error: Exception) -> str:
        return "handled"

    app.register_error_handler(404, handler)
    app.register_error_handler(Forbidden, handler)
    app.register_error_handler(KeyError, handler)
    assert app.error_handler_spec[None][404][NotFound] is handler
    assert app.error_handler_spec[None][403][Forbidden] is handler
    assert app.error_handler_spec[None][None][KeyError] is handler


def test_unknown_status_code_is_refused(app: Hipflask) -> None:
    with pytest.raises(ValueError, match="'999' is not a recognized HTTP error code"):
        app.register_error_handler(999, lambda e: "")


def test_exception_instance_is_refused(app: Hipflask) -> None:
    with pytest.raises(TypeError, match="is an instance, not a class"):
        app.register_error_handler(KeyError(), lambda e: "")  # type: ignore[arg-type]


def test_non_exception_class_is_refused(app: Hipflask) -> None:
    with pytest.raises(ValueError, match="'str' is not a subclass of Exception"):
        app.register_error_handler(str, lambda e: "")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["x", None, 4.5])
def test_something_neither_a_class_nor_a_code_is_a_type_error(app: Hipflask, value: Any) -> None:
    with pytest.raises(TypeError, match="is not an exception class or an HTTP error code"):
        app.register_error_handler(value, lambda e: "")


# -- registration storage ------------------------------------------------------------


def test_hook_decorators_store_and_return_the_function(app: Hipflask) -> None:
    def before() -> None:
        return None

    def after(response: Any) -> Any:
        return response

    def teardown(exc: BaseException | None) -> None:
        return None

    def processor() -> dict[str, Any]:
        return {}

    def preprocessor(endpoint: str | None, values: dict[str, Any] | None) -> None:
        return None

    def defaults(endpoint: str, values: dict[str, Any]) -> None:
        return None

    assert app.before_request(before) is before
    assert app.after_request(after) is after
    assert app.teardown_request(teardown) is teardown
    assert app.context_processor(processor) is processor
    assert app.url_value_preprocessor(preprocessor) is preprocessor
    assert app.url_defaults(defaults) is defaults
    assert app.before_request_funcs[None] == [before]
    assert app.after_request_funcs[None] == [after]
    assert app.teardown_request_funcs[None] == [teardown]
    assert processor in app.template_context_processors[None]
    assert app.url_value_preprocessors[None] == [preprocessor]
    assert app.url_default_functions[None] == [defaults]


# -- folders and resources --------------------------------------------------------------


def test_static_url_path_defaults_to_the_folder_name(tmp_path: Path) -> None:
    app = Hipflask("tests_app", static_folder="assets", root_path=str(tmp_path))
    assert app.static_folder == os.path.join(str(tmp_path), "assets")
    assert app.static_url_path == "/assets"
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "static")
    assert rule.rule == "/assets/<path:filename>"


def test_static_url_path_and_folder_are_normalised(tmp_path: Path) -> None:
    app = Hipflask(
        "tests_app", static_folder="assets/", static_url_path="/s/", root_path=str(tmp_path)
    )
    assert app.static_folder == os.path.join(str(tmp_path), "assets")
    assert app.static_url_path == "/s"


def test_no_static_folder_means_no_static_route() -> None:
    app = Hipflask("tests_app", static_folder=None)
    assert app.static_folder is None
    assert app.static_url_path is None
    assert not app.has_static_folder
    assert all(r.endpoint != "static" for r in app.url_map.iter_rules())


def test_open_resource_reads_relative_to_root(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE t;", encoding="utf-8")
    app = Hipflask("tests_app", root_path=str(tmp_path))
    with app.open_resource("schema.sql") as f:
        assert f.read() == b"CREATE TABLE t;"
    with app.open_resource("schema.sql", "r", encoding="utf-8") as f:
        assert f.read() == "CREATE TABLE t;"
    with pytest.raises(ValueError, match="only be opened for reading"):
        app.open_resource("schema.sql", "w")


def test_get_root_path_of_a_loaded_module() -> None:
    assert get_root_path("hipflask") == os.path.dirname(sys.modules["hipflask"].__file__ or "")


def test_get_root_path_of_an_unknown_module_is_the_working_directory() -> None:
    assert get_root_path("no_such_module_for_hipflask_tests") == os.getcwd()


def test_get_root_path_of_a_module_not_imported_yet_is_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "not_imported_for_hipflask_tests.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))

    assert get_root_path("not_imported_for_hipflask_tests") == str(tmp_path)
    assert "not_imported_for_hipflask_tests" not in sys.modules


def test_endpoint_from_view_func() -> None:
    def my_view() -> str:
        return ""

    assert endpoint_from_view_func(my_view) == "my_view"
    with pytest.raises(TypeError, match="Expected a view function"):
        endpoint_from_view_func(None)  # type: ignore[arg-type]


def test_scaffold_base_leaves_registration_to_subclasses() -> None:
    class Bare(Scaffold):
        name = "bare"

    bare = Bare("tests_app", root_path=".")
    with pytest.raises(NotImplementedError):
        bare.add_url_rule("/")
    with pytest.raises(NotImplementedError):
        bare.before_request(lambda: None)
