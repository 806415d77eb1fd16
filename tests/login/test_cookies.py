"""Flask-Login's ``encode_cookie``/``decode_cookie``: keyed digests that refuse tampering."""

from __future__ import annotations

from tests.conftest import SECRET

from hipflask import Hipflask
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
