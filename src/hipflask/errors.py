"""Exceptions raised for setup mistakes.

HTTP errors are Werkzeug's :class:`~werkzeug.exceptions.HTTPException` classes;
what lives here is for the developer, raised at start-up or on first use::

    HipflaskError
     ├── ConfigurationError   a setting is missing, malformed or unsafe
     └── MissingExtraError    an optional dependency is not installed (also ImportError)
"""

from __future__ import annotations


class HipflaskError(Exception):
    """Base class of every error hipflask raises for a setup mistake."""


class ConfigurationError(HipflaskError):
    """A setting is missing, malformed or unsafe; the message says how to fix it."""


class MissingExtraError(HipflaskError, ImportError):
    """An optional dependency is missing; the message names the ``pip install``.

    It is also an :class:`ImportError` so code that guards optional imports with
    ``except ImportError`` keeps working.
    """

    def __init__(self, module: str, extra: str) -> None:
        self.module = module
        self.extra = extra
        super().__init__(
            f"{module!r} is not installed; it comes with the {extra!r} extra:"
            f" pip install 'hipflask[{extra}]'"
        )

    def __reduce__(self) -> tuple[type[MissingExtraError], tuple[str, str]]:
        """Rebuilt from ``module`` and ``extra``: the message alone fits no constructor.

        ``hipflask serve`` checks the app in a child process whose errors
        travel pickled; without this one would arrive as a plain
        :class:`HipflaskError`, no longer an :class:`ImportError`.
        """
        return type(self), (self.module, self.extra)
