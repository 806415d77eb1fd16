"""A module still importing from Flask inside a hipflask request: the error says which.

Flask's ``request``, ``current_app``, ``g`` and ``session`` are Flask's own
context variables, which a hipflask request never sets. An import left
unrenamed after a port (``from flask_jwt_extended import jwt_required``)
therefore fails with Flask's "Working outside of request context.", raised
in the middle of a request, with advice (push a context) that does not apply.
"""

from __future__ import annotations

import logging
import sys
import types
from collections.abc import Callable
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask.testing import HipflaskClient

flask = pytest.importorskip("flask")

pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 11), reason="exception notes need Python 3.11"
)


def _module(name: str, source: str) -> types.ModuleType:
    """A module of the given name, as a Flask extension or a ported app's module."""
    module = types.ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # noqa: S102
    return module


LEFTOVER = """
from flask import request

def required(view):
    def wrapper(*args, **kwargs):
        if request.headers.get("Authorization") is None:
            raise LookupError("no token")
        return view(*args, **kwargs)
    return wrapper
"""


def _app_with(decorator: Callable[[Any], Any]) -> Hipflask:
    app = Hipflask(__name__)
    app.config["TESTING"] = True

    @app.get("/")
    @decorator
    def index() -> str:
        return "ok"

    return app


def _raised(app: Hipflask, protocol: str) -> BaseException:
    client: HipflaskClient = app.test_client(protocol=protocol)
    with pytest.raises(RuntimeError) as info:
        client.get("/")
    return info.value


def _notes(exc: BaseException) -> str:
    return "\n".join(getattr(exc, "__notes__", []))


def test_an_extension_left_unrenamed_is_named_with_its_hipflask_import(protocol: str) -> None:
    extension = _module("flask_jwt_extended.view_decorators", LEFTOVER)
    exc = _raised(_app_with(extension.required), protocol)

    assert "Working outside of request context" in str(exc)
    notes = _notes(exc)
    assert "flask_jwt_extended.view_decorators reads Flask's own context" in notes
    assert "hipflask does not set" in notes
    assert "import from 'hipflask.jwt' instead of 'flask_jwt_extended'" in notes


def test_a_module_of_the_app_left_importing_flask_is_named(protocol: str) -> None:
    ported = _module("shop.views", LEFTOVER)
    exc = _raised(_app_with(ported.required), protocol)

    notes = _notes(exc)
    assert "shop.views reads Flask's own context" in notes
    assert "import from 'hipflask' instead of 'flask'" in notes


def test_the_real_flask_jwt_extended_decorator_is_named(protocol: str) -> None:
    flask_jwt_extended = pytest.importorskip("flask_jwt_extended")
    exc = _raised(_app_with(flask_jwt_extended.jwt_required()), protocol)

    assert "import from 'hipflask.jwt' instead of 'flask_jwt_extended'" in _notes(exc)


def test_an_unhandled_leftover_is_logged_with_the_hint(
    protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    extension = _module("flask_limiter.extension", LEFTOVER)
    app = _app_with(extension.required)
    app.config["TESTING"] = False
    client = app.test_client(protocol=protocol)

    with caplog.at_level(logging.ERROR):
        assert client.get("/").status_code == 500

    assert "import from 'hipflask.limiter' instead of 'flask_limiter'" in caplog.text


def test_a_runtime_error_of_the_app_s_own_gets_no_note(protocol: str) -> None:
    def failing(view: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("Working outside of business hours.")

        return wrapper

    exc = _raised(_app_with(failing), protocol)
    assert not hasattr(exc, "__notes__")
