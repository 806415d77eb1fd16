"""Hosts and subdomains: matching, SERVER_NAME, the static host and redirects' hosts."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import url_for
from hipflask.testing.client import HipflaskClient


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
