"""Settings given as class attributes or properties of an app subclass."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest
from tests.core.config_fixtures import app as app

from hipflask import Hipflask
from hipflask import session


def assert_session_counts(app: Hipflask, protocol: str) -> None:
    """A view counting in the session answers 1, then 2: the session is signed and read back."""

    @app.get("/count")
    def count() -> dict[str, int]:
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}

    client: Any = app.test_client(protocol=protocol)
    assert client.get("/count").get_json() == {"n": 1}
    assert client.get("/count").get_json() == {"n": 2}


def test_a_subclass_secret_key_signs_the_session(protocol: str) -> None:
    class KeyedApp(Hipflask):
        secret_key = "class-level-secret-key-that-is-long-enough"

    app = KeyedApp("keyed")

    assert_session_counts(app, protocol)
    assert app.config["SECRET_KEY"] == "class-level-secret-key-that-is-long-enough"


def test_subclass_settings_reach_the_config() -> None:
    class Configured(Hipflask):
        testing = True
        permanent_session_lifetime = timedelta(hours=2)

    app = Configured("configured")
    assert app.config["TESTING"] is True
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=2)
    # The plain Hipflask class keeps its defaults.
    assert Hipflask("plain").config["TESTING"] is False


def test_a_subclass_secret_key_property_is_read_when_the_app_is_made(
    protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYAPP_SESSION_KEY", "environment-secret-key-that-is-long-enough")

    class PropertyApp(Hipflask):
        @property  # type: ignore[override]
        def secret_key(self) -> str:
            return os.environ["MYAPP_SESSION_KEY"]

    app = PropertyApp("property-keyed")

    assert_session_counts(app, protocol)


def test_a_property_that_cannot_answer_leaves_the_config_alone() -> None:
    class Unready(Hipflask):
        @property  # type: ignore[override]
        def testing(self) -> bool:
            raise KeyError("not configured yet")

    assert Unready("unready").config["TESTING"] is False
