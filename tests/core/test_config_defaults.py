"""A Config as made: its defaults, root path, documented settings and repr."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from tests.core.config_fixtures import config as config

from hipflask.core.config import DEFAULT_CONFIG
from hipflask.core.config import Config


def test_config_is_a_dict_starting_from_the_given_defaults(tmp_path: Path) -> None:
    config = Config(tmp_path, {"DEBUG": True, "A": 1})

    assert isinstance(config, dict)
    assert config == {"DEBUG": True, "A": 1}
    assert config.root_path == tmp_path


def test_root_path_is_kept_as_given(tmp_path: Path) -> None:
    # Flask keeps a Path a Path; code ported from it may use ``root_path / name``.
    from_path = Config(tmp_path)
    assert isinstance(from_path.root_path, Path)
    assert from_path.root_path == tmp_path
    assert Config(str(tmp_path)).root_path == str(tmp_path)


def test_config_without_defaults_is_empty(tmp_path: Path) -> None:
    assert Config(tmp_path) == {}
    assert Config(tmp_path, None) == {}


def test_mutable_defaults_are_copied_so_apps_do_not_share_them(tmp_path: Path) -> None:
    first = Config(tmp_path, DEFAULT_CONFIG)
    second = Config(tmp_path, DEFAULT_CONFIG)

    first["TRUSTED_ORIGINS"].append("https://evil.example")

    assert second["TRUSTED_ORIGINS"] == []
    assert DEFAULT_CONFIG["TRUSTED_ORIGINS"] == []


def test_defaults_mapping_is_not_modified_by_config_changes(tmp_path: Path) -> None:
    defaults = {"A": 1}
    config = Config(tmp_path, defaults)
    config["A"] = 2

    assert defaults == {"A": 1}


def test_default_config_holds_the_secure_defaults() -> None:
    assert DEFAULT_CONFIG["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024
    assert DEFAULT_CONFIG["SESSION_COOKIE_HTTPONLY"] is True
    assert DEFAULT_CONFIG["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert DEFAULT_CONFIG["SESSION_COOKIE_SECURE"] is None
    assert DEFAULT_CONFIG["CROSS_ORIGIN_PROTECTION"] is True
    assert DEFAULT_CONFIG["SECURITY_HEADERS"] is True
    assert DEFAULT_CONFIG["HSTS_MAX_AGE"] == 31_536_000
    assert DEFAULT_CONFIG["PERMANENT_SESSION_LIFETIME"] == timedelta(days=31)
    assert DEFAULT_CONFIG["PROXY_FIX"] is None
    assert DEFAULT_CONFIG["ASGI_THREAD_POOL_SIZE"] == 40


def test_default_config_keys_are_all_uppercase() -> None:
    assert all(key.isupper() for key in DEFAULT_CONFIG)


def test_every_built_in_setting_is_documented() -> None:
    docs = Path(__file__).parents[2] / "docs" / "config.rst"
    if not docs.exists():
        pytest.skip("docs/config.rst is not part of this checkout")
    text = docs.read_text(encoding="utf-8")

    missing = [key for key in DEFAULT_CONFIG if f"* - ``{key}``" not in text]

    assert missing == []


def test_repr_names_the_class_and_shows_the_items(tmp_path: Path) -> None:
    class AppConfig(Config):
        pass

    assert repr(Config(tmp_path, {"A": 1})) == "<Config {'A': 1}>"
    assert repr(AppConfig(tmp_path, {"B": "x"})) == "<AppConfig {'B': 'x'}>"
