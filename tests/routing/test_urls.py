"""Building URLs: ``url_for`` inside and outside requests, blueprints, defaults."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.routing import BuildError

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import g
from hipflask import render_template_string
from hipflask import url_for
from hipflask.testing.client import HipflaskClient


@pytest.fixture
def routed(app: Hipflask) -> Hipflask:
    @app.route("/")
    def index() -> str:
        return "index"

    @app.route("/post/<int:post_id>")
    def post(post_id: int) -> str:
        return f"post {post_id}"

    @app.route("/search")
    def search() -> str:
        return "search"

    @app.route("/item", methods=["GET"])
    @app.route("/item/new", methods=["POST"])
    def item() -> str:
        return "item"

    return app


def test_url_for_in_a_view(routed: Hipflask, client: HipflaskClient) -> None:
    @routed.route("/links")
    def links() -> dict[str, str]:
        return {
            "index": url_for("index"),
            "post": url_for("post", post_id=3),
            "external": url_for("post", post_id=3, _external=True),
        }

    assert client.get("/links").json == {
        "index": "/",
        "post": "/post/3",
        "external": "http://localhost/post/3",
    }


def test_extra_values_become_the_query_string(routed: Hipflask) -> None:
    with routed.test_request_context():
        assert url_for("search", q="hipflask web", page=2) == "/search?q=hipflask+web&page=2"
        assert url_for("search", tag=["a", "b"]) == "/search?tag=a&tag=b"
        assert url_for("post", post_id=1, ref="home") == "/post/1?ref=home"


def test_anchor_is_quoted(routed: Hipflask) -> None:
    with routed.test_request_context():
        assert url_for("index", _anchor="section 2") == "/#section%202"
        assert url_for("index", _anchor="a/b?c=d") == "/#a/b?c=d"


def test_scheme_implies_external(routed: Hipflask) -> None:
    with routed.test_request_context():
        assert url_for("index", _scheme="https") == "https://localhost/"
        assert url_for("index", _scheme="https", _external=True) == "https://localhost/"
        with pytest.raises(ValueError, match="'_external' must be True"):
            url_for("index", _scheme="https", _external=False)


def test_method_picks_the_rule(routed: Hipflask) -> None:
    with routed.test_request_context():
        assert url_for("item", _method="GET") == "/item"
        assert url_for("item", _method="POST") == "/item/new"


def test_external_url_follows_the_request_host_and_scheme(routed: Hipflask) -> None:
    with routed.test_request_context("/", base_url="https://shop.example:8443"):
        assert url_for("index", _external=True) == "https://shop.example:8443/"
        assert url_for("index") == "/"


def test_script_root_is_prefixed(routed: Hipflask) -> None:
    with routed.test_request_context("/", base_url="http://localhost/mounted"):
        assert url_for("post", post_id=1) == "/mounted/post/1"


def test_build_error_names_the_problem(routed: Hipflask) -> None:
    with routed.test_request_context():
        with pytest.raises(BuildError, match="Could not build url for endpoint 'nowhere'"):
            url_for("nowhere")
        with pytest.raises(BuildError, match="post_id"):
            url_for("post")


def test_build_error_handlers_can_answer(routed: Hipflask) -> None:
    def external_docs(error: BuildError, endpoint: str, values: dict[str, Any]) -> str | None:
        if endpoint == "docs":
            return f"https://docs.example/{values.get('page', '')}"
        return None

    routed.url_build_error_handlers.append(external_docs)
    with routed.test_request_context():
        assert url_for("docs", page="intro") == "https://docs.example/intro"
        with pytest.raises(BuildError):
            url_for("still_missing")


def test_build_error_handler_may_raise_its_own_error(routed: Hipflask) -> None:
    replacement = BuildError("other", {}, None)

    def raising(error: BuildError, endpoint: str, values: dict[str, Any]) -> str:
        raise replacement

    routed.url_build_error_handlers.append(raising)
    with routed.test_request_context(), pytest.raises(BuildError) as info:
        url_for("nowhere")
    assert info.value is replacement


def test_outside_a_request_without_server_name_fails_clearly(routed: Hipflask) -> None:
    with routed.app_context(), pytest.raises(RuntimeError, match="'SERVER_NAME'"):
        url_for("index")


def test_outside_any_context_fails_clearly() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        url_for("index")


def test_outside_a_request_with_server_name_builds_external_urls(routed: Hipflask) -> None:
    routed.config.update(
        SERVER_NAME="example.test", APPLICATION_ROOT="/app", PREFERRED_URL_SCHEME="https"
    )
    with routed.app_context():
        assert url_for("post", post_id=9) == "https://example.test/app/post/9"
        assert url_for("post", post_id=9, _external=False) == "/app/post/9"
        assert url_for("index", _scheme="http") == "http://example.test/app/"


def test_app_url_for_works_outside_the_helper(routed: Hipflask) -> None:
    with routed.test_request_context():
        assert routed.url_for("post", post_id=5, _anchor="top") == "/post/5#top"


def test_a_value_named_self_is_a_url_value(app: Hipflask, client: HipflaskClient) -> None:
    # "self" is an ordinary name for a rule argument or a query parameter
    # ("/profile/<self>", "?self=1"): it must reach the URL, not the method.
    @app.route("/profile/<self>")
    def profile(self: str) -> dict[str, str]:
        return {
            "helper": url_for("profile", self="ann"),
            "app": app.url_for("profile", self="bob", tab="posts"),
            "query": url_for("listing", self="1"),
            "template": render_template_string("{{ url_for('profile', self='cy') }}"),
        }

    @app.route("/listing")
    def listing() -> str:
        return "listing"

    assert client.get("/profile/me").json == {
        "helper": "/profile/ann",
        "app": "/profile/bob?tab=posts",
        "query": "/listing?self=1",
        "template": "/profile/cy",
    }


def test_app_url_for_needs_no_context_with_server_name(routed: Hipflask) -> None:
    # A script or a task queue worker builds links for an email this way.
    routed.config.update(SERVER_NAME="example.test", PREFERRED_URL_SCHEME="https")
    assert routed.url_for("post", post_id=3) == "https://example.test/post/3"
    assert routed.url_for("search", q="x", _external=False) == "/search?q=x"


def test_app_url_for_without_context_or_server_name_fails_clearly(routed: Hipflask) -> None:
    with pytest.raises(RuntimeError, match="'SERVER_NAME'"):
        routed.url_for("index")


def test_url_defaults_fill_in_values(app: Hipflask) -> None:
    @app.url_defaults
    def add_language(endpoint: str, values: dict[str, Any]) -> None:
        if "lang" in values or not app.url_map.is_endpoint_expecting(endpoint, "lang"):
            return
        values["lang"] = g.get("lang", "en")

    @app.route("/<lang>/about")
    def about() -> str:
        return "about"

    @app.route("/plain")
    def plain() -> str:
        return "plain"

    with app.test_request_context():
        assert url_for("about") == "/en/about"
        g.lang = "de"
        assert url_for("about") == "/de/about"
        assert url_for("about", lang="fr") == "/fr/about"
        assert url_for("plain") == "/plain"


def test_relative_blueprint_endpoint(app: Hipflask, client: HipflaskClient) -> None:
    bp = Blueprint("blog", __name__, url_prefix="/blog")

    @bp.route("/")
    def index() -> str:
        return url_for(".post", slug="hi")

    @bp.route("/<slug>")
    def post(slug: str) -> str:
        return slug

    @app.route("/")
    def index_app() -> str:
        return url_for(".index_app")

    app.register_blueprint(bp)
    assert client.get("/blog/").text == "/blog/hi"
    assert client.get("/").text == "/"


def test_blueprint_url_defaults_and_preprocessor(app: Hipflask, client: HipflaskClient) -> None:
    bp = Blueprint("shop", __name__, url_prefix="/<shop>")

    @bp.url_defaults
    def add_shop(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("shop", g.shop)

    @bp.url_value_preprocessor
    def pull_shop(endpoint: str | None, values: dict[str, Any] | None) -> None:
        assert values is not None
        g.shop = values.pop("shop")

    @bp.route("/cart")
    def cart() -> str:
        return url_for(".checkout")

    @bp.route("/checkout")
    def checkout() -> str:
        return f"checkout at {g.shop}"

    @app.route("/")
    def index() -> str:
        g.shop = "outlet"
        return url_for("shop.cart")

    app.register_blueprint(bp)
    assert client.get("/acme/cart").text == "/acme/checkout"
    assert client.get("/acme/checkout").text == "checkout at acme"
    assert client.get("/").text == "/outlet/cart"


def test_blueprint_url_defaults_do_not_apply_to_app_endpoints(app: Hipflask) -> None:
    bp = Blueprint("bp", __name__)
    seen: list[str] = []

    @bp.url_defaults
    def record(endpoint: str, values: dict[str, Any]) -> None:
        seen.append(endpoint)

    @bp.route("/in")
    def inside() -> str:
        return "in"

    @app.route("/out")
    def outside() -> str:
        return "out"

    app.register_blueprint(bp)
    with app.test_request_context():
        url_for("outside")
        url_for("bp.inside")
    assert seen == ["bp.inside"]


def test_url_for_uses_converters_to_url(app: Hipflask) -> None:
    @app.route("/day/<int(fixed_digits=2):day>")
    def day(day: int) -> str:
        return str(day)

    with app.test_request_context():
        assert url_for("day", day=7) == "/day/07"


def test_unicode_values_are_percent_encoded(app: Hipflask) -> None:
    @app.route("/tag/<name>")
    def tag(name: str) -> str:
        return name

    with app.test_request_context():
        assert url_for("tag", name="café crème") == "/tag/caf%C3%A9%20cr%C3%A8me"


def test_app_context_reuses_its_url_adapter(routed: Hipflask) -> None:
    routed.config["SERVER_NAME"] = "example.test"
    with routed.app_context() as ctx:
        assert url_for("index") == "http://example.test/"
        adapter = ctx.url_adapter
        assert adapter is not None
        assert url_for("post", post_id=2) == "http://example.test/post/2"
        assert ctx.url_adapter is adapter
