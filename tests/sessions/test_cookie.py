from __future__ import annotations

import asyncio
import os
import time
from ast import literal_eval
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any

import pytest
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer
from werkzeug.http import parse_date

from hipflask import Hipflask
from hipflask import Response
from hipflask import redirect
from hipflask import request
from hipflask import session
from hipflask import url_for
from hipflask.errors import ConfigurationError
from hipflask.sessions.base import SecureCookieSession
from hipflask.sessions.base import SessionMixin
from hipflask.sessions.base import SessionUnavailableError
from hipflask.sessions.cookie import SecureCookieSessionInterface
from hipflask.testing.client import HipflaskClient

OLD_KEY = "old-secret-key-0123456789abcdef"
NEW_KEY = "new-secret-key-0123456789abcdef"


@pytest.fixture
def views(app: Hipflask) -> Hipflask:
    """Routes that write, read, clear and ignore the session."""

    @app.route("/set/<key>/<value>")
    def set_value(key: str, value: str) -> str:
        session[key] = value
        return "set"

    @app.route("/get/<key>")
    def get_value(key: str) -> str:
        return repr(session.get(key))

    @app.route("/state")
    def state() -> str:
        return f"{dict(session)!r} new={session.new}"

    @app.route("/permanent")
    def make_permanent() -> str:
        session.permanent = True
        session["user"] = "ann"
        return "permanent"

    @app.route("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    @app.route("/untouched")
    def untouched() -> str:
        return "untouched"

    return app


def set_cookies(response: Any) -> list[str]:
    return list(response.headers.getlist("Set-Cookie"))


def session_cookie(client: HipflaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return str(cookie.value)


def sign(app: Hipflask, data: dict[str, Any], *keys: str) -> str:
    """A session cookie value signed like the app's, with the given keys."""
    app = Hipflask("signer")
    app.config.update(SECRET_KEY=keys[-1], SECRET_KEY_FALLBACKS=list(keys[:-1]))
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    return serializer.dumps(data)


# -- round trip and laziness -----------------------------------------------------


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


# -- cookie attributes -----------------------------------------------------------


def test_cookie_attributes_over_http(views: Hipflask, client: HipflaskClient) -> None:
    [header] = set_cookies(client.get("/set/a/1"))
    attributes = [part.strip() for part in header.split(";")[1:]]
    assert sorted(attributes) == ["HttpOnly", "Path=/", "SameSite=Lax"]


def test_cookie_is_secure_over_https(views: Hipflask, client: HipflaskClient) -> None:
    [header] = set_cookies(client.get("/set/a/1", base_url="https://localhost"))
    attributes = [part.strip() for part in header.split(";")[1:]]
    assert sorted(attributes) == ["HttpOnly", "Path=/", "SameSite=Lax", "Secure"]


def test_secure_true_forces_secure_over_http(views: Hipflask, client: HipflaskClient) -> None:
    views.config["SESSION_COOKIE_SECURE"] = True
    assert "; Secure" in set_cookies(client.get("/set/a/1"))[0]


def test_secure_false_is_never_secure(views: Hipflask, client: HipflaskClient) -> None:
    views.config["SESSION_COOKIE_SECURE"] = False
    header = set_cookies(client.get("/set/a/1", base_url="https://localhost"))[0]
    assert "Secure" not in header


def test_deleting_cookie_keeps_its_attributes(views: Hipflask, client: HipflaskClient) -> None:
    client.get("/set/a/1", base_url="https://localhost")
    header = set_cookies(client.get("/clear", base_url="https://localhost"))[0]
    assert "; Secure" in header
    assert "; HttpOnly" in header
    assert "; SameSite=Lax" in header


def test_cookie_settings_are_applied(views: Hipflask, client: HipflaskClient) -> None:
    views.config.update(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="localhost.test",
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PARTITIONED=True,
        SERVER_NAME="localhost.test",
    )
    header = set_cookies(client.get("/set/a/1"))[0]
    assert header.startswith("sid=")
    assert "Domain=localhost.test" in header
    assert "SameSite=Strict" in header
    assert "Partitioned" in header
    assert "HttpOnly" not in header


def test_cookie_path_follows_application_root(views: Hipflask, client: HipflaskClient) -> None:
    views.config["APPLICATION_ROOT"] = "/app"
    # The test client mounts requests under APPLICATION_ROOT, as a server would.
    header = set_cookies(client.get("/set/a/1"))[0]
    assert "Path=/app" in header
    assert client.get("/get/a").text == "'1'"


def test_samesite_none_is_always_secure(views: Hipflask, client: HipflaskClient) -> None:
    views.config["SESSION_COOKIE_SAMESITE"] = "None"
    header = set_cookies(client.get("/set/a/1"))[0]
    assert "SameSite=None" in header
    assert "Secure" in header


def test_no_samesite_attribute_when_setting_is_none(
    views: Hipflask, client: HipflaskClient
) -> None:
    views.config["SESSION_COOKIE_SAMESITE"] = None
    assert "SameSite" not in set_cookies(client.get("/set/a/1"))[0]


# -- permanence and expiry --------------------------------------------------------


def test_non_permanent_cookie_has_no_expiry(views: Hipflask, client: HipflaskClient) -> None:
    header = set_cookies(client.get("/set/a/1"))[0]
    assert "Expires" not in header
    assert "Max-Age" not in header


def test_permanent_cookie_expires_after_the_lifetime(
    views: Hipflask, client: HipflaskClient
) -> None:
    views.permanent_session_lifetime = timedelta(hours=2)  # type: ignore[assignment]
    header = set_cookies(client.get("/permanent"))[0]
    expires_text = next(p for p in header.split("; ") if p.startswith("Expires="))[8:]
    expires = parse_date(expires_text)
    assert expires is not None
    remaining = expires - datetime.now(timezone.utc)
    assert timedelta(hours=1, minutes=59) < remaining <= timedelta(hours=2)


def test_permanent_session_is_refreshed_on_each_request(
    views: Hipflask, client: HipflaskClient
) -> None:
    client.get("/permanent")
    response = client.get("/get/user")
    assert response.text == "'ann'"
    assert len(set_cookies(response)) == 1


def test_refresh_can_be_turned_off(views: Hipflask, client: HipflaskClient) -> None:
    views.config["SESSION_REFRESH_EACH_REQUEST"] = False
    client.get("/permanent")
    assert set_cookies(client.get("/get/user")) == []


def signed_at(
    app: Hipflask, data: dict[str, Any], age: int, monkeypatch: pytest.MonkeyPatch
) -> str:
    """A cookie for ``app`` whose signature is ``age`` seconds old."""
    serializer = app.session_interface.get_signing_serializer(app)
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - age)
        return str(serializer.dumps(data))


def test_cookie_older_than_the_lifetime_gives_a_new_session(
    views: Hipflask, client: HipflaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    views.config["PERMANENT_SESSION_LIFETIME"] = 60
    client.set_cookie("session", signed_at(views, {"user": "ann"}, 30, monkeypatch))
    assert client.get("/state").text == "{'user': 'ann'} new=False"
    client.set_cookie("session", signed_at(views, {"user": "ann"}, 120, monkeypatch))
    response = client.get("/state")
    assert response.status_code == 200
    assert response.text == "{} new=True"


# -- tampering, foreign keys, rotation ------------------------------------------


def flip(text: str, index: int) -> str:
    char = text[index]
    return text[:index] + ("A" if char != "A" else "B") + text[index + 1 :]


@pytest.mark.parametrize("part", ["payload", "timestamp", "signature"])
def test_tampered_cookie_gives_a_new_session_not_an_error(
    views: Hipflask, client: HipflaskClient, part: str
) -> None:
    client.get("/set/role/user")
    payload, timestamp, signature = session_cookie(client).split(".")
    if part == "payload":
        payload = flip(payload, 3)
    elif part == "timestamp":
        timestamp = flip(timestamp, 1)
    else:
        signature = flip(signature, 5)
    client.set_cookie("session", f"{payload}.{timestamp}.{signature}")
    response = client.get("/state")
    assert response.status_code == 200
    assert response.text == "{} new=True"


def test_forged_payload_with_reused_signature_is_refused(
    views: Hipflask, client: HipflaskClient
) -> None:
    client.get("/set/role/user")
    _payload, timestamp, signature = session_cookie(client).split(".")
    forged = URLSafeTimedSerializer("x").dump_payload({"role": "admin"}).decode()
    client.set_cookie("session", f"{forged}.{timestamp}.{signature}")
    assert client.get("/state").text == "{} new=True"


@pytest.mark.parametrize(
    "value",
    ["garbage", "a.b.c", "...", "ünïcode.x.y", ".eJzzSM3JyQcABiwCFQ.x.y", "e30"],
)
def test_malformed_cookie_gives_a_new_session(
    views: Hipflask, client: HipflaskClient, value: str
) -> None:
    client.set_cookie("session", value)
    response = client.get("/state")
    assert response.status_code == 200
    assert response.text == "{} new=True"


def test_cookie_signed_with_another_key_is_refused(views: Hipflask, client: HipflaskClient) -> None:
    client.set_cookie("session", sign(views, {"user": "mallory"}, "some-other-secret-key-0000000"))
    assert client.get("/state").text == "{} new=True"


def test_cookie_for_another_purpose_with_the_same_key_is_refused(
    views: Hipflask, client: HipflaskClient
) -> None:
    key = views.config["SECRET_KEY"]
    token = URLSafeTimedSerializer(key, salt="other-purpose").dumps({"user": "mallory"})
    client.set_cookie("session", token)
    assert client.get("/state").text == "{} new=True"


def test_signed_value_that_is_not_an_object_gives_a_new_session(
    views: Hipflask, client: HipflaskClient
) -> None:
    serializer = views.session_interface.get_signing_serializer(views)
    client.set_cookie("session", serializer.dumps(["not", "a", "dict"]))
    assert client.get("/state").text == "{} new=True"


def test_fallback_key_still_opens_and_rewrites_with_current_key(
    app: Hipflask, views: Hipflask, client: HipflaskClient
) -> None:
    app.config.update(SECRET_KEY=OLD_KEY)
    client.get("/set/user/ann")
    old_cookie = session_cookie(client)

    app.config.update(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY])
    response = client.get("/get/user")
    assert response.text == "'ann'"
    assert set_cookies(response) == []  # reading does not re-sign

    client.get("/set/role/admin")
    new_cookie = session_cookie(client)
    assert new_cookie != old_cookie

    current_only = Hipflask("current")
    current_only.config.update(SECRET_KEY=NEW_KEY)
    old_only = Hipflask("old")
    old_only.config.update(SECRET_KEY=OLD_KEY)
    new_serializer = SecureCookieSessionInterface().get_signing_serializer(current_only)
    old_serializer = SecureCookieSessionInterface().get_signing_serializer(old_only)
    assert new_serializer is not None and old_serializer is not None
    assert new_serializer.loads(new_cookie) == {"user": "ann", "role": "admin"}
    with pytest.raises(Exception, match="does not match"):
        old_serializer.loads(new_cookie)


def test_removing_the_fallback_retires_old_cookies(
    app: Hipflask, views: Hipflask, client: HipflaskClient
) -> None:
    app.config.update(SECRET_KEY=OLD_KEY)
    client.get("/set/user/ann")
    app.config.update(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[])
    assert client.get("/state").text == "{} new=True"


def test_fallbacks_given_as_a_string_are_refused(views: Hipflask, client: HipflaskClient) -> None:
    views.config["SECRET_KEY_FALLBACKS"] = OLD_KEY
    with pytest.raises(ConfigurationError, match=r"SECRET_KEY_FALLBACKS .* list"):
        client.get("/get/a")


def test_serializer_is_built_once_per_key_set(app: Hipflask) -> None:
    interface = SecureCookieSessionInterface()
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    app.config["SECRET_KEY_FALLBACKS"] = [OLD_KEY]
    second = interface.get_signing_serializer(app)
    assert second is not first
    assert second is not None
    assert second.secret_keys == [OLD_KEY.encode(), app.config["SECRET_KEY"].encode()]
    assert interface.get_signing_serializer(app) is second


def test_session_key_is_derived_not_the_raw_secret(app: Hipflask) -> None:
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    signer: Any = serializer.make_signer()
    secret = app.config["SECRET_KEY"].encode()
    assert signer.derive_key() != secret
    assert signer.derive_key() == signer.derive_key(secret)
    assert serializer.make_signer("other-salt").derive_key() != signer.derive_key()


def test_flask_compatible_digest_by_subclassing(app: Hipflask) -> None:
    import hashlib

    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface as FlaskInterface

    class FlaskCompatible(SecureCookieSessionInterface):
        digest_method = staticmethod(hashlib.sha1)

    flask_app = Flask("flask")
    flask_app.secret_key = app.config["SECRET_KEY"]
    flask_serializer = FlaskInterface().get_signing_serializer(flask_app)
    assert flask_serializer is not None
    cookie = flask_serializer.dumps({"user": "ann", "flashes": ("message", "hi")})
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}) as ctx:
        assert SecureCookieSessionInterface().open_session(app, ctx.request) == {}
        opened = FlaskCompatible().open_session(app, ctx.request)
    assert opened == {"user": "ann", "flashes": ("message", "hi")}


# -- no secret key ----------------------------------------------------------------


@pytest.fixture
def keyless(views: Hipflask) -> Hipflask:
    views.config["SECRET_KEY"] = None
    return views


def test_writing_without_secret_key_names_the_setting(
    keyless: Hipflask, client: HipflaskClient
) -> None:
    with pytest.raises(SessionUnavailableError, match="no secret key was set") as info:
        client.get("/set/a/1")
    assert "SECRET_KEY" in str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert isinstance(info.value, ConfigurationError)


def test_reading_without_secret_key_finds_nothing(
    keyless: Hipflask, client: HipflaskClient
) -> None:
    client.set_cookie("session", "anything")
    response = client.get("/get/a")
    assert response.text == "None"
    assert set_cookies(response) == []


def test_without_secret_key_an_unhandled_error_is_a_500_in_production(
    keyless: Hipflask, client: HipflaskClient
) -> None:
    keyless.config["TESTING"] = False
    assert client.get("/set/a/1").status_code == 500


# -- the login / logout example from Flask's quickstart ----------------------------


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


# -- the interface called directly ---------------------------------------------------


def test_unread_unchanged_session_sends_nothing(app: Hipflask) -> None:
    interface = SecureCookieSessionInterface()
    response = Response()
    with app.test_request_context():
        interface.save_session(app, SecureCookieSession({"a": 1}), response)
    assert "Vary" not in response.headers
    assert "Set-Cookie" not in response.headers


def test_key_removed_during_the_request_sends_no_cookie(app: Hipflask) -> None:
    interface = SecureCookieSessionInterface()
    session_obj = SecureCookieSession()
    session_obj["a"] = 1
    app.config["SECRET_KEY"] = None
    response = Response()
    with app.test_request_context():
        interface.save_session(app, session_obj, response)
    assert "Set-Cookie" not in response.headers


def test_serializer_still_supports_the_general_loads(app: Hipflask) -> None:
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    data, signed_at = serializer.loads(serializer.dumps({"a": 1}), return_timestamp=True)
    assert data == {"a": 1}
    assert abs((datetime.now(timezone.utc) - signed_at).total_seconds()) < 60
    other = serializer.dumps({"b": 2}, salt="elsewhere")
    assert serializer.loads(other, salt="elsewhere") == {"b": 2}


def test_incompressible_payload_is_not_compressed(app: Hipflask) -> None:
    class Raw:
        @staticmethod
        def dumps(obj: Any) -> bytes:
            return bytes(obj)

        @staticmethod
        def loads(data: bytes) -> Any:
            return data

    class RawInterface(SecureCookieSessionInterface):
        serializer = Raw()

    serializer = RawInterface().get_signing_serializer(app)
    assert serializer is not None
    noise = os.urandom(2048)
    token = serializer.dumps(noise)
    assert not token.startswith(b".")
    assert serializer.loads(token) == noise


# -- the Set-Cookie header, byte for byte ----------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"SESSION_COOKIE_DOMAIN": ".example.com", "SESSION_COOKIE_PATH": "/app;x y"},
        {"SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_HTTPONLY": False},
        {"SESSION_COOKIE_SAMESITE": "none"},
        {"SESSION_COOKIE_SAMESITE": "Strict", "SESSION_COOKIE_PARTITIONED": True},
        {"SESSION_COOKIE_SAMESITE": None, "SESSION_COOKIE_NAME": "sid"},
        {"SESSION_COOKIE_NAME": "sëssion", "APPLICATION_ROOT": "/root"},
    ],
    ids=range(7),
)
@pytest.mark.parametrize("permanent", [False, True])
def test_session_cookie_header_is_what_set_cookie_writes(
    views: Hipflask, client: HipflaskClient, settings: dict[str, Any], permanent: bool
) -> None:
    views.config.update(settings)
    response = client.get("/permanent" if permanent else "/set/user/ann")
    (header,) = set_cookies(response)
    name, _, rest = header.partition("=")
    value = rest.partition(";")[0]
    interface = views.session_interface
    with views.test_request_context():
        attributes = interface._attributes(views)
    expected = Response()
    expires = None
    if permanent:
        expires = parse_date(header.partition("Expires=")[2].partition(";")[0])
        assert expires is not None
    expected.set_cookie(interface.get_cookie_name(views), value, expires=expires, **attributes)
    assert header == expected.headers["Set-Cookie"]
    assert name == interface.get_cookie_name(views).encode().decode("latin-1")


def test_session_cookie_over_the_size_limit_still_warns(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["MAX_COOKIE_SIZE"] = 100

    @app.route("/big")
    def big() -> str:
        session["data"] = os.urandom(64).hex()
        return "big"

    with pytest.warns(UserWarning, match="'session' cookie is too large"):
        response = client.get("/big")
    assert set_cookies(response)[0].startswith("session=")


def test_custom_response_set_cookie_is_used_for_the_session(
    app: Hipflask, client: HipflaskClient
) -> None:
    seen: list[str] = []

    class Tracking(Response):
        def set_cookie(self, key: str, *args: Any, **kwargs: Any) -> None:
            seen.append(key)
            super().set_cookie(key, *args, **kwargs)

    app.response_class = Tracking

    @app.route("/write")
    def write() -> str:
        session["a"] = 1
        return "written"

    client.get("/write")
    assert seen == ["session"]


@pytest.mark.parametrize("accessed", [True, False])
def test_vary_comes_before_the_cookie_only_when_the_session_was_read(
    app: Hipflask, accessed: bool
) -> None:
    session_obj = SecureCookieSession({"a": 1})
    session_obj.modified = True
    session_obj.accessed = accessed
    response = Response()
    with app.test_request_context():
        SecureCookieSessionInterface().save_session(app, session_obj, response)
    names = [name for name, _ in response.headers if name in ("Vary", "Set-Cookie")]
    assert names == (["Vary", "Set-Cookie"] if accessed else ["Set-Cookie", "Vary"])
    assert response.headers.getlist("Vary") == ["Cookie"]


def test_repeated_cookie_headers_are_read_joined_under_both_protocols(
    views: Hipflask,
) -> None:
    from tests.security.test_malformed import send_asgi
    from tests.security.test_malformed import send_wsgi

    value = sign(views, {"user": "ann"}, views.config["SECRET_KEY"])
    for send, headers in (
        (send_wsgi, [("Cookie", f"theme=dark; session={value}")]),
        (send_asgi, [("Cookie", "theme=dark"), ("Cookie", f"session={value}")]),
    ):
        answer = send(views, "GET", b"/state", b"", headers, b"", False)
        assert answer.text == "{'user': 'ann'} new=False"


# -- Flask reads hipflask's cookies and the reverse ------------------------------------


def flask_app(secret: str, digest: Any = None) -> Any:
    from flask import Flask
    from flask import session as flask_session
    from flask.sessions import SecureCookieSessionInterface as FlaskInterface

    flask = Flask("flask")
    flask.secret_key = secret
    if digest is not None:

        class Interface(FlaskInterface):
            digest_method = staticmethod(digest)

        flask.session_interface = Interface()

    @flask.route("/set")
    def set_value() -> str:
        flask_session["user"] = "ann"
        flask_session["flashes"] = [("message", "hi")]
        flask_session["raw"] = b"\x00\xff"
        return "set"

    @flask.route("/state")
    def state() -> str:
        return repr(dict(flask_session))

    return flask


INTEROP = "{'flashes': [('message', 'hi')], 'raw': b'\\x00\\xff', 'user': 'ann'}"


@pytest.fixture
def interop(app: Hipflask) -> Hipflask:
    @app.route("/set")
    def set_value() -> str:
        session["user"] = "ann"
        session["flashes"] = [("message", "hi")]
        session["raw"] = b"\x00\xff"
        return "set"

    @app.route("/state")
    def state() -> str:
        return repr(dict(sorted(session.items())))

    return app


def test_flask_with_sha256_and_hipflask_read_each_others_cookies(
    interop: Hipflask, client: HipflaskClient
) -> None:
    import hashlib

    flask = flask_app(interop.config["SECRET_KEY"], hashlib.sha256)
    flask_client = flask.test_client()
    client.get("/set")
    flask_client.set_cookie("session", session_cookie(client))
    assert literal_eval(flask_client.get("/state").text) == literal_eval(INTEROP)

    flask_client.get("/set")
    cookie = flask_client.get_cookie("session")
    assert cookie is not None
    client.set_cookie("session", cookie.value)
    assert client.get("/state").text == INTEROP


def test_flask_and_a_sha1_hipflask_read_each_others_cookies(
    interop: Hipflask, client: HipflaskClient
) -> None:
    import hashlib

    class FlaskCompatible(SecureCookieSessionInterface):
        digest_method = staticmethod(hashlib.sha1)

    interop.session_interface = FlaskCompatible()
    flask_client = flask_app(interop.config["SECRET_KEY"]).test_client()
    client.get("/set")
    flask_client.set_cookie("session", session_cookie(client))
    assert literal_eval(flask_client.get("/state").text) == literal_eval(INTEROP)

    flask_client.get("/set")
    cookie = flask_client.get_cookie("session")
    assert cookie is not None
    client.set_cookie("session", cookie.value)
    assert client.get("/state").text == INTEROP


def test_emptied_session_not_read_deletes_the_cookie_then_varies(app: Hipflask) -> None:
    session_obj = SecureCookieSession()
    session_obj.modified = True
    response = Response()
    with app.test_request_context():
        SecureCookieSessionInterface().save_session(app, session_obj, response)
    names = [name for name, _ in response.headers if name in ("Vary", "Set-Cookie")]
    assert names == ["Set-Cookie", "Vary"]
    assert response.headers["Set-Cookie"].startswith("session=; Expires=Thu, 01 Jan 1970")


def test_session_classes_are_saved_through_their_own_reads(app: Hipflask) -> None:
    class Shouting(SecureCookieSession):
        def __getitem__(self, key: str) -> Any:
            return str(super().__getitem__(key)).upper()

    class Plain(SessionMixin):
        def __init__(self) -> None:
            self.data: dict[str, Any] = {"user": "ann"}

        def __getitem__(self, key: str) -> Any:
            return self.data[key]

        def __setitem__(self, key: str, value: Any) -> None:
            self.data[key] = value

        def __delitem__(self, key: str) -> None:
            del self.data[key]

        def __iter__(self) -> Any:
            return iter(self.data)

        def __len__(self) -> int:
            return len(self.data)

    interface = SecureCookieSessionInterface()
    serializer = interface.get_signing_serializer(app)
    assert serializer is not None
    shouting = Shouting({"user": "ann"})
    shouting.modified = True
    for session_obj, expected in ((shouting, {"user": "ANN"}), (Plain(), {"user": "ann"})):
        response = Response()
        with app.test_request_context():
            interface.save_session(app, session_obj, response)
        value = response.headers["Set-Cookie"].partition("=")[2].partition(";")[0]
        assert serializer.loads(value) == expected


def test_many_cookie_settings_keep_their_headers_right(app: Hipflask) -> None:
    interface = SecureCookieSessionInterface()
    for number in range(70):
        app.config["SESSION_COOKIE_NAME"] = f"s{number}"
        session_obj = SecureCookieSession()
        session_obj["n"] = number
        response = Response()
        with app.test_request_context():
            interface.save_session(app, session_obj, response)
        assert response.headers["Set-Cookie"].startswith(f"s{number}=")
        assert response.headers["Set-Cookie"].endswith("; HttpOnly; Path=/; SameSite=Lax")


def test_attribute_values_equal_but_of_another_type_get_their_own_header(
    app: Hipflask,
) -> None:
    class Numeric(SecureCookieSessionInterface):
        def get_cookie_httponly(self, app: Any) -> Any:
            return 1

    headers = []
    for interface in (SecureCookieSessionInterface(), Numeric(), SecureCookieSessionInterface()):
        session_obj = SecureCookieSession()
        session_obj["a"] = 1
        response = Response()
        with app.test_request_context():
            interface.save_session(app, session_obj, response)
        headers.append(response.headers["Set-Cookie"].partition(";")[2])
    assert headers[0] == headers[2] == " HttpOnly; Path=/; SameSite=Lax"
    assert headers[1] == " HttpOnly=1; Path=/; SameSite=Lax"


# -- what a refresh leaves alone -------------------------------------------------


def test_a_cacheable_response_is_not_made_uncacheable_by_a_refresh(
    views: Hipflask, client: HipflaskClient, tmp_path: Any
) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "site.css").write_text("body {}")
    views.static_folder = str(static)
    views.add_url_rule("/static/<path:filename>", "static", views.send_static_file)

    @views.route("/cached")
    def cached() -> tuple[str, dict[str, str]]:
        return "cached", {"Cache-Control": "public, max-age=60"}

    @views.route("/private")
    def private() -> tuple[str, dict[str, str]]:
        return "private", {"Cache-Control": "no-store"}

    @views.route("/no-cache")
    def no_cache() -> tuple[str, dict[str, str]]:
        # A common after_request idiom; nothing for a cache to reuse.
        return "no-cache", {"Cache-Control": "no-cache, max-age=0"}

    client.get("/permanent")
    # A refreshed cookie would force no-store onto these (cache safety):
    # their own caching wins, and the pages the user visits renew the session.
    response = client.get("/cached")
    assert set_cookies(response) == []
    assert response.headers["Cache-Control"] == "public, max-age=60"
    response = client.get("/static/site.css")
    assert response.status_code == 200
    assert set_cookies(response) == []
    assert "no-store" not in response.headers["Cache-Control"]
    # Nothing a cache may reuse: nothing to lose, the session is renewed.
    assert len(set_cookies(client.get("/private"))) == 1
    assert len(set_cookies(client.get("/no-cache"))) == 1


def test_deleting_the_cookie_by_hand_is_not_undone_by_a_refresh(
    views: Hipflask, client: HipflaskClient
) -> None:
    @views.route("/logout")
    def logout() -> Any:
        response = views.make_response("bye")
        response.delete_cookie("session")
        return response

    @views.route("/logout-no-store")
    def logout_no_store() -> Any:
        response = views.make_response("bye")
        response.headers["Cache-Control"] = "no-store"
        response.delete_cookie("session")
        return response

    for path in ("/logout", "/logout-no-store"):
        client.get("/permanent")
        (cookie,) = set_cookies(client.get(path))
        assert "Expires=Thu, 01 Jan 1970" in cookie
        assert client.get_cookie("session") is None
        assert client.get("/get/user").text == "None"


def test_a_changed_environ_is_read_for_the_credentials(views: Hipflask) -> None:
    @views.before_request
    def token_from_query() -> None:
        session.get("user")
        token = request.args.get("access_token")
        if token:
            request.environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    response = views.test_client(protocol="wsgi").get("/untouched?access_token=t")
    assert response.headers["Vary"] == "Cookie, Authorization"


def test_a_store_backed_interface_renews_off_the_event_loop(views: Hipflask) -> None:
    where: list[str] = []

    class StoreBacked(SecureCookieSessionInterface):
        def open_session(self, app: Any, req: Any) -> Any:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                where.append("thread")
            else:
                where.append("loop")
            return super().open_session(app, req)

    views.session_interface = StoreBacked()

    @views.route("/async-untouched")
    async def async_untouched() -> str:
        return "untouched"

    client = views.test_client(protocol="asgi")
    client.get("/permanent")
    where.clear()
    response = client.get("/async-untouched")
    assert where == ["thread"]
    assert len(set_cookies(response)) == 1


def test_save_session_takes_the_session_proxy() -> None:
    # Flask's own docs call it with the proxy: save_session(app, session, response).
    from hipflask import Hipflask
    from hipflask import session

    app = Hipflask("proxy_save")
    app.config["SECRET_KEY"] = "k" * 32
    with app.test_request_context():
        session["a"] = 1
        response = app.make_response("x")
        app.session_interface.save_session(app, session, response)
        cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    with app.test_request_context(headers={"Cookie": cookie.split(";")[0]}):
        assert session["a"] == 1
