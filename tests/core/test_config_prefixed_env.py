"""Config.from_prefixed_env: settings read from prefixed environment variables."""

from __future__ import annotations

import os

import pytest
from tests.core.config_fixtures import config as config

from hipflask.core.config import Config
from hipflask.core.config import ConfigTypeError
from hipflask.core.config import ConfigValueError
from hipflask.errors import ConfigurationError


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key in list(os.environ):
        if key.startswith(("HIPFLASK_", "FLASK_", "MYAPP_")):
            monkeypatch.delenv(key)
    return monkeypatch


def test_prefixed_env_sets_keys_without_the_prefix(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("HIPFLASK_SECRET_KEY", "not json")
    clean_env.setenv("OTHER_SECRET", "ignored")
    clean_env.setenv("HIPFLASKX_Y", "ignored")

    assert config.from_prefixed_env() is True
    assert config == {"SECRET_KEY": "not json"}


def test_prefixed_env_parses_json_values(config: Config, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("HIPFLASK_DEBUG", "false")
    clean_env.setenv("HIPFLASK_LIFETIME", "3600")
    clean_env.setenv("HIPFLASK_RATIO", "0.5")
    clean_env.setenv("HIPFLASK_ORIGINS", '["https://a.example", "https://b.example"]')
    clean_env.setenv("HIPFLASK_EXTRA", '{"x": null}')
    clean_env.setenv("HIPFLASK_QUOTED", '"text"')

    config.from_prefixed_env()

    assert config == {
        "DEBUG": False,
        "LIFETIME": 3600,
        "RATIO": 0.5,
        "ORIGINS": ["https://a.example", "https://b.example"],
        "EXTRA": {"x": None},
        "QUOTED": "text",
    }


def test_prefixed_env_uses_a_custom_loads_and_keeps_strings_it_rejects(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("HIPFLASK_NUMBER", "12")
    clean_env.setenv("HIPFLASK_WORD", "twelve")

    config.from_prefixed_env(loads=int)

    assert config == {"NUMBER": 12, "WORD": "twelve"}


def test_prefixed_env_double_underscore_sets_nested_keys(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    config["DB"] = {"PORT": 5432}
    clean_env.setenv("HIPFLASK_DB__HOST", "db.internal")
    clean_env.setenv("HIPFLASK_CACHE__REDIS__URL", '"redis://localhost"')

    config.from_prefixed_env()

    assert config["DB"] == {"PORT": 5432, "HOST": "db.internal"}
    assert config["CACHE"] == {"REDIS": {"URL": "redis://localhost"}}


def test_prefixed_env_applies_whole_dicts_before_their_nested_keys(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("HIPFLASK_DB__HOST", "override")
    clean_env.setenv("HIPFLASK_DB", '{"HOST": "base", "PORT": 1}')

    config.from_prefixed_env()

    assert config["DB"] == {"HOST": "override", "PORT": 1}


@pytest.mark.parametrize("value", ["sqlite://", 5, None, ["a"]])
def test_prefixed_env_nested_key_through_a_non_dict_is_a_configuration_error(
    config: Config, clean_env: pytest.MonkeyPatch, value: object
) -> None:
    config["DB"] = value
    clean_env.setenv("HIPFLASK_DB__HOST", "x")

    with pytest.raises(ConfigurationError, match=r"but DB is a .*, not a dict") as info:
        config.from_prefixed_env()

    assert isinstance(info.value, TypeError)  # what Flask raises there
    assert isinstance(info.value, ConfigTypeError)


def test_prefixed_env_empty_nested_part_is_a_configuration_error(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("HIPFLASK_DB____HOST", "x")

    with pytest.raises(ConfigurationError, match="HIPFLASK_DB____HOST has an empty key") as info:
        config.from_prefixed_env()

    # Flask stores it under an empty key; refused here, as the malformed name it is.
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, ConfigValueError)


def test_prefixed_env_ignores_the_bare_prefix(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("HIPFLASK_", "x")

    config.from_prefixed_env()

    assert config == {}


def test_prefixed_env_accepts_the_flask_prefix(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("FLASK_SECRET_KEY", '"ported"')
    clean_env.setenv("HIPFLASK_SECRET_KEY", '"native"')

    config.from_prefixed_env("FLASK")

    assert config == {"SECRET_KEY": "ported"}


def test_prefixed_env_does_not_double_a_trailing_underscore(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("MYAPP_A", "1")

    config.from_prefixed_env("MYAPP_")

    assert config == {"A": 1}


def test_prefixed_env_default_reads_flask_variables_too(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("FLASK_SECRET_KEY", '"ported"')
    clean_env.setenv("FLASK_DB", '{"HOST": "db", "PORT": 1}')
    clean_env.setenv("FLASK_DB__PORT", "5432")

    config.from_prefixed_env()

    assert config == {"SECRET_KEY": "ported", "DB": {"HOST": "db", "PORT": 5432}}


def test_prefixed_env_hipflask_variable_wins_over_the_flask_one(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("FLASK_SECRET_KEY", '"ported"')
    clean_env.setenv("HIPFLASK_SECRET_KEY", '"native"')
    clean_env.setenv("FLASK_DB__HOST", '"flask-db"')
    clean_env.setenv("HIPFLASK_DB__PORT", "5432")

    config.from_prefixed_env()

    assert config == {"SECRET_KEY": "native", "DB": {"HOST": "flask-db", "PORT": 5432}}


def test_prefixed_env_with_another_prefix_reads_only_that_one(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("FLASK_SECRET_KEY", '"ported"')
    clean_env.setenv("MYAPP_SECRET_KEY", '"mine"')

    config.from_prefixed_env("MYAPP")

    assert config == {"SECRET_KEY": "mine"}
