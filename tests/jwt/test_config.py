from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import timedelta

import jwt as pyjwt
import pytest
from tests.conftest import SECRET
from tests.jwt.conftest import build_app

from hipflask import Hipflask
from hipflask.errors import ConfigurationError
from hipflask.jwt import create_access_token
from hipflask.jwt import decode_token
from hipflask.jwt.config import DEFAULTS
from hipflask.jwt.config import JWTSetupError
from hipflask.jwt.config import config
from hipflask.jwt.config import seconds
from hipflask.jwt.config import setting
from hipflask.jwt.config import token_locations
from hipflask.testing.client import HipflaskClient


def test_lifetimes_are_flask_jwt_extendeds_defaults() -> None:
    assert DEFAULTS["JWT_ACCESS_TOKEN_EXPIRES"] == timedelta(minutes=15)
    assert DEFAULTS["JWT_REFRESH_TOKEN_EXPIRES"] == timedelta(days=30)
    assert DEFAULTS["JWT_ALGORITHM"] == "HS256"


def test_lifetimes_accept_timedelta_seconds_and_false() -> None:
    assert seconds(timedelta(minutes=1), "X") == 60.0
    assert seconds(90, "X") == 90.0
    assert seconds(False, "X") is None
    assert seconds(None, "X") is None


class _Weeks:
    """Adds to a datetime and is no timedelta, as ``dateutil.relativedelta`` is."""

    def __init__(self, weeks: int) -> None:
        self.weeks = weeks

    def __radd__(self, other: datetime) -> datetime:
        return other + timedelta(weeks=self.weeks)


def test_lifetimes_accept_what_adds_to_a_datetime_as_relativedelta_does() -> None:
    assert seconds(_Weeks(2), "X") == 14 * 86400


class _NotADate:
    def __radd__(self, other: datetime) -> str:
        return "later"


@pytest.mark.parametrize("value", ["15m", True, [1], _NotADate()])
def test_a_lifetime_of_the_wrong_kind_is_a_configuration_error(value: object) -> None:
    with pytest.raises(ConfigurationError, match="X must be"):
        seconds(value, "X")


def test_token_location_may_be_one_name_or_several() -> None:
    assert token_locations("cookies") == ("cookies",)
    assert token_locations(["headers", "json"]) == ("headers", "json")


@pytest.mark.parametrize("value", [["header"], []])
def test_an_unknown_or_empty_token_location_is_a_configuration_error(value: object) -> None:
    with pytest.raises(ConfigurationError, match="JWT_TOKEN_LOCATION"):
        token_locations(value)


def test_setting_falls_back_to_the_default_when_missing() -> None:
    assert setting({}, "JWT_HEADER_TYPE") == "Bearer"
    assert setting({}, "JWT_BLOCKLIST_STORE") == "memory://"
    assert setting({"JWT_HEADER_TYPE": "JWT"}, "JWT_HEADER_TYPE") == "JWT"


def test_the_config_object_reads_the_current_apps_settings_by_attribute() -> None:
    app = build_app(
        JWT_TOKEN_LOCATION="cookies",
        JWT_ACCESS_COOKIE_NAME="at",
        JWT_CSRF_METHODS="post, delete",
        JWT_SESSION_COOKIE=False,
    )
    with app.app_context():
        assert config.token_location == ("cookies",)
        assert (config.jwt_in_cookies, config.jwt_in_headers) == (True, False)
        assert (config.jwt_in_json, config.jwt_in_query_string) == (False, False)
        assert config.access_cookie_name == "at"
        assert config.refresh_cookie_name == "refresh_token_cookie"
        assert config.csrf_request_methods == ["POST", "DELETE"]
        assert config.access_expires == timedelta(minutes=15)
        assert config.identity_claim_key == "sub"
        assert config.header_type == "Bearer"
        assert config.exempt_methods == {"OPTIONS"}
        # Not a browser-session cookie: the extension's one year.
        assert config.cookie_max_age == 31540000
        assert config.decode_algorithms == ["HS256"]
        assert config.is_asymmetric is False


def test_the_config_objects_keys_sign_and_verify_the_apps_tokens() -> None:
    app = build_app()
    with app.test_request_context():
        token = create_access_token("alice")
        claims = pyjwt.decode(token, config.decode_key, algorithms=[config.algorithm])
        forged = pyjwt.encode(
            {**claims, "sub": "mallory", "day": date(2026, 1, 2)},
            config.encode_key,
            algorithm=config.algorithm,
            json_encoder=config.json_encoder,
        )
        assert decode_token(forged)["sub"] == "mallory"
        # A date goes in as the app's jsonify writes it.
        assert decode_token(forged)["day"] == "Fri, 02 Jan 2026 00:00:00 GMT"
        # The derived key, not SECRET_KEY itself (docs/authentication.rst).
        assert config.encode_key != app.config["SECRET_KEY"]


def test_the_config_object_needs_a_jwt_manager_on_the_app() -> None:
    app = Hipflask(__name__)
    app.config["SECRET_KEY"] = SECRET
    with app.app_context():
        assert config.header_name == "Authorization"
        assert config.csrf_request_methods == ["POST", "PUT", "PATCH", "DELETE"]
        assert config.cookie_max_age is None
        with pytest.raises(JWTSetupError, match="JWTManager"):
            _ = config.encode_key


def test_a_view_reads_the_config_object_under_either_protocol(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.get("/cookie-names")
    async def cookie_names() -> dict[str, object]:
        return {"access": config.access_cookie_name, "in_cookies": config.jwt_in_cookies}

    assert client.get("/cookie-names").get_json() == {
        "access": "access_token_cookie",
        "in_cookies": True,
    }
