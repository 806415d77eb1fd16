"""Slashes, defaults and redirect_to: which URL a rule redirects, and rules added late."""

from __future__ import annotations

from hipflask import Hipflask
from hipflask import request
from hipflask import request as flask_request
from hipflask import url_for
from hipflask.testing.client import HipflaskClient


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
