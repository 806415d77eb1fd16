"""Flask-Login's ``encode_cookie``/``decode_cookie``: keyed digests that refuse tampering."""

from __future__ import annotations

import hashlib
import hmac

from tests.conftest import SECRET

from hipflask import Hipflask
from hipflask import request
from hipflask.login import decode_cookie
from hipflask.login import encode_cookie


def _app(**config: object) -> Hipflask:
    app = Hipflask("cookies")
    app.config.update({"SECRET_KEY": SECRET, **config})
    return app


def test_round_trip_with_the_app_key_and_its_fallbacks() -> None:
    with _app().app_context():
        value = encode_cookie("7")
        assert value.startswith("7|")
        assert decode_cookie(value) == "7"
    with _app(SECRET_KEY="n" * 40, SECRET_KEY_FALLBACKS=[SECRET]).app_context():
        assert decode_cookie(value) == "7"
    with _app(SECRET_KEY="n" * 40).app_context():
        assert decode_cookie(value) is None


def test_tampered_or_unsigned_values_are_refused() -> None:
    with _app().app_context():
        value = encode_cookie("7")
        assert decode_cookie("8" + value[1:]) is None
        assert decode_cookie("7") is None
        assert decode_cookie(value + "0") is None


def test_an_explicit_key_replaces_the_app_key() -> None:
    value = encode_cookie("7|x", key=b"k" * 32)
    assert decode_cookie(value, key="k" * 32) == "7|x"
    assert decode_cookie(value, key="other") is None


def test_an_explicit_key_signs_as_flask_login_does() -> None:
    # Values an app signed with Flask-Login and its own key (or that another
    # service signs with that key) must keep verifying after the port.
    key = "shared-with-the-billing-service"
    digest = hmac.new(key.encode(), b"42", hashlib.sha512).hexdigest()
    assert encode_cookie("42", key=key) == f"42|{digest}"
    assert encode_cookie("42", key=key.encode()) == f"42|{digest}"
    assert decode_cookie(f"42|{digest}", key=key) == "42"


def test_without_a_key_the_digest_is_never_the_bare_secret_keys() -> None:
    bare = hmac.new(SECRET.encode(), b"42", hashlib.sha512).hexdigest()
    with _app().app_context():
        assert encode_cookie("42") != f"42|{bare}"
        assert decode_cookie(f"42|{bare}") is None


def test_a_cookie_with_characters_no_digest_has_is_refused(protocol: str) -> None:
    # The value comes from the client: a digest part that is not ASCII made
    # hmac.compare_digest raise TypeError, a 500 from one crafted cookie.
    app = _app()

    @app.get("/")
    def index() -> dict[str, str | None]:
        return {"payload": decode_cookie(request.cookies.get("remember", ""))}

    client = app.test_client(protocol=protocol)
    for value in ("7|\u00e9\u00e9", "7|\u2603", "\u2603|\u2603"):
        client.set_cookie("remember", value)
        answer = client.get("/")
        assert answer.status_code == 200
        assert answer.get_json() == {"payload": None}
