"""Fixtures for the template tests: an app whose folders are the ones beside this file."""

from __future__ import annotations

import os
from typing import Any

import pytest

from hipflask import Blueprint
from hipflask import Hipflask

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = "templating-tests-secret-key-0123456789abcdef"


@pytest.fixture
def app() -> Hipflask:
    app = Hipflask("tests_templating", root_path=HERE, static_folder=None)
    app.config.update(TESTING=True, SECRET_KEY=SECRET)
    return app


@pytest.fixture
def shop() -> Blueprint:
    return Blueprint(
        "shop", __name__, template_folder="templates", root_path=os.path.join(HERE, "shop")
    )


@pytest.fixture
def extra() -> Blueprint:
    return Blueprint(
        "extra", __name__, template_folder="templates", root_path=os.path.join(HERE, "extra")
    )


class DictSession(dict[str, Any]):
    """A plain dict with the attributes session code reads."""

    new = False
    modified = False
    permanent = False
    accessed = False


class MemorySessions:
    """A session interface keeping one session in memory.

    The template tests need a session, not cookie signing; this keeps them
    independent of the cookie session code.
    """

    def __init__(self) -> None:
        self.data = DictSession()
        self.opened = 0

    def open_session(self, app: Any, request: Any) -> DictSession:
        self.opened += 1
        return self.data

    def make_null_session(self, app: Any) -> DictSession:
        return DictSession()

    def is_null_session(self, obj: object) -> bool:
        return False

    def save_session(self, app: Any, session: Any, response: Any) -> None:
        pass


@pytest.fixture
def sessions(app: Hipflask) -> MemorySessions:
    interface = MemorySessions()
    app.session_interface = interface
    return interface
