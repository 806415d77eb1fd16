"""The signed cookie session across requests: what is saved, when a cookie is sent, Vary."""

from __future__ import annotations

from typing import Any

import pytest
from tests.sessions.cookie_sessions import session_cookie
from tests.sessions.cookie_sessions import set_cookies
from tests.sessions.cookie_sessions import views as views

from hipflask import Hipflask
from hipflask import redirect
from hipflask import request
from hipflask import session
from hipflask import url_for
from hipflask.sessions.base import SecureCookieSession
from hipflask.sessions.cookie import SecureCookieSessionInterface
from hipflask.testing.client import HipflaskClient


def test_value_set_in_one_request_is_read_in_the_next(
    views: Hipflask, client: HipflaskClient
) -> None:
    client.get("/set/user/ann")
    assert client.get("/get/user").text == "'ann'"


def test_first_visit_gets_a_new_empty_session(views: Hipflask, client: HipflaskClient) -> None:
    assert client.get("/state").text == "{} new=True"
    client.get("/set/a/1")
    assert client.get("/state").text == "{'a': '1'} new=False"


def test_untouched_session_sends_no_cookie_and_no_vary(
    views: Hipflask, client: HipflaskClient
) -> None:
    client.get("/set/a/1")
    response = client.get("/untouched")
    assert set_cookies(response) == []
    assert "Vary" not in response.headers


def test_untouched_session_opens_only_to_refresh(
    views: Hipflask, client: HipflaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[bool] = []
    interface = views.session_interface
    original = interface.open_session

    def spy(app: Hipflask, req: Any) -> Any:
        opened.append(True)
        return original(app, req)

    monkeypatch.setattr(interface, "open_session", spy)
    # No session cookie: a page that ignores the session never opens it.
    client.get("/untouched")
    assert opened == []
    client.get("/set/a/1")
    opened.clear()
    # With the cookie, the session is opened to refresh it, as Flask does ...
    client.get("/untouched")
    assert opened == [True]
    # ... unless the refresh is turned off.
    views.config["SESSION_REFRESH_EACH_REQUEST"] = False
    client.get("/untouched")
    assert opened == [True]


def test_untouched_permanent_session_slides_its_expiry(
    views: Hipflask, client: HipflaskClient
) -> None:
    client.get("/permanent")
    response = client.get("/untouched")
    (cookie,) = set_cookies(response)
    assert cookie.startswith("session=") and "Expires=" in cookie
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/get/user").text == "'ann'"
    views.config["SESSION_REFRESH_EACH_REQUEST"] = False
    assert set_cookies(client.get("/untouched")) == []


def test_untouched_session_with_a_bad_cookie_sends_nothing(
    views: Hipflask, client: HipflaskClient
) -> None:
    client.set_cookie("session", "forged.cookie.value")
    response = client.get("/untouched")
    assert response.status_code == 200
    assert set_cookies(response) == []
    assert "Vary" not in response.headers


def test_reading_adds_vary_cookie_but_sends_no_cookie(
    views: Hipflask, client: HipflaskClient
) -> None:
    client.get("/set/a/1")
    response = client.get("/get/a")
    assert response.headers["Vary"] == "Cookie"
    assert set_cookies(response) == []


def test_reading_an_empty_session_still_varies(views: Hipflask, client: HipflaskClient) -> None:
    response = client.get("/get/a")
    assert response.text == "None"
    assert response.headers["Vary"] == "Cookie"
    assert set_cookies(response) == []


def test_reading_only_new_varies(app: Hipflask, client: HipflaskClient) -> None:
    # A page that greets first visitors differs by cookie as much as one
    # that prints a value from the session.
    @app.route("/")
    def index() -> str:
        return "welcome" if session.new else "welcome back"

    response = client.get("/")
    assert response.text == "welcome"
    assert response.headers["Vary"] == "Cookie"
    assert set_cookies(response) == []


def test_vary_cookie_is_merged_with_existing_vary(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> Any:
        session["a"] = 1
        return "x", {"Vary": "Accept-Encoding"}

    response = client.get("/")
    assert response.headers.getlist("Vary") == ["Accept-Encoding, Cookie"]


def test_vary_cookie_is_not_repeated(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> Any:
        session["a"] = 1
        return "x", {"Vary": "cookie"}

    assert client.get("/").headers.getlist("Vary") == ["cookie"]


def test_vary_star_is_left_alone(app: Hipflask, client: HipflaskClient) -> None:
    # "*" already says the page may differ for every request: "*, Cookie"
    # would say nothing more, and some caches read it as a list of names.
    @app.route("/")
    def index() -> Any:
        session["a"] = 1
        return "x", {"Vary": "*"}

    assert client.get("/").headers.getlist("Vary") == ["*"]


def test_writing_sets_the_cookie_with_vary(views: Hipflask, client: HipflaskClient) -> None:
    response = client.get("/set/a/1")
    [header] = set_cookies(response)
    assert header.startswith("session=")
    assert response.headers["Vary"] == "Cookie"


def test_cookie_value_is_signed_not_encrypted(views: Hipflask, client: HipflaskClient) -> None:
    client.get("/set/a/1")
    value = session_cookie(client)
    payload, _timestamp, signature = value.split(".")
    assert payload == "eyJhIjoiMSJ9"  # base64 of {"a":"1"}: readable, hence no secrets
    # HMAC-SHA256 is 32 bytes: 43 characters of unpadded base64.
    assert len(signature) == 43


def test_large_session_is_compressed_and_still_loads(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/big")
    def big() -> str:
        session["blob"] = "abc" * 400
        return "ok"

    @app.route("/len")
    def length() -> str:
        return str(len(session["blob"]))

    client.get("/big")
    assert session_cookie(client).startswith(".")
    assert client.get("/len").text == "1200"


def test_clearing_deletes_the_cookie(views: Hipflask, client: HipflaskClient) -> None:
    client.get("/set/a/1")
    response = client.get("/clear")
    [header] = set_cookies(response)
    assert header.startswith("session=;")
    assert "Max-Age=0" in header
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in header
    assert response.headers["Vary"] == "Cookie"
    assert client.get_cookie("session") is None
    assert client.get("/state").text == "{} new=True"


def test_removing_the_last_key_deletes_the_cookie(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/login")
    def login() -> str:
        session["user"] = "ann"
        return "in"

    @app.route("/logout")
    def logout() -> str:
        session.pop("user", None)
        return "out"

    client.get("/login")
    assert "Max-Age=0" in set_cookies(client.get("/logout"))[0]
    assert client.get_cookie("session") is None


def test_popping_a_missing_key_sends_nothing(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        session.pop("user", None)
        return "x"

    assert set_cookies(client.get("/")) == []


def test_nested_change_needs_modified_flag(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/start")
    def start() -> str:
        session["cart"] = []
        return "x"

    @app.route("/add/<flag>")
    def add(flag: str) -> str:
        session["cart"].append(1)
        if flag == "yes":
            session.modified = True
        return "x"

    @app.route("/cart")
    def cart() -> str:
        return repr(session["cart"])

    client.get("/start")
    client.get("/add/no")
    assert client.get("/cart").text == "[]"
    client.get("/add/yes")
    assert client.get("/cart").text == "[1]"


def test_session_written_in_after_request_is_saved(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        return "x"

    @app.after_request
    def mark(response: Any) -> Any:
        session["seen"] = True
        return response

    @app.route("/seen")
    def seen() -> str:
        return repr(session.get("seen"))

    client.get("/")
    assert client.get("/seen").text == "True"


def test_async_view_uses_the_session(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/async-set")
    async def async_set() -> str:
        session["a"] = "async"
        return "x"

    @app.route("/async-get")
    async def async_get() -> str:
        return str(session["a"])

    client.get("/async-set")
    assert client.get("/async-get").text == "async"


def test_login_logout_walkthrough(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> str:
        if "username" in session:
            return f"Logged in as {session['username']}"
        return "You are not logged in"

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if request.method == "POST":
            session["username"] = request.form["username"]
            return redirect(url_for("index"))
        return '<form method="post"><input type="text" name="username"></form>'

    @app.route("/logout")
    def logout() -> Any:
        session.pop("username", None)
        return redirect(url_for("index"))

    assert client.get("/").text == "You are not logged in"
    assert "<form" in client.get("/login").text
    response = client.post("/login", data={"username": "ann"}, follow_redirects=True)
    assert response.text == "Logged in as ann"
    assert client.get("/").text == "Logged in as ann"
    response = client.get("/logout", follow_redirects=True)
    assert response.text == "You are not logged in"
    assert client.get_cookie("session") is None


def test_other_cookies_do_not_confuse_the_session(views: Hipflask, client: HipflaskClient) -> None:
    client.get("/set/a/1")
    client.set_cookie("sessionx", "zzz")
    client.set_cookie("analytics", 'quoted "value"')
    assert client.get("/get/a").text == "'1'"


def test_default_interface_is_the_signed_cookie(app: Hipflask) -> None:
    assert isinstance(app.session_interface, SecureCookieSessionInterface)
    assert app.session_interface.session_class is SecureCookieSession


def test_only_other_cookies_gives_a_new_session(views: Hipflask, client: HipflaskClient) -> None:
    client.set_cookie("theme", "dark")
    client.set_cookie("flag", "")
    assert client.get("/state").text == "{} new=True"


def test_first_of_duplicate_session_cookies_wins(views: Hipflask, client: HipflaskClient) -> None:
    serializer = views.session_interface.get_signing_serializer(views)
    first = serializer.dumps({"which": "first"})
    second = serializer.dumps({"which": "second"})
    # Browsers send the cookie with the longer path first.
    client.set_cookie("session", first, path="/state")
    client.set_cookie("session", second, path="/")
    response = client.get("/state")
    assert response.text == "{'which': 'first'} new=False"
