from __future__ import annotations

from datetime import datetime
from datetime import timedelta

import pytest

from hipflask.errors import ConfigurationError
from hipflask.jwt.config import DEFAULTS
from hipflask.jwt.config import seconds
from hipflask.jwt.config import setting
from hipflask.jwt.config import token_locations


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
