"""``hipflask shell``: an interactive Python session inside the app context.

The namespace is ``app.make_shell_context()`` (``app``, ``g`` and what
``@app.shell_context_processor`` functions add), so models and helpers are at
hand without imports. ``PYTHONSTARTUP`` runs first, as in a plain ``python``
session, and tab completion works where ``readline`` is available.
"""

from __future__ import annotations

import code
import os
import sys
from typing import Any

import click

from ..contexts import globals as _globals
from ..core.commands import with_appcontext

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_app = _globals._cv_app

__all__ = ["shell_banner", "shell_command", "shell_namespace"]


def shell_banner(app: Any) -> str:
    """The greeting: Python's version, and which app and instance folder are loaded."""
    return f"Python {sys.version} on {sys.platform}\nApp: {app.name}\nInstance: {app.instance_path}"


def shell_namespace(app: Any) -> dict[str, Any]:
    """The shell's globals: ``PYTHONSTARTUP``'s names, then the app's shell context."""
    namespace: dict[str, Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup, encoding="utf-8") as stream:
            source = stream.read()
        # The user's own start-up file, run exactly as the interactive
        # interpreter would run it.
        exec(compile(source, startup, "exec"), namespace)  # noqa: S102
    namespace.update(app.make_shell_context())
    return namespace


def _enable_completion(namespace: dict[str, Any]) -> None:
    interactive_hook = getattr(sys, "__interactivehook__", None)
    if interactive_hook is None:
        return
    try:
        import readline
        from rlcompleter import Completer
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return
    readline.set_completer(Completer(namespace).complete)
    # The hook loads history and binds Tab; it runs after the completer is set
    # so completion sees the shell's namespace rather than an empty one.
    interactive_hook()


@click.command("shell", short_help="Run a shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """Run an interactive Python shell in the app context.

    The namespace holds the app's shell context: 'app', 'g' and the names
    added with @app.shell_context_processor.
    """
    app = _cv_app.get().app
    namespace = shell_namespace(app)
    _enable_completion(namespace)
    code.interact(banner=shell_banner(app), local=namespace)
