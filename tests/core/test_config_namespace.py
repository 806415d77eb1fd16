"""Config.get_namespace: the settings under a prefix, as a new dict."""

from __future__ import annotations

from pathlib import Path

import pytest

from hipflask.core.config import Config


@pytest.fixture
def namespaced(tmp_path: Path) -> Config:
    return Config(
        tmp_path,
        {"IMAGE_STORE_TYPE": "fs", "IMAGE_STORE_PATH": "/img", "OTHER": 1},
    )


def test_get_namespace_trims_and_lowercases_by_default(namespaced: Config) -> None:
    assert namespaced.get_namespace("IMAGE_STORE_") == {"type": "fs", "path": "/img"}


def test_get_namespace_can_keep_the_case(namespaced: Config) -> None:
    assert namespaced.get_namespace("IMAGE_STORE_", lowercase=False) == {
        "TYPE": "fs",
        "PATH": "/img",
    }


def test_get_namespace_can_keep_the_namespace(namespaced: Config) -> None:
    assert namespaced.get_namespace("IMAGE_STORE_", trim_namespace=False) == {
        "image_store_type": "fs",
        "image_store_path": "/img",
    }
    assert namespaced.get_namespace("IMAGE_STORE_", lowercase=False, trim_namespace=False) == {
        "IMAGE_STORE_TYPE": "fs",
        "IMAGE_STORE_PATH": "/img",
    }


def test_get_namespace_returns_a_new_dict_and_nothing_for_unknown_prefix(
    namespaced: Config,
) -> None:
    found = namespaced.get_namespace("IMAGE_STORE_")
    found["type"] = "s3"

    assert namespaced["IMAGE_STORE_TYPE"] == "fs"
    assert namespaced.get_namespace("NOPE_") == {}
