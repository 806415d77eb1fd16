"""The keys that sign the session cookie: tampering, foreign keys, rotation, no key at all."""

from __future__ import annotations

from typing import Any

import pytest
from itsdangerous import URLSafeTimedSerializer
from tests.sessions.cookie_sessions import session_cookie
from tests.sessions.cookie_sessions import set_cookies
from tests.sessions.cookie_sessions import sign
from tests.sessions.cookie_sessions import views as views

from hipflask import Hipflask
from hipflask.errors import ConfigurationError
from hipflask.sessions.base import SessionUnavailableError
from hipflask.sessions.cookie import SecureCookieSessionInterface
from hipflask.testing.client import HipflaskClient

OLD_KEY = "old-secret-key-0123456789abcdef"


NEW_KEY = "new-secret-key-0123456789abcdef"


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
