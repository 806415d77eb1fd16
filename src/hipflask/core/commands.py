"""Click groups whose commands run inside the app context (``app.cli``).

Kept in the core because apps and blueprints own their command groups; the
``hipflask`` command line itself lives in :mod:`hipflask.cli`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

# The class with_appcontext creates when no command line put one on the click
# context; hipflask.cli, a layer above, registers its ScriptInfo on import.
_script_info_class: type[Any] | None = None


def use_script_info(cls: type[Any]) -> None:
    """Make ``with_appcontext`` create a ``cls()`` to find the app when none is given.

    Flask's ``with_appcontext`` calls ``ctx.ensure_object(ScriptInfo)``, so a
    command of a plain click group (a ``manage.py`` without ``FlaskGroup``)
    still finds the app in ``wsgi.py`` or ``app.py``.
    """
    global _script_info_class
    _script_info_class = cls


def _script_info(ctx: click.Context) -> Any:
    if getattr(ctx.obj, "load_app", None) is not None:
        return ctx.obj
    if _script_info_class is not None:
        return ctx.ensure_object(_script_info_class)
    raise click.UsageError("No app to run this command in; pass --app.")


def with_appcontext(f: F) -> F:
    """Run a click command inside the app's context.

    The CLI stores an object with ``load_app()`` on the click context; commands
    registered on ``app.cli`` get this automatically. Without one (a plain
    click group), a :class:`hipflask.cli.ScriptInfo` is created, as in Flask,
    which looks for ``wsgi.py`` or ``app.py`` in the working directory.
    """

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        from ..contexts.globals import _cv_app

        if _cv_app.get(None) is None:
            app = _script_info(ctx).load_app()
            ctx.with_resource(app.app_context())
        return ctx.invoke(f, *args, **kwargs)

    return functools.update_wrapper(decorator, f)  # type: ignore[return-value]


class AppGroup(click.Group):
    """A click group whose commands run in the app context by default.

    Pass ``with_appcontext=False`` to a command that must not load the app.
    """

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], click.Command]:  # type: ignore[override]
        """Like :meth:`click.Group.command`, wrapping the callback in the app context."""
        wrap = kwargs.pop("with_appcontext", True)

        def decorator(f: Callable[..., Any]) -> click.Command:
            if wrap:
                f = with_appcontext(f)
            return click.Group.command(self, *args, **kwargs)(f)  # type: ignore[no-any-return]

        return decorator

    def group(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], click.Group]:  # type: ignore[override]
        """Like :meth:`click.Group.group`, making nested groups :class:`AppGroup` too."""
        kwargs.setdefault("cls", AppGroup)
        return click.Group.group(self, *args, **kwargs)  # type: ignore[no-any-return]
