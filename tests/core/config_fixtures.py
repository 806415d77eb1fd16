"""What the config tests share: a fresh Config, an app class with settings, files to load."""

from __future__ import annotations

from pathlib import Path

import pytest

from hipflask.core.config import DEFAULT_CONFIG
from hipflask.core.config import Config
from hipflask.core.config import ConfigAttribute
from hipflask.core.config import _to_timedelta


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(tmp_path)


class App:
    secret_key = ConfigAttribute[str | None]("SECRET_KEY")
    debug = ConfigAttribute[bool | None]("DEBUG")
    testing = ConfigAttribute[bool]("TESTING")
    permanent_session_lifetime = ConfigAttribute(
        "PERMANENT_SESSION_LIFETIME", get_converter=_to_timedelta
    )

    def __init__(self, root: Path) -> None:
        self.config = Config(root, DEFAULT_CONFIG)


@pytest.fixture
def app(tmp_path: Path) -> App:
    return App(tmp_path)
