"""What an app is made with: its name, instance folder, config, debug and registries."""

from __future__ import annotations

import asyncio
import builtins
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from werkzeug.exceptions import NotFound

from hipflask import Flask
from hipflask import Hipflask
from hipflask import render_template_string
from hipflask import url_for


def test_flask_is_an_alias() -> None:
    assert Flask is Hipflask


def test_name_is_the_import_name() -> None:
    assert Hipflask("shop.app").name == "shop.app"
    assert repr(Hipflask("shop.app")) == "<Hipflask 'shop.app'>"


def test_name_of_a_script_app_is_the_script_name(monkeypatch: pytest.MonkeyPatch) -> None:

    monkeypatch.setattr(sys.modules["__main__"], "__file__", "/srv/site/manage.py", raising=False)
    assert Hipflask("__main__").name == "manage"
    monkeypatch.delattr(sys.modules["__main__"], "__file__")
    assert Hipflask("__main__").name == "__main__"


def test_instance_path_must_be_absolute(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must be absolute"):
        Hipflask("tests_app", instance_path="relative/instance")
    app = Hipflask("tests_app", instance_path=str(tmp_path))
    assert app.instance_path == str(tmp_path)


def test_default_instance_path_is_beside_the_app(tmp_path: Path) -> None:
    app = Hipflask("tests_app", root_path=str(tmp_path))
    assert app.instance_path == os.path.join(os.getcwd(), "instance")


def test_open_instance_resource(tmp_path: Path) -> None:
    app = Hipflask("tests_app", instance_path=str(tmp_path))
    with app.open_instance_resource("notes.txt", "w") as f:
        f.write("kept")
    with app.open_instance_resource("notes.txt") as f:
        assert f.read() == b"kept"


def _record_open_encodings(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Spy on ``open``: which encoding each call asked for (None: the locale's)."""
    real_open = builtins.open
    seen: list[str | None] = []

    def spy(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("encoding"))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    return seen


def test_open_instance_resource_reads_text_as_utf8_unless_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "notes.txt").write_bytes("h\u00e9llo".encode())
    app = Hipflask("tests_app", instance_path=str(tmp_path))
    seen = _record_open_encodings(monkeypatch)

    with app.open_instance_resource("notes.txt", "r") as f:
        assert f.read() == "h\u00e9llo"
    with app.open_instance_resource("notes.txt", "r", encoding="latin-1") as f:
        assert f.read() == "h\u00c3\u00a9llo"
    with app.open_instance_resource("notes.txt", "rb", encoding="latin-1") as f:
        assert f.read() == "h\u00e9llo".encode()

    # Flask 3.1's default is UTF-8 whatever the locale; binary mode takes none.
    assert seen == ["utf-8", "latin-1", None]


def test_open_instance_resource_writes_text_as_utf8(tmp_path: Path) -> None:
    app = Hipflask("tests_app", instance_path=str(tmp_path))
    with app.open_instance_resource("notes.txt", "w") as f:
        f.write("\u2603")
    assert (tmp_path / "notes.txt").read_bytes() == "\u2603".encode()


def test_instance_relative_config(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text("GREETING = 'hi'\n", encoding="utf-8")
    app = Hipflask("tests_app", instance_path=str(tmp_path), instance_relative_config=True)
    app.config.from_pyfile("settings.py")
    assert app.config["GREETING"] == "hi"


def test_config_attributes(app: Hipflask) -> None:
    app.secret_key = "another-secret"
    assert app.config["SECRET_KEY"] == "another-secret"
    app.testing = False
    assert app.config["TESTING"] is False
    app.config["PERMANENT_SESSION_LIFETIME"] = 60
    assert app.permanent_session_lifetime.total_seconds() == 60


def test_debug_follows_the_config(app: Hipflask) -> None:
    assert app.debug is False
    app.debug = True
    assert app.config["DEBUG"] is True
    assert app.debug is True


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("false", False), ("", False)])
def test_debug_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: bool | None
) -> None:
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("HIPFLASK_DEBUG", value)
    assert Hipflask("tests_app").config["DEBUG"] is expected


def test_logger_is_named_after_the_app(app: Hipflask) -> None:
    assert app.logger.name == "tests_app"


def test_extensions_registry(app: Hipflask) -> None:
    app.extensions["thing"] = object()
    assert "thing" in app.extensions


def test_session_interface_defaults_lazily_and_can_be_replaced(app: Hipflask) -> None:
    class Interface:
        pass

    replacement = Interface()
    app.session_interface = replacement
    assert app.session_interface is replacement


def test_template_registration_reaches_the_environment(app: Hipflask) -> None:
    if importlib.util.find_spec("hipflask.templating.environment") is None:
        pytest.skip("hipflask.templating.environment is not available yet")

    @app.template_filter()
    def shout(value: str) -> str:
        return value.upper()

    @app.template_test("short")
    def is_short(value: str) -> bool:
        return len(value) < 3

    @app.template_global()
    def site_name() -> str:
        return "hipflask"

    env = app.jinja_env
    assert env.filters["shout"] is shout
    assert env.tests["short"] is is_short
    assert env.globals["site_name"] is site_name
    app.debug = True
    assert env.auto_reload is True


def test_send_static_file_without_a_static_folder_is_404() -> None:
    app = Hipflask("tests_app", static_folder=None)
    with app.test_request_context(), pytest.raises(NotFound):
        app.send_static_file("site.css")


def test_a_dropped_app_is_freed(protocol: str) -> None:
    import gc
    import weakref

    def build() -> weakref.ref[Hipflask]:
        app = Hipflask("tests_app_freed")
        app.config["SECRET_KEY"] = "k" * 40

        @app.route("/")
        def index() -> str:
            return render_template_string("{{ session.get('a') }}") + url_for("index")

        @app.route("/async")
        async def in_a_loop() -> str:
            await asyncio.sleep(0)
            return "async"

        client = app.test_client(protocol=protocol)
        assert client.get("/").status_code == 200
        # The first async view of a thread creates that thread's event loop,
        # inside this request's context: the loop must not keep it.
        assert client.get("/async").status_code == 200
        with app.app_context(), app.test_request_context():
            pass
        client.__exit__()
        return weakref.ref(app)

    ref = build()
    gc.collect()

    assert ref() is None
