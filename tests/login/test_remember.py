from __future__ import annotations

import time
from typing import Any

import pytest
from itsdangerous import URLSafeTimedSerializer

from hipflask import Hipflask
from hipflask.errors import ConfigurationError
from hipflask.login import user_loaded_from_cookie
from hipflask.login.remember import decode_remember_cookie as decode_cookie
from hipflask.login.remember import encode_remember_cookie as encode_cookie

from .conftest import build_app
from .conftest import log_in

CONFIG = {"SECRET_KEY": "r" * 40}


def test_cookie_round_trips_and_rotated_keys_still_verify() -> None:
    value = encode_cookie(CONFIG, "7", "login", "gen", 60, "pw")
    assert value is not None
    assert decode_cookie(CONFIG, value) == ("7", "login", "gen", "pw")
    rotated = {"SECRET_KEY": "n" * 40, "SECRET_KEY_FALLBACKS": ["r" * 40]}
    assert decode_cookie(rotated, value) == ("7", "login", "gen", "pw")
    assert decode_cookie({"SECRET_KEY": "n" * 40}, value) is None


def test_no_secret_key_means_no_cookie() -> None:
    assert encode_cookie({}, "7", "l", "g", 60) is None
    assert decode_cookie({}, "anything") is None


def test_expired_forged_and_malformed_cookies_are_refused() -> None:
    old = encode_cookie(CONFIG, "7", "l", "g", -1)
    assert old is not None
    assert decode_cookie(CONFIG, old) is None
    signer = URLSafeTimedSerializer(["r" * 40], salt="hipflask.login.remember")
    assert decode_cookie(CONFIG, signer.dumps(["7", "l", "g", 60, None])) is None  # derivation
    assert decode_cookie(CONFIG, "7|deadbeef") is None
    for payload in ({"u": 7}, [7, "l", "g", 60, None], ["7", "l", "g", "forever", None], ["7"]):
        forged = _sign(payload)
        assert decode_cookie(CONFIG, forged) is None


def _sign(payload: Any) -> str:
    import hashlib

    signer = URLSafeTimedSerializer(
        ["r" * 40],
        salt="hipflask.login.remember",
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
    )
    return signer.dumps(payload)


def test_remember_me_logs_in_a_new_browser_session(client: Any, app: Hipflask) -> None:
    loaded: list[str] = []
    user_loaded_from_cookie.connect(lambda s, user: loaded.append(user.id), app, weak=False)
    log_in(client, remember="1")
    client.delete_cookie("session")
    assert client.get("/dashboard").text == "Hello alice"
    assert loaded == ["alice"]
    assert client.get("/dashboard").text == "Hello alice"
    assert loaded == ["alice"]


def test_remember_cookie_copied_before_logout_stops_working(client: Any) -> None:
    log_in(client, remember="1")
    stolen = client.get_cookie("remember_token").value
    response = client.post("/logout")
    assert "remember_token=;" in " ".join(response.headers.getlist("Set-Cookie"))
    client.set_cookie("remember_token", stolen)
    assert client.get("/dashboard").status_code == 302
    assert client.get_cookie("remember_token") is None


def test_remember_cookie_of_a_deleted_user_logs_nobody_in(client: Any, app: Hipflask) -> None:
    log_in(client, "bob", remember="1")
    client.delete_cookie("session")
    del app.extensions["test_users"]["bob"]
    assert client.get("/whoami").json["anonymous"] is True


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_refresh_each_request_and_secure_over_https(protocol: str) -> None:
    app = build_app(REMEMBER_COOKIE_REFRESH_EACH_REQUEST=True)
    client = app.test_client(protocol=protocol)
    log_in(client, remember="1")
    response = client.get("/dashboard", base_url="https://localhost")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "remember_token" in c)
    assert "Secure" in cookie
    plain = build_app(REMEMBER_COOKIE_REFRESH_EACH_REQUEST=True).test_client(protocol=protocol)
    log_in(plain)
    assert "remember_token" not in " ".join(plain.get("/dashboard").headers.getlist("Set-Cookie"))


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_refresh_each_request_also_renews_on_pages_that_never_load_the_user(
    protocol: str,
) -> None:
    # As in Flask-Login, every request of a logged-in session that carries
    # the cookie renews it, not only those that read current_user.
    app = build_app(REMEMBER_COOKIE_REFRESH_EACH_REQUEST=True)
    client = app.test_client(protocol=protocol)
    log_in(client, remember="1")
    renewed = client.get("/login").headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") for c in renewed)
    client.post("/logout")
    assert client.get_cookie("remember_token") is None
    assert client.get("/login").headers.getlist("Set-Cookie") == []


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_refresh_each_request_leaves_responses_meant_for_caches_alone(protocol: str) -> None:
    # A static file carries an ETag: renewing the cookie there would read the
    # session and make the file uncacheable, downloaded again on every page.
    app = build_app(REMEMBER_COOKIE_REFRESH_EACH_REQUEST=True)

    @app.get("/asset.css")
    def asset() -> Any:
        from hipflask import make_response

        response = make_response("body { }")
        response.set_etag("v1")
        return response

    client = app.test_client(protocol=protocol)
    log_in(client, remember="1")
    response = client.get("/asset.css")
    assert response.headers.getlist("Set-Cookie") == []
    assert "Cookie" not in response.headers.get("Vary", "")


def test_cookie_is_not_set_without_a_secret_key(app: Hipflask) -> None:
    from hipflask.login import login_user

    @app.post("/keyless")
    def keyless() -> str:
        login_user(app.extensions["test_users"]["alice"], remember=True)
        app.config["SECRET_KEY"] = ""
        return "ok"

    response = app.test_client().post("/keyless")
    assert "remember_token" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_cookie_lifetime_is_measured_from_signing() -> None:
    value = encode_cookie(CONFIG, "7", "l", "g", 1)
    assert value is not None
    time.sleep(1.1)
    assert decode_cookie(CONFIG, value) is None


def test_cookie_duration_may_be_seconds(protocol: str) -> None:
    client = build_app(REMEMBER_COOKIE_DURATION=120).test_client(protocol=protocol)
    response = log_in(client, remember="1")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "remember_token" in c)
    assert "Max-Age=120" in cookie


@pytest.mark.parametrize("duration", ["123", 123.5, True], ids=["string", "float", "bool"])
def test_a_cookie_duration_that_is_not_a_timedelta_or_seconds_is_refused_at_login(
    protocol: str, duration: object
) -> None:
    # Flask-Login refuses it too; read as seconds, "123" from an environment
    # variable would quietly make a two-minute cookie.
    client = build_app(REMEMBER_COOKIE_DURATION=duration).test_client(protocol=protocol)
    with pytest.raises(
        ConfigurationError, match=r"REMEMBER_COOKIE_DURATION .*timedelta\(days=14\)"
    ):
        log_in(client, remember="1")


@pytest.mark.parametrize("duration", ["123", 123.5, True], ids=["string", "float", "bool"])
def test_a_cookie_duration_that_is_not_a_duration_is_left_alone_without_remember_me(
    protocol: str, duration: object
) -> None:
    # Flask-Login reads the setting only to set the cookie: an app that never
    # asks for one logs users in and loads them whatever the setting holds.
    client = build_app(REMEMBER_COOKIE_DURATION=duration).test_client(protocol=protocol)
    response = log_in(client)
    assert response.status_code == 302
    assert "remember_token" not in " ".join(response.headers.getlist("Set-Cookie"))
    assert client.get("/dashboard").text == "Hello alice"
    assert client.get("/async-dashboard").text == "Async hello alice"


def test_forged_remember_cookie_logs_nobody_in(client: Any) -> None:
    client.set_cookie("remember_token", "alice|0123456789abcdef")
    assert client.get("/whoami").json == {"id": None, "anonymous": True}


@pytest.mark.parametrize("refusal", ["csrf", "cross-origin"])
def test_a_logout_in_the_handler_of_a_refusal_ends_the_remembered_login(
    protocol: str, refusal: str
) -> None:
    # An error handler that logs the user out on a refused form post must
    # clear the remember-me cookie and end the login, whatever refused it:
    # a suite check (CSRF) or the gate's own cross-origin check.
    from werkzeug.exceptions import Forbidden

    from hipflask.forms.csrf import CSRFError
    from hipflask.forms.csrf import CSRFProtect
    from hipflask.login import logout_user

    app = build_app(TESTING=False, PROPAGATE_EXCEPTIONS=False, WTF_CSRF_ENABLED=False)
    CSRFProtect(app)

    @app.post("/transfer")
    def transfer() -> str:
        return "done"

    @app.errorhandler(CSRFError)
    @app.errorhandler(Forbidden)
    def refused(error: Exception) -> Any:
        logout_user()
        return "refused", 400

    client = app.test_client(protocol=protocol)
    log_in(client, remember="1")
    assert client.get_cookie("remember_token") is not None
    # Checked from here on: the post below carries no token.
    app.config["WTF_CSRF_ENABLED"] = refusal == "csrf"
    headers = {"Origin": "https://evil.example"} if refusal == "cross-origin" else {}

    response = client.post("/transfer", headers=headers)

    assert response.status_code == 400
    assert client.get_cookie("remember_token") is None
    assert client.get("/whoami").get_json()["anonymous"] is True


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_a_manager_subclass_can_replace_the_remember_cookie_hook(protocol: str) -> None:
    # Apps that keep no remember-me cookie override Flask-Login's
    # ``_update_remember_cookie`` in a subclass.
    from hipflask.login import LoginManager

    class NoRememberManager(LoginManager):
        def _update_remember_cookie(self, response: Any) -> Any:
            return response

    from hipflask.login import current_user
    from hipflask.login import login_user

    from .conftest import make_users

    app = Hipflask("no_remember")
    app.config.update(TESTING=True, SECRET_KEY=CONFIG["SECRET_KEY"])
    users = make_users()
    NoRememberManager(app).user_loader(users.get)

    @app.post("/in")
    def log_in_remembered() -> str:
        login_user(users["alice"], remember=True)
        return "in"

    @app.get("/who")
    def who() -> str:
        return str(current_user.get_id())

    client = app.test_client(protocol=protocol)
    cookies = client.post("/in").headers.getlist("Set-Cookie")
    assert [cookie.split("=")[0] for cookie in cookies] == ["session"]
    assert client.get("/who").text == "alice"


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_init_app_called_again_sets_the_cookie_once(protocol: str) -> None:
    # ``LoginManager(app)`` and then ``init_app(app)`` in a factory: Flask-Login
    # answers with one remember-me cookie, not one per call.
    app = build_app()
    app.login_manager.init_app(app)
    client = app.test_client(protocol=protocol)
    cookies = log_in(client, remember="1").headers.getlist("Set-Cookie")
    assert [cookie.split("=")[0] for cookie in cookies] == ["remember_token", "session"]
    cookies = client.post("/logout").headers.getlist("Set-Cookie")
    assert [cookie.split("=")[0] for cookie in cookies] == ["remember_token", "session"]


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_refresh_each_request_never_remembers_a_login_made_without_remember(
    protocol: str,
) -> None:
    # A shared browser: alice was remembered, then bob signs in without
    # "remember me". Renewing the cookie alice's login left would write one
    # for bob, who would still be signed in a year after his session ended.
    app = build_app(REMEMBER_COOKIE_REFRESH_EACH_REQUEST=True)
    client = app.test_client(protocol=protocol)
    log_in(client, "alice", remember="1")
    signed_in = log_in(client, "bob")
    later = client.get("/whoami")

    for response in (signed_in, later):
        renewed = [c for c in response.headers.getlist("Set-Cookie") if "remember_token=" in c]
        assert not any(c.startswith("remember_token=") and "Max-Age=0" not in c for c in renewed)
    assert later.json["id"] == "bob"
    client.delete_cookie("session")
    assert client.get("/whoami").json["anonymous"] is True


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_refresh_each_request_needs_a_live_login_in_the_session(protocol: str) -> None:
    app = build_app(REMEMBER_COOKIE_REFRESH_EACH_REQUEST=True)
    client = app.test_client(protocol=protocol)
    log_in(client, "alice", remember="1")
    client.delete_cookie("session")
    # A page that never loads the user: the session holds no login yet.
    assert client.get("/login").headers.getlist("Set-Cookie") == []
    log_in(client, "alice", remember="1")
    del app.extensions["test_users"]["alice"]
    # The session's user is gone: nobody is loaded, and nothing is renewed.
    response = client.get("/whoami")
    assert response.json["anonymous"] is True
    assert not any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))
