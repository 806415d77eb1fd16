"""Loading ``.env`` files into the environment before the app is found.

The command line reads ``HIPFLASK_APP``, ``HIPFLASK_DEBUG`` and the app's own
settings from the environment, and a project keeps them in files beside its
code: ``.hipflaskenv`` (committed: which app, which options) and ``.env``
(private: secrets, local overrides). ``.flaskenv`` is read too, with the lowest
priority, so a project moving over from Flask keeps working while it renames
the file.

Variables already set in the real environment always win: a file never
overrides what the shell, a container or a supervisor set on purpose.
python-dotenv does the parsing; without it, the files are left alone and a
one-line tip says how to use them.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from .._extras import is_installed

__all__ = [
    "DEFAULT_FILES",
    "DOTENV_TIP",
    "load_dotenv",
    "should_load_dotenv",
]

#: Looked up from the working directory upwards, lowest priority first.
DEFAULT_FILES: tuple[str, ...] = (".flaskenv", ".hipflaskenv", ".env")

#: Shown when the files exist but cannot be read.
DOTENV_TIP = (
    " * Tip: there are .env files here, but python-dotenv is not installed"
    " to load them: pip install python-dotenv"
)

_SKIP_VARIABLES = ("HIPFLASK_SKIP_DOTENV", "FLASK_SKIP_DOTENV")
_FALSE = frozenset({"", "0", "false", "no", "off"})


def should_load_dotenv(load: bool | None = None) -> bool:
    """Whether the default files should be loaded.

    An explicit ``load`` argument (``app.run(load_dotenv=False)``) wins;
    otherwise ``HIPFLASK_SKIP_DOTENV=1`` turns loading off, for deployments
    whose environment is complete and must not pick up a stray file.
    """
    if load is not None:
        return load
    return not any(os.environ.get(name, "").lower() not in _FALSE for name in _SKIP_VARIABLES)


def _present_defaults() -> list[Path]:
    return [Path(name) for name in DEFAULT_FILES if Path(name).is_file()]


def load_dotenv(path: str | os.PathLike[str] | None = None, load_defaults: bool = True) -> bool:
    """Load ``path`` and the default files into :data:`os.environ`.

    ``path`` (``--env-file``) takes precedence over ``.env``, which takes
    precedence over ``.hipflaskenv`` and then ``.flaskenv``; after combining
    them, a variable is only set when the environment does not have it yet.
    Returns whether the files held any variable, set or not.

    As in Flask, a ``path`` that is not a file is skipped, and without
    python-dotenv nothing is loaded (a tip says how to install it when
    there are files to load). The command line's ``--env-file`` is the one
    that refuses a missing file or a missing python-dotenv: there the user
    named the file.
    """
    if not is_installed("dotenv"):
        if path is not None or (load_defaults and _present_defaults()):
            click.secho(DOTENV_TIP, fg="yellow", err=True)
        return False

    import dotenv

    combined: dict[str, str | None] = {}
    if load_defaults:
        for name in DEFAULT_FILES:
            found = dotenv.find_dotenv(name, usecwd=True)
            if found:
                combined.update(dotenv.dotenv_values(found, encoding="utf-8"))
    if path is not None and os.path.isfile(path):
        combined.update(dotenv.dotenv_values(path, encoding="utf-8"))
    for key, value in combined.items():
        if value is not None and key not in os.environ:
            os.environ[key] = value
    return bool(combined)
