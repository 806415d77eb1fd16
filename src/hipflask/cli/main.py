"""The ``hipflask`` command: ``run``, ``serve``, ``routes``, ``shell``, ``certs`` and the app's own.

Group options, given before the command name::

    hipflask --app hello --env-file prod.env --debug run

``--app`` (``HIPFLASK_APP``, or ``FLASK_APP``) says where the app is (see
:mod:`hipflask.cli.discovery`), ``--env-file`` loads one more dotenv file (see
:mod:`hipflask.cli.dotenv`) and ``--debug`` sets ``HIPFLASK_DEBUG`` (and
``FLASK_DEBUG``, as Flask's does). Commands
registered with ``@app.cli.command()`` or on a blueprint's ``cli`` appear
beside the built-in ones and run inside the app context. Options of the
built-in commands can also come from ``HIPFLASK_<COMMAND>_<OPTION>`` variables
(``HIPFLASK_RUN_PORT=8080``).
"""

from __future__ import annotations

import functools
import os
import platform
import sys
import traceback
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError
from importlib.metadata import entry_points
from importlib.metadata import version as _distribution_version
from typing import TYPE_CHECKING
from typing import Any

import click

from .._extras import is_installed
from ..contexts import globals as _globals
from ..core.commands import AppGroup
from ..serving.devserver import RUN_FROM_CLI_VARIABLE
from ..serving.hangups import hangups_deferred
from ..serving.hangups import release_hangups
from .discovery import NoAppException
from .discovery import ScriptInfo
from .dotenv import load_dotenv
from .dotenv import should_load_dotenv
from .openapi import openapi_command
from .routes import routes_command
from .run import run_command
from .serve import serve_command
from .shell import shell_command

if TYPE_CHECKING:
    from ..core.app import Hipflask

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_app = _globals._cv_app

__all__ = ["HipflaskGroup", "adopt_flask_variables", "cli", "get_version", "main"]


def _distribution(name: str) -> str:
    try:
        return _distribution_version(name)
    except PackageNotFoundError:  # pragma: no cover - always installed together
        return "unknown"


def get_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """Print the Python, Hipflask and Werkzeug versions (the ``--version`` option)."""
    if not value or ctx.resilient_parsing:
        return
    from .. import __version__

    click.echo(
        f"Python {platform.python_version()}\n"
        f"Hipflask {__version__}\n"
        f"Werkzeug {_distribution('werkzeug')}",
        color=ctx.color,
    )
    ctx.exit()


def _set_app(ctx: click.Context, param: click.Option, value: str | None) -> str | None:
    if value is None:
        return None
    info = ctx.ensure_object(ScriptInfo)
    info.app_import_path = value
    return value


def _load_env_file(ctx: click.Context, param: click.Option, value: str | None) -> str | None:
    if value is not None and not is_installed("dotenv"):
        # Named on the command line: running without it would use the wrong settings.
        raise click.BadParameter(
            f"Cannot load {value!r}: python-dotenv is not installed."
            " Install it with: pip install python-dotenv",
            ctx=ctx,
            param=param,
        )
    info = ctx.ensure_object(ScriptInfo)
    if info.load_dotenv_defaults and should_load_dotenv():
        load_dotenv(value)
    elif value is not None:
        load_dotenv(value, load_defaults=False)
    return value


def _set_debug(ctx: click.Context, param: click.Option, value: bool | None) -> bool | None:
    if value is None:
        return None
    # Through the environment, so the app sees it however it is created
    # (Hipflask() reads HIPFLASK_DEBUG) and the reloader's child inherits it.
    # FLASK_DEBUG too, as Flask's --debug sets it: code moved over from Flask
    # may read it, and must not see a value the option overrode.
    flag = "1" if value else "0"
    os.environ["HIPFLASK_DEBUG"] = flag
    os.environ["FLASK_DEBUG"] = flag
    return value


# The env file is eager and declared first: it may set HIPFLASK_APP, which
# --app reads from the environment when it is processed after it.
_env_file_option = click.Option(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    help="Load environment variables from this file (needs python-dotenv). Variables"
    " already set win; it takes precedence over .env and .hipflaskenv.",
    is_eager=True,
    expose_value=False,
    callback=_load_env_file,
)

_app_option = click.Option(
    ["-A", "--app"],
    metavar="IMPORT",
    envvar=["HIPFLASK_APP", "FLASK_APP"],
    help="The app to load: 'module', 'module:name', 'module:create_app(\"dev\")' or"
    " 'path/to/file.py'. Default: wsgi.py or app.py in the current directory.",
    is_eager=True,
    expose_value=False,
    callback=_set_app,
)

_debug_option = click.Option(
    ["--debug/--no-debug"],
    default=None,
    help="Set debug mode (HIPFLASK_DEBUG) for the app and the commands.",
    expose_value=False,
    allow_from_autoenv=False,
    callback=_set_debug,
)

_version_option = click.Option(
    ["--version"],
    help="Show the Python, Hipflask and Werkzeug versions.",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=get_version,
)


#: The entry point group installed packages add ``hipflask`` commands under
#: (Flask's ``flask.commands``), in their metadata::
#:
#:     [project.entry-points."hipflask.commands"]
#:     export = "shop.cli:export"
PLUGIN_GROUP = "hipflask.commands"


class HipflaskGroup(AppGroup):
    """The ``hipflask`` command group: built-in commands plus the loaded app's ``app.cli``.

    Build one for a custom command line (``HipflaskGroup(create_app=make_app)``)
    to get the same options and commands around your own factory.

    :param add_default_commands: add ``run``, ``serve``, ``routes``, ``shell``,
        ``openapi`` and ``certs``.
    :param create_app: called to get the app instead of searching for it.
    :param add_version_option: add ``--version``.
    :param load_dotenv: load ``.env`` and ``.hipflaskenv`` on start.
    :param set_debug_flag: apply ``--debug``/``HIPFLASK_DEBUG`` to the loaded app.
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: Callable[..., Hipflask] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: Any,
    ) -> None:
        params = list(extra.pop("params", None) or ())
        params.extend((_env_file_option, _app_option, _debug_option))
        if add_version_option:
            params.append(_version_option)
        if "context_settings" not in extra:
            extra["context_settings"] = {}
        extra["context_settings"].setdefault("auto_envvar_prefix", "HIPFLASK")
        super().__init__(params=params, **extra)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        self._loaded_plugin_commands = False
        if add_default_commands:
            for command in (
                run_command,
                serve_command,
                routes_command,
                shell_command,
                openapi_command,
            ):
                self.add_command(command)
            self._add_certs_command()

    def _add_certs_command(self) -> None:
        try:
            from .certs import certs_command
        except ImportError:  # pragma: no cover - shipped together
            return
        self.add_command(certs_command)

    def _load_plugin_commands(self) -> None:
        """Add the commands installed packages declare, once.

        Flask's ``flask.commands`` entry points belong to Flask extensions,
        whose commands run in Flask's app context; a package ported to
        hipflask declares its commands under :data:`PLUGIN_GROUP` instead.
        """
        if self._loaded_plugin_commands:
            return
        self._loaded_plugin_commands = True
        for entry_point in entry_points(group=PLUGIN_GROUP):
            self.add_command(entry_point.load(), entry_point.name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """The command to run; a command but ``serve`` gets ``SIGHUP``'s default back.

        :func:`main` deferred the signal until the command was known; only
        ``serve`` answers it (a reload), and a hangup must end any other as
        usual, one that came meanwhile included.
        """
        name, command, rest = super().resolve_command(ctx, args)
        if command is not serve_command:
            release_hangups()
        return name, command, rest

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A built-in or installed command, else one of the app's (loading the app to find it)."""
        self._load_plugin_commands()
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        info = ctx.ensure_object(ScriptInfo)
        try:
            app = info.load_app()
        except NoAppException as exc:
            click.secho(f"Error: {exc.format_message()}\n", err=True, fg="red")
            return None
        # The app's commands and their parameter callbacks run inside its
        # context without each needing @with_appcontext.
        current = _cv_app.get(None)
        if current is None or current.app is not app:
            ctx.with_resource(app.app_context())
        found: click.Command | None = app.cli.get_command(ctx, cmd_name)
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Built-in, installed and app commands; an app that fails to load is reported."""
        self._load_plugin_commands()
        names = set(super().list_commands(ctx))
        info = ctx.ensure_object(ScriptInfo)
        try:
            names.update(info.load_app().cli.list_commands(ctx))
        except NoAppException as exc:
            # Help must still show the built-in commands.
            click.secho(f"Error: {exc.format_message()}\n", err=True, fg="red")
        except Exception:
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """Mark the process as run from the command line and create the :class:`ScriptInfo`."""
        # An unguarded app.run() in the imported module must not start a
        # second server inside this command (see hipflask.serving.devserver).
        os.environ[RUN_FROM_CLI_VARIABLE] = "true"
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """With no arguments, still read the env file and ``--app`` before showing help."""
        if not args and self.no_args_is_help:
            # Otherwise the help would not list the app's commands when the
            # app is named only through the environment or a dotenv file.
            _env_file_option.handle_parse_result(ctx, {}, [])
            _app_option.handle_parse_result(ctx, {}, [])
        rest = super().parse_args(ctx, args)
        # After the dotenv files are loaded, before any command reads an option;
        # removed again when the command ends, so that a command invoked in a
        # test leaves the environment as it found it.
        if ctx.auto_envvar_prefix == "HIPFLASK":
            ctx.call_on_close(functools.partial(_forget, adopt_flask_variables()))
        return rest


def adopt_flask_variables() -> list[str]:
    """Copy each ``FLASK_*`` variable to its ``HIPFLASK_*`` name where that is unset.

    An app moving over from Flask keeps its environment and ``.flaskenv``:
    ``FLASK_RUN_PORT`` sets ``run --port`` as ``HIPFLASK_RUN_PORT`` would, and
    the app's ``config.from_prefixed_env()`` sees the same values. Where both
    are set, the ``HIPFLASK_`` one wins. Returns the names that were copied.
    """
    copied = []
    for name, value in list(os.environ.items()):
        if name.startswith("FLASK_") and len(name) > len("FLASK_"):
            target = f"HIP{name}"
            if target not in os.environ:
                os.environ[target] = value
                copied.append(target)
    return copied


def _forget(names: list[str]) -> None:
    for name in names:
        os.environ.pop(name, None)


cli = HipflaskGroup(
    name="hipflask",
    help="""\
A general utility script for hipflask applications.

The app is found with --app, the HIPFLASK_APP (or FLASK_APP) environment
variable, or a wsgi.py or app.py file in the current directory.
""",
)


def main(args: list[str] | None = None) -> None:
    """Entry point of the ``hipflask`` console script.

    Its first line defers ``SIGHUP`` (see :mod:`hipflask.serving.hangups`):
    a deploy tool's reload sent while ``hipflask serve`` starts must not end
    the server. Other commands get the default back once named.
    """
    with hangups_deferred():
        cli.main(args=args if args is not None else sys.argv[1:], prog_name="hipflask")


#: Flask's name, bound here: type checkers do not export an ``import X as Y`` rename.
FlaskGroup = HipflaskGroup
