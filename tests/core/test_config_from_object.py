"""Config.from_object and from_mapping: settings read from objects, modules and mappings."""

from __future__ import annotations

import sys
import types

import pytest
from tests.core.config_fixtures import app as app
from tests.core.config_fixtures import config as config

from hipflask.core.config import Config


def test_from_object_loads_only_uppercase_attributes(config: Config) -> None:
    class Settings:
        SECRET_KEY = "k"
        DEBUG = True
        lower = "ignored"
        Mixed = "ignored"
        _PRIVATE_lower = "ignored"

    config.from_object(Settings)

    assert config == {"SECRET_KEY": "k", "DEBUG": True}


def test_from_object_reads_inherited_and_instance_attributes(config: Config) -> None:
    class Base:
        DEBUG = False
        DB = "sqlite://"

    class Production(Base):
        DB = "postgresql://db"

        @property
        def URL(self) -> str:
            return self.DB + "/app"

    config.from_object(Production())

    assert config == {
        "DEBUG": False,
        "DB": "postgresql://db",
        "URL": "postgresql://db/app",
    }


def test_from_object_accepts_a_module(config: Config) -> None:
    module = types.ModuleType("settings")
    module.FOO = "bar"  # type: ignore[attr-defined]
    module.helper = len  # type: ignore[attr-defined]

    config.from_object(module)

    assert config == {"FOO": "bar"}


@pytest.fixture
def settings_module(monkeypatch: pytest.MonkeyPatch) -> str:
    module = types.ModuleType("hipflask_test_settings")

    class Production:
        SERVER_NAME = "example.com"
        lowercase = 1

    module.Production = Production  # type: ignore[attr-defined]
    module.TOP = "level"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module.__name__


@pytest.mark.parametrize("separator", [":", "."])
def test_from_object_imports_a_dotted_or_colon_path(
    config: Config, settings_module: str, separator: str
) -> None:
    config.from_object(f"{settings_module}{separator}Production")

    assert config == {"SERVER_NAME": "example.com"}


def test_from_object_imports_a_module_path(config: Config, settings_module: str) -> None:
    config.from_object(settings_module)

    assert config["TOP"] == "level"


def test_from_object_with_a_bad_import_path_raises_import_error(config: Config) -> None:
    with pytest.raises(ImportError):
        config.from_object("hipflask_no_such_module_xyz:Settings")


def test_from_mapping_loads_uppercase_keys_of_mapping_and_kwargs(
    config: Config,
) -> None:
    assert config.from_mapping({"A": 1, "b": 2}, C=3, d=4) is True
    assert config == {"A": 1, "C": 3}


def test_from_mapping_kwargs_override_the_mapping(config: Config) -> None:
    config.from_mapping({"A": 1}, A=2)

    assert config["A"] == 2


def test_from_mapping_without_arguments_changes_nothing(config: Config) -> None:
    assert config.from_mapping() is True
    assert config.from_mapping(None) is True
    assert config == {}
