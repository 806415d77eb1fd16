"""URL rules as users write them: converters, methods, slashes, defaults, hosts."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import InternalServerError
from werkzeug.routing import BaseConverter
from werkzeug.routing import ValidationError

from hipflask import Hipflask
from hipflask import abort
from hipflask import got_request_exception
from hipflask import request
from hipflask import request as flask_request
from hipflask import url_for
from hipflask.routing.rules import route_methods
from hipflask.testing.client import HipflaskClient

# -- route_methods ---------------------------------------------------------------


def test_methods_default_to_get_with_automatic_options() -> None:
    assert route_methods(None, None, None, True) == ({"GET", "OPTIONS"}, True)


def test_methods_are_upper_cased() -> None:
    methods, _ = route_methods(None, ["post", "Put"], None, True)
    assert methods == {"POST", "PUT", "OPTIONS"}


def test_automatic_options_can_be_turned_off() -> None:
    assert route_methods(None, ["GET"], False, True) == ({"GET"}, False)
    assert route_methods(None, ["GET"], None, False) == ({"GET"}, False)


def test_explicit_options_method_disables_automatic_options() -> None:
    assert route_methods(None, ["GET", "OPTIONS"], None, True) == ({"GET", "OPTIONS"}, False)


def test_view_attributes_decide_methods_and_options() -> None:
    def view() -> str:
        return ""

    view.methods = ["PUT"]  # type: ignore[attr-defined]
    view.required_methods = ["DELETE"]  # type: ignore[attr-defined]
    view.provide_automatic_options = False  # type: ignore[attr-defined]
    assert route_methods(view, None, None, True) == ({"PUT", "DELETE"}, False)


def test_a_bare_string_of_methods_is_refused() -> None:
    with pytest.raises(TypeError, match=r'methods=\["POST"\]'):
        route_methods(None, "POST", None, True)


# -- converters ----------------------------------------------------------------------


def _echo(app: Hipflask, rule: str) -> None:
    def view(**values: Any) -> dict[str, Any]:
        return {name: [type(value).__name__, str(value)] for name, value in values.items()}

    app.add_url_rule(rule, endpoint=f"echo{len(app.view_functions)}", view_func=view)


def test_string_converter_is_the_default(app: Hipflask, client: HipflaskClient) -> None:
    _echo(app, "/s/<name>")
    assert client.get("/s/caf%C3%A9").json == {"name": ["str", "café"]}
    assert client.get("/s/a/b").status_code == 404


def test_string_converter_length_arguments(app: Hipflask, client: HipflaskClient) -> None:
    _echo(app, "/code/<string(length=2):code>")
    _echo(app, "/name/<string(minlength=3, maxlength=5):name>")
    assert client.get("/code/fr").json == {"code": ["str", "fr"]}
    assert client.get("/code/fra").status_code == 404
    assert client.get("/name/abc").status_code == 200
    assert client.get("/name/abcde").status_code == 200
    assert client.get("/name/ab").status_code == 404
    assert client.get("/name/abcdef").status_code == 404


def test_int_converter(app: Hipflask, client: HipflaskClient) -> None:
    _echo(app, "/n/<int:n>")
    assert client.get("/n/42").json == {"n": ["int", "42"]}
    assert client.get("/n/-1").status_code == 404
    assert client.get("/n/4.2").status_code == 404
    assert client.get("/n/abc").status_code == 404


def test_int_converter_arguments(app: Hipflask, client: HipflaskClient) -> None:
    _echo(app, "/range/<int(min=1, max=10):n>")
    _echo(app, "/signed/<int(signed=True):n>")
    _echo(app, "/fixed/<int(fixed_digits=4):year>")
    assert client.get("/range/1").json == {"n": ["int", "1"]}
    assert client.get("/range/10").status_code == 200
    assert client.get("/range/0").status_code == 404
    assert client.get("/range/11").status_code == 404
    assert client.get("/signed/-5").json == {"n": ["int", "-5"]}
    assert client.get("/fixed/2024").json == {"year": ["int", "2024"]}
    assert client.get("/fixed/24").status_code == 404


def test_float_converter(app: Hipflask, client: HipflaskClient) -> None:
    _echo(app, "/f/<float:x>")
    _echo(app, "/sf/<float(signed=True):x>")
    assert client.get("/f/2.5").json == {"x": ["float", "2.5"]}
    assert client.get("/f/2").status_code == 404
    assert client.get("/sf/-0.5").json == {"x": ["float", "-0.5"]}


def test_path_converter_spans_slashes(app: Hipflask, client: HipflaskClient) -> None:
    _echo(app, "/files/<path:p>")
    _echo(app, "/wiki/<path:page>/edit")
    assert client.get("/files/a/b/c.txt").json == {"p": ["str", "a/b/c.txt"]}
    assert client.get("/wiki/Main/Sub/edit").json == {"page": ["str", "Main/Sub"]}


def test_uuid_converter(app: Hipflask, client: HipflaskClient) -> None:
    _echo(app, "/u/<uuid:u>")
    value = uuid.uuid4()
    assert client.get(f"/u/{value}").json == {"u": ["UUID", str(value)]}
    assert client.get("/u/not-a-uuid").status_code == 404


def test_any_converter(app: Hipflask, client: HipflaskClient) -> None:
    _echo(app, "/<any(about, help, 'contact-us'):page>")
    assert client.get("/about").json == {"page": ["str", "about"]}
    assert client.get("/contact-us").status_code == 200
    assert client.get("/other").status_code == 404


class ListConverter(BaseConverter):
    """``a,b,c`` in the URL, a list in the view."""

    def to_python(self, value: str) -> list[str]:
        if not value:
            raise ValidationError()
        return value.split(",")

    def to_url(self, value: Any) -> str:
        return ",".join(BaseConverter.to_url(self, item) for item in value)


def test_custom_converter_is_used_both_ways(app: Hipflask, client: HipflaskClient) -> None:
    app.url_map.converters["list"] = ListConverter

    @app.route("/tags/<list:tags>")
    def tags(tags: list[str]) -> dict[str, Any]:
        return {"tags": tags, "self": url_for("tags", tags=tags)}

    assert client.get("/tags/a,b,c").json == {"tags": ["a", "b", "c"], "self": "/tags/a,b,c"}


class ArticleConverter(BaseConverter):
    """Loads the article named in the URL, refusing unknown ones with a 404 of its own."""

    def to_python(self, value: str) -> str:
        if value == "gone":
            abort(410)
        if value == "bad":
            raise BadRequest("Not an article name.")
        return value.title()


def test_converter_raising_an_http_error_answers_with_it(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.url_map.converters["article"] = ArticleConverter

    @app.route("/articles/<article:article>")
    def article(article: str) -> str:
        return article

    @app.errorhandler(400)
    def bad_request(error: BadRequest) -> tuple[str, int]:
        return f"refused: {error.description}", 400

    assert client.get("/articles/routing").text == "Routing"
    assert client.get("/articles/gone").status_code == 410
    refused = client.get("/articles/bad")
    assert (refused.status_code, refused.text) == (400, "refused: Not an article name.")


class FaultyConverter(BaseConverter):
    """A converter with a bug: ``to_python`` fails on some values."""

    def to_python(self, value: str) -> int:
        return int(value)


def test_converter_failing_is_a_500_through_the_error_handlers(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["TESTING"] = False
    app.url_map.converters["faulty"] = FaultyConverter
    raised: list[BaseException] = []

    @app.route("/n/<faulty:n>/")
    def number(n: int) -> str:
        return str(n)

    @app.errorhandler(500)
    def server_error(error: InternalServerError) -> tuple[str, int]:
        return f"failed: {type(error.original_exception).__name__}", 500

    def record(sender: Hipflask, exception: BaseException, **extra: Any) -> None:
        raised.append(exception)

    got_request_exception.connect(record, app)
    try:
        assert client.get("/n/7/").text == "7"
        failed = client.get("/n/seven/")
        assert (failed.status_code, failed.text) == (500, "failed: ValueError")
        # The slash redirect comes before the conversion, as in Werkzeug.
        assert client.get("/n/seven").status_code == 308
    finally:
        got_request_exception.disconnect(record, app)
    assert [type(error) for error in raised] == [ValueError]


def test_converter_failing_reaches_a_test_while_testing(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.url_map.converters["faulty"] = FaultyConverter
    app.add_url_rule("/n/<faulty:n>", "number", lambda n: str(n))
    with pytest.raises(ValueError, match="seven"):
        client.get("/n/seven")
    with pytest.raises(ValueError, match="seven"), app.test_request_context("/n/seven"):
        pass


class AnyTextConverter(BaseConverter):
    """``.+`` without a slash in it: Werkzeug keeps it to one segment."""

    regex = ".+"


def test_converter_regex_stays_within_its_segment(app: Hipflask, client: HipflaskClient) -> None:
    app.url_map.converters["text"] = AnyTextConverter

    @app.route("/notes/<text:title>")
    def note(title: str) -> str:
        return f"note {title}"

    @app.route("/notes/<text:title>/edit")
    def edit(title: str) -> str:
        return f"edit {title}"

    assert client.get("/notes/a b").text == "note a b"
    assert client.get("/notes/groceries/edit").text == "edit groceries"
    assert client.get("/notes/a/b").status_code == 404
    assert client.get("/notes/../secret").status_code == 404


def test_int_rule_wins_over_string_rule(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/item/<name>")
    def by_name(name: str) -> str:
        return "name"

    @app.route("/item/<int:item_id>")
    def by_id(item_id: int) -> str:
        return "id"

    assert client.get("/item/12").text == "id"
    assert client.get("/item/twelve").text == "name"


def test_static_rule_wins_over_dynamic_rule(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/users/<name>")
    def user(name: str) -> str:
        return f"user {name}"

    @app.route("/users/me")
    def me() -> str:
        return "me"

    assert client.get("/users/me").text == "me"
    assert client.get("/users/ann").text == "user ann"


# -- methods -------------------------------------------------------------------------


def test_get_route_answers_head_without_a_body(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        return "some body"

    get = client.get("/")
    head = client.head("/")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["Content-Length"] == str(len(b"some body"))


def test_head_of_a_streamed_response_sends_no_body(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/stream")
    def stream() -> Any:
        return iter([b"chunk one", b"chunk two"])

    assert client.head("/stream").data == b""
    assert client.get("/stream").data == b"chunk onechunk two"


def test_automatic_options_lists_allowed_methods(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["GET", "POST"])
    def index() -> str:
        return "never called for OPTIONS"

    response = client.options("/")
    assert response.status_code == 200
    assert response.data == b""
    assert set(response.allow) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_automatic_options_merges_all_rules_for_the_url(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.get("/thing")
    def read() -> str:
        return "read"

    @app.delete("/thing")
    def remove() -> str:
        return "removed"

    assert set(client.options("/thing").allow) == {"GET", "HEAD", "DELETE", "OPTIONS"}


def test_options_handled_by_the_view_when_asked(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["GET", "OPTIONS"])
    def index() -> str:
        return f"view saw {request.method}"

    assert client.options("/").text == "view saw OPTIONS"


def test_automatic_options_off_means_405(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", provide_automatic_options=False)
    def index() -> str:
        return "x"

    assert client.options("/").status_code == 405


def test_provide_automatic_options_setting(app: Hipflask, client: HipflaskClient) -> None:
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False

    @app.route("/")
    def index() -> str:
        return "x"

    assert client.options("/").status_code == 405


def test_wrong_method_is_405_with_allow(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> str:
        return "posted"

    response = client.get("/")
    assert response.status_code == 405
    assert set(response.allow) == {"POST", "OPTIONS"}
    assert client.post("/").text == "posted"


# -- slashes, defaults, redirects ----------------------------------------------------------


def test_rule_ending_in_slash_redirects_the_bare_url_with_308(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/projects/")
    def projects() -> str:
        return "projects"

    response = client.get("/projects?page=2")
    assert response.status_code == 308
    assert response.headers["Location"] == "/projects/?page=2"
    assert client.get("/projects/").text == "projects"
    followed = client.get("/projects", follow_redirects=True)
    assert followed.text == "projects"


def test_redirect_keeps_the_method_for_post(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/submit/", methods=["POST"])
    def submit() -> str:
        return flask_request.get_data(as_text=True)

    response = client.post("/submit", data=b"payload")
    assert response.status_code == 308
    assert client.post("/submit", data=b"payload", follow_redirects=True).text == "payload"


def test_rule_without_slash_is_404_with_a_slash(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/about")
    def about() -> str:
        return "about"

    assert client.get("/about/").status_code == 404


def test_strict_slashes_false_matches_both(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/about", strict_slashes=False)
    def about() -> str:
        return "about"

    assert client.get("/about").text == "about"
    assert client.get("/about/").text == "about"


def test_map_wide_strict_slashes_false(app: Hipflask, client: HipflaskClient) -> None:
    app.url_map.strict_slashes = False

    @app.route("/docs/")
    def docs() -> str:
        return "docs"

    assert client.get("/docs").text == "docs"


def test_slash_redirect_wins_over_a_catch_all(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/blog/")
    def blog() -> str:
        return "blog"

    @app.route("/<page>")
    def page(page: str) -> str:
        return f"page {page}"

    assert client.get("/blog").status_code == 308
    assert client.get("/other").text == "page other"


def test_defaults_redirect_to_the_canonical_url(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/page/", defaults={"number": 1})
    @app.route("/page/<int:number>")
    def page(number: int) -> str:
        return f"page {number}"

    assert client.get("/page/").text == "page 1"
    assert client.get("/page/2").text == "page 2"
    response = client.get("/page/1")
    assert response.status_code == 308
    assert response.headers["Location"] == "/page/"


def test_redirect_to_rule(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/new/<int:item>")
    def new(item: int) -> str:
        return f"new {item}"

    app.add_url_rule("/old/<int:item>", "old", redirect_to="/new/<item>")
    response = client.get("/old/7")
    assert response.status_code == 308
    assert response.headers["Location"] == "/new/7"


def test_merged_slashes_redirect(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/a/b")
    def ab() -> str:
        return "ab"

    response = client.get("/a//b")
    assert response.status_code == 308
    assert response.headers["Location"] == "/a/b"


def test_a_rule_written_with_double_slashes_is_served_merged(
    app: Hipflask, client: HipflaskClient
) -> None:
    prefix = "/api/"

    @app.route(prefix + "/items")
    def items() -> str:
        return "items"

    @app.route("/u//<int:user_id>")
    def user(user_id: int) -> str:
        return f"user {user_id}"

    assert client.get("/api/items").text == "items"
    assert client.get("/u/7").text == "user 7"
    response = client.get("/api//items")
    assert response.status_code == 308
    assert response.headers["Location"] == "/api/items"
    with app.test_request_context():
        assert url_for("items") == "/api/items"


def test_rules_added_after_a_request_context_are_matched(app: Hipflask) -> None:
    @app.route("/first")
    def first() -> str:
        return "first"

    with app.test_request_context("/first"):
        assert request.endpoint == "first"

    @app.route("/second")
    def second() -> str:
        return "second"

    assert app.test_client().get("/second").text == "second"


# -- hosts and subdomains --------------------------------------------------------------------


def test_subdomain_routing(protocol: str) -> None:
    app = Hipflask("tests_app", subdomain_matching=True)
    app.config.update(TESTING=True, SERVER_NAME="example.test")

    @app.route("/", subdomain="<user>")
    def profile(user: str) -> str:
        return f"profile of {user}"

    @app.route("/", subdomain="static")
    def static_site() -> str:
        return "static site"

    @app.route("/")
    def index() -> str:
        return "home"

    client = app.test_client(protocol=protocol)
    assert client.get("/", base_url="http://ann.example.test").text == "profile of ann"
    assert client.get("/", base_url="http://static.example.test").text == "static site"
    assert client.get("/", base_url="http://example.test").text == "home"
    with app.app_context():
        assert url_for("profile", user="bob") == "http://bob.example.test/"


def test_subdomain_matching_serves_nothing_on_a_foreign_host(protocol: str) -> None:
    app = Hipflask("tests_app", subdomain_matching=True)
    app.config.update(TESTING=True, SERVER_NAME="example.test:8080")

    @app.route("/")
    def index() -> str:
        return "home"

    @app.route("/", subdomain="api")
    def api() -> str:
        return "api"

    client = app.test_client(protocol=protocol)
    assert client.get("/", base_url="http://example.test:8080").text == "home"
    assert client.get("/", base_url="http://api.example.test:8080").text == "api"
    with pytest.warns(UserWarning, match="doesn't match configured server name"):
        assert client.get("/", base_url="http://elsewhere.test").status_code == 404
    with pytest.warns(UserWarning, match="doesn't match configured server name"):
        assert client.get("/", base_url="http://api.elsewhere.test").status_code == 404


def test_empty_labels_of_a_host_are_left_out_of_its_subdomain(protocol: str) -> None:
    app = Hipflask("tests_app", subdomain_matching=True)
    app.config.update(TESTING=True, SERVER_NAME="example.test")

    @app.route("/", subdomain="<user>")
    def profile(user: str) -> str:
        return f"profile of {user}"

    client = app.test_client(protocol=protocol)
    assert client.get("/", headers={"Host": "ann..example.test"}).text == "profile of ann"
    assert client.get("/", headers={"Host": "a..b.example.test"}).text == "profile of a.b"


def test_default_port_in_server_name_is_ignored_for_subdomains(protocol: str) -> None:
    app = Hipflask("tests_app", subdomain_matching=True)
    app.config.update(TESTING=True, SERVER_NAME="example.test:443")

    @app.route("/", subdomain="api")
    def api() -> str:
        return "api"

    client = app.test_client(protocol=protocol)
    assert client.get("/", base_url="https://api.example.test").text == "api"


def test_subdomain_rules_need_subdomain_matching(protocol: str) -> None:
    app = Hipflask("tests_app")
    app.config.update(TESTING=True, SERVER_NAME="example.test")

    @app.route("/", subdomain="api")
    def api() -> str:
        return "api"

    client = app.test_client(protocol=protocol)
    assert client.get("/", base_url="http://api.example.test").status_code == 404


def test_host_matching(protocol: str) -> None:
    app = Hipflask("tests_app", host_matching=True, static_folder=None)
    app.config["TESTING"] = True

    @app.route("/", host="shop.test")
    def shop() -> str:
        return "shop"

    @app.route("/", host="<tenant>.blog.test")
    def blog(tenant: str) -> str:
        return f"blog of {tenant}"

    client = app.test_client(protocol=protocol)
    assert client.get("/", base_url="http://shop.test").text == "shop"
    assert client.get("/", base_url="http://ann.blog.test").text == "blog of ann"
    assert client.get("/", base_url="http://other.test").status_code == 404


def test_host_matching_needs_a_static_host_when_serving_static_files() -> None:
    with pytest.raises(ValueError, match="static_host"):
        Hipflask("tests_app", host_matching=True)
    app = Hipflask("tests_app", host_matching=True, static_host="cdn.test")
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "static")
    assert rule.host == "cdn.test"


def test_static_host_without_host_matching_is_refused_saying_why() -> None:
    # Without host matching the host of the static rule would be ignored, and
    # static files served on every host the app answers.
    with pytest.raises(ValueError, match=r"static_host=.*needs host_matching=True"):
        Hipflask("tests_app", static_host="cdn.test")
    with pytest.raises(ValueError, match=r"needs a static_host .*or static_folder=None"):
        Hipflask("tests_app", host_matching=True)
    assert Hipflask("tests_app", host_matching=True, static_folder=None).url_map.host_matching


def test_converters_module_exports_werkzeugs_converters(
    app: Hipflask, client: HipflaskClient
) -> None:
    from hipflask.routing import converters

    class EvenConverter(converters.NumberConverter):
        """Even numbers only: ``to_python`` refuses odd ones with a 404."""

        regex = r"\d+"
        num_convert = int

        def to_python(self, value: str) -> Any:
            number = super().to_python(value)
            if number % 2:
                raise converters.ValidationError()
            return number

    app.url_map.converters["even"] = EvenConverter
    _echo(app, "/even/<even:n>")
    assert client.get("/even/4").json == {"n": ["int", "4"]}
    assert client.get("/even/5").status_code == 404
    assert issubclass(converters.IntegerConverter, converters.BaseConverter)
    assert {"any", "path", "uuid", "float", "int", "string", "default"} <= set(
        app.url_map.converters
    )


def test_host_matching_serves_static_files_on_the_static_host_only(
    protocol: str, tmp_path: Any
) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "site.css").write_text("body{}")
    app = Hipflask("tests_app", host_matching=True, static_host="cdn.test", root_path=str(tmp_path))
    client = app.test_client(protocol=protocol)

    assert client.get("/static/site.css", base_url="http://cdn.test").data == b"body{}"
    assert client.get("/static/site.css", base_url="http://shop.test").status_code == 404
    with app.test_request_context(base_url="http://shop.test"):
        assert url_for("static", filename="site.css") == "http://cdn.test/static/site.css"


def test_server_name_without_subdomain_matching_serves_any_host(protocol: str) -> None:
    # Flask 3.1: SERVER_NAME alone sets the host of external URLs, not a filter.
    app = Hipflask("tests_app", static_folder=None)
    app.config.update(TESTING=True, SERVER_NAME="example.test:8080")

    @app.route("/")
    def index() -> str:
        return url_for("index", _external=True)

    client = app.test_client(protocol=protocol)
    assert client.get("/", base_url="http://other.test").text == "http://example.test:8080/"


def test_subdomain_on_a_blueprint_and_a_route_under_a_server_name_with_a_port(
    protocol: str,
) -> None:
    from hipflask import Blueprint

    app = Hipflask("tests_app", subdomain_matching=True, static_folder=None)
    app.config.update(TESTING=True, SERVER_NAME="example.test:8080")
    admin = Blueprint("admin", __name__, subdomain="admin")

    @admin.route("/")
    def dashboard() -> str:
        return "admin"

    @app.route("/", subdomain="<user>")
    def profile(user: str) -> str:
        return f"profile of {user}"

    app.register_blueprint(admin)
    client = app.test_client(protocol=protocol)

    assert client.get("/", base_url="http://admin.example.test:8080").text == "admin"
    assert client.get("/", base_url="http://ann.example.test:8080").text == "profile of ann"
    with app.app_context():
        assert url_for("admin.dashboard") == "http://admin.example.test:8080/"


def test_routing_redirect_never_takes_its_host_from_an_unchecked_host_header(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/a/b/")
    def ab() -> str:
        return "ab"

    for path in ("/a/b", "/a//b/"):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 308
        assert response.headers["Location"] == "/a/b/"
        # Nor does the page's link, for a client that shows it.
        assert b"evil.example" not in response.data
        assert b'href="/a/b/"' in response.data


@pytest.mark.parametrize("host", ["x/evil.example", "a b", "x@evil.example", "[evil"])
def test_routing_redirect_from_a_malformed_host_is_a_path(
    app: Hipflask, client: HipflaskClient, host: str
) -> None:
    # A Host with characters no host name has is no host at all: an absolute
    # Location built from it reads "http:///evil.example/", which browsers
    # follow to https://evil.example/.
    @app.route("/<name>/")
    def named(name: str) -> str:
        return name

    response = client.get("/evil.example", headers={"Host": host})
    assert response.status_code == 308
    assert response.headers["Location"] == "/evil.example/"
    assert b'href="/evil.example/"' in response.data


def test_routing_redirect_is_absolute_for_a_trusted_host(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["TRUSTED_HOSTS"] = ["good.example"]

    @app.route("/a/b/")
    def ab() -> str:
        return "ab"

    response = client.get("/a/b", headers={"Host": "good.example"})
    assert response.headers["Location"] == "http://good.example/a/b/"


def test_the_url_map_counts_additions_so_the_matcher_notices_late_rules() -> None:
    from werkzeug.routing import Rule as WerkzeugRule

    from hipflask.routing.matcher import Matcher
    from hipflask.routing.rules import Map

    url_map = Map([WerkzeugRule("/a", endpoint="a")])
    matcher = Matcher(url_map)
    assert matcher.is_current(url_map)

    url_map.add(WerkzeugRule("/b", endpoint="b"))

    assert url_map.additions == 2
    assert not matcher.is_current(url_map)
    assert not matcher.is_current(Map([WerkzeugRule("/a", endpoint="a")]))
