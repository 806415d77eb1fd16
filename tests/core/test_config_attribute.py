"""ConfigAttribute and the timedelta conversion of settings given in seconds."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.core.config_fixtures import App
from tests.core.config_fixtures import app as app

from hipflask.core.config import Config
from hipflask.core.config import ConfigAttribute
from hipflask.core.config import ConfigTypeError
from hipflask.core.config import _to_timedelta
from hipflask.errors import ConfigurationError


def test_config_attribute_reads_the_setting(app: App) -> None:
    app.config["SECRET_KEY"] = "abc"

    assert app.secret_key == "abc"
    assert app.testing is False
    assert app.debug is None


def test_config_attribute_writes_through_to_the_config(app: App) -> None:
    app.secret_key = "written"
    app.testing = True

    assert app.config["SECRET_KEY"] == "written"
    assert app.config["TESTING"] is True


def test_config_attribute_on_the_class_returns_the_descriptor() -> None:
    descriptor = App.secret_key

    assert isinstance(descriptor, ConfigAttribute)
    assert descriptor.name == "SECRET_KEY"


def test_config_attribute_converts_seconds_to_a_timedelta(app: App) -> None:
    assert app.permanent_session_lifetime == timedelta(days=31)

    app.permanent_session_lifetime = 3600

    assert app.config["PERMANENT_SESSION_LIFETIME"] == 3600
    assert app.permanent_session_lifetime == timedelta(hours=1)


def test_config_attribute_wraps_converter_errors_with_the_setting_name(
    app: App,
) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = "31d"

    with pytest.raises(ConfigurationError, match=r"PERMANENT_SESSION_LIFETIME.*'31d'") as info:
        _ = app.permanent_session_lifetime

    # Flask's timedelta(seconds="31d") raises TypeError; a ported except keeps catching.
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, ConfigTypeError)


@pytest.mark.parametrize(
    ("converter", "value", "flask_error"),
    [(int, "abc", ValueError), (int, [1], TypeError), (json.loads, "{", ValueError)],
)
def test_config_attribute_converter_errors_keep_the_class_flask_lets_through(
    tmp_path: Path, converter: Any, value: object, flask_error: type[Exception]
) -> None:
    class Uploads:
        max_upload = ConfigAttribute[int]("MAX_UPLOAD", get_converter=converter)

        def __init__(self) -> None:
            self.config = Config(tmp_path, {"MAX_UPLOAD": value})

    with pytest.raises(flask_error, match="Setting MAX_UPLOAD has an invalid value") as info:
        _ = Uploads().max_upload

    assert isinstance(info.value, ConfigurationError)


def test_config_attribute_missing_setting_raises_key_error(app: App) -> None:
    del app.config["SECRET_KEY"]

    with pytest.raises(KeyError, match="SECRET_KEY"):
        _ = app.secret_key


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (timedelta(minutes=5), timedelta(minutes=5)),
        (60, timedelta(minutes=1)),
        (0, timedelta(0)),
        (1.5, timedelta(seconds=1.5)),
    ],
)
def test_to_timedelta_accepts_timedeltas_and_seconds(value: object, expected: timedelta) -> None:
    assert _to_timedelta(value) == expected


@pytest.mark.parametrize("value", [True, "60", None, [60]])
def test_to_timedelta_refuses_other_types(value: object) -> None:
    with pytest.raises(TypeError, match="timedelta or a number of seconds"):
        _to_timedelta(value)
