"""``FlaskLoginClient`` at Flask-Login's module path (``flask_login.test_client``).

The class lives with the other test tools (:mod:`hipflask.testing.login`),
which sit above the suites; it is imported on first use from here.
"""

from __future__ import annotations

import importlib


def __getattr__(name: str) -> object:
    if name == "FlaskLoginClient":
        return importlib.import_module("hipflask.testing.login").FlaskLoginClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["FlaskLoginClient"]  # noqa: F822 - provided by the module's __getattr__
