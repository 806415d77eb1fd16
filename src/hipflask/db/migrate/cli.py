"""``hipflask db ...``: the migration commands, as Flask-Migrate names them.

Each command runs in the app context (the app's database and models) and
turns Alembic's errors, and a database that cannot be reached, into a
one-line message and exit status 1.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any
from typing import TypeVar

import click
from alembic.util import CommandError
from sqlalchemy import exc as sa_exc

from ...core.commands import AppGroup
from ...errors import HipflaskError

F = TypeVar("F", bound=Callable[..., Any])

_DIRECTORY = click.option(
    "-d", "--directory", default=None, help='Migration script directory (default is "migrations").'
)
_X_ARG = click.option(
    "-x", "--x-arg", multiple=True, help="Additional arguments consumed by custom env.py scripts."
)


def _connect_failure(exc: sa_exc.DBAPIError) -> str:
    """One line for a database that could not be reached, and what to check.

    The first thing a new app's ``db upgrade`` meets is often a database not
    created yet or a server not running; a page of traceback hides the one
    line that says which. The driver's message names the host, port and
    database, never the password.
    """
    reason = " ".join(str(exc.orig).split())
    return (
        f"Cannot connect to the database: {reason}. Check SQLALCHEMY_DATABASE_URI"
        " (and SQLALCHEMY_BINDS), that the server is running, and that the database"
        " exists (PostgreSQL: createdb NAME; MySQL/MariaDB: CREATE DATABASE NAME)."
    )


def _flask_script(exc: BaseException) -> str | None:
    """The migration script that failed reading Flask's ``current_app``, if one did.

    A Flask-Migrate folder's ``env.py`` (and a ``--multidb`` one's
    ``script.py.mako``) imports ``current_app`` from ``flask``. With Flask
    still installed, that import works and the proxy is unbound here, so the
    error is Flask's "Working outside of application context", whose advice
    (push an app context) does not apply: the command runs in hipflask's.
    """
    flask = sys.modules.get("flask")
    flask_app = getattr(flask, "current_app", None)
    if flask_app is None:
        return None
    found = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("current_app") is flask_app:
            found = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return found


def _clean_errors(f: F) -> F:
    """Alembic's errors as one line and exit status 1; the group's ``-d`` as the default."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "directory" in kwargs and not kwargs["directory"]:
            meta = click.get_current_context().meta
            kwargs["directory"] = meta.get("hipflask.db.directory")
        try:
            return f(*args, **kwargs)
        except (CommandError, HipflaskError) as exc:
            hint = ""
            if "Path doesn't exist" in str(exc) or "No 'script_location'" in str(exc):
                hint = " Run 'hipflask db init' first to create the migrations folder."
            raise click.ClickException(f"{exc}{hint}") from exc
        except sa_exc.DBAPIError as exc:
            if exc.statement is not None:
                raise  # a statement of a migration failed: its traceback says where
            raise click.ClickException(_connect_failure(exc)) from exc
        except RuntimeError as exc:
            script = _flask_script(exc)
            if script is None:
                raise
            raise click.ClickException(
                f"{script} reads Flask's current_app, which hipflask does not set:"
                " change its 'from flask import current_app' to"
                " 'from hipflask import current_app', as a Flask-Migrate folder needs."
            ) from exc

    return wrapper  # type: ignore[return-value]


@click.group(cls=AppGroup)
@_DIRECTORY
@_X_ARG
@click.pass_context
def db(ctx: click.Context, directory: str | None, x_arg: tuple[str, ...]) -> None:
    """Database migrations (Alembic)."""
    # For the subcommands, as Flask-Migrate takes them: a command's own -d
    # wins, and the group's -x arguments come before the command's.
    ctx.meta["hipflask.db.directory"] = directory
    ctx.meta["hipflask.db.x_arg"] = x_arg


@db.command("list-templates")
@_clean_errors
def list_templates() -> None:
    """List the repository templates."""
    from . import list_templates as run

    run()


@db.command()
@_DIRECTORY
@click.option(
    "--multidb", is_flag=True, help="One migrations folder for all the databases (binds)."
)
@click.option("-t", "--template", default=None, help="Repository template to use.")
@click.option("--package", is_flag=True, help="Write empty __init__.py files.")
@_clean_errors
def init(directory: str | None, multidb: bool, template: str | None, package: bool) -> None:
    """Create a new migration repository."""
    from . import init as run

    run(directory, multidb, template, package)


@db.command()
@_DIRECTORY
@click.option("-m", "--message", default=None, help="Revision message.")
@click.option("--autogenerate", is_flag=True, help="Populate revision from the models.")
@click.option("--sql", is_flag=True, help="Print SQL instead of running it.")
@click.option("--head", default="head", help="Base revision of the new revision.")
@click.option("--splice", is_flag=True, help="Allow a non-head revision as the head.")
@click.option("--branch-label", default=None, help="Branch label for the new revision.")
@click.option("--version-path", default=None, help="Where to write the new revision.")
@click.option("--rev-id", default=None, help="Revision id to use instead of a random one.")
@_clean_errors
def revision(
    directory: str | None,
    message: str | None,
    autogenerate: bool,
    sql: bool,
    head: str,
    splice: bool,
    branch_label: str | None,
    version_path: str | None,
    rev_id: str | None,
) -> None:
    """Create a new revision file."""
    from . import revision as run

    run(directory, message, autogenerate, sql, head, splice, branch_label, version_path, rev_id)


@db.command()
@_DIRECTORY
@click.option("-m", "--message", default=None, help="Revision message.")
@click.option("--sql", is_flag=True, help="Print SQL instead of running it.")
@click.option("--head", default="head", help="Base revision of the new revision.")
@click.option("--splice", is_flag=True, help="Allow a non-head revision as the head.")
@click.option("--branch-label", default=None, help="Branch label for the new revision.")
@click.option("--version-path", default=None, help="Where to write the new revision.")
@click.option("--rev-id", default=None, help="Revision id to use instead of a random one.")
@_X_ARG
@_clean_errors
def migrate(
    directory: str | None,
    message: str | None,
    sql: bool,
    head: str,
    splice: bool,
    branch_label: str | None,
    version_path: str | None,
    rev_id: str | None,
    x_arg: tuple[str, ...],
) -> None:
    """Autogenerate a revision from the models."""
    from . import migrate as run

    run(directory, message, sql, head, splice, branch_label, version_path, rev_id, x_arg)


@db.command()
@_DIRECTORY
@click.argument("revision", default="head")
@_clean_errors
def edit(directory: str | None, revision: str) -> None:
    """Edit a revision file in $EDITOR."""
    from . import edit as run

    run(directory, revision)


@db.command()
@_DIRECTORY
@click.option("-m", "--message", default=None, help="Merge revision message.")
@click.option("--branch-label", default=None, help="Branch label for the merge revision.")
@click.option("--rev-id", default=None, help="Revision id to use instead of a random one.")
@click.argument("revisions", nargs=-1)
@_clean_errors
def merge(
    directory: str | None,
    message: str | None,
    branch_label: str | None,
    rev_id: str | None,
    revisions: tuple[str, ...],
) -> None:
    """Merge several revisions (say, two heads) into one."""
    from . import merge as run

    run(directory, list(revisions), message, branch_label, rev_id)


@db.command()
@_DIRECTORY
@click.option("--sql", is_flag=True, help="Print SQL instead of running it.")
@click.option("--tag", default=None, help="Tag passed to env.py.")
@_X_ARG
@click.argument("revision", default="head")
@_clean_errors
def upgrade(
    directory: str | None, sql: bool, tag: str | None, x_arg: tuple[str, ...], revision: str
) -> None:
    """Upgrade the database to a later revision."""
    from . import upgrade as run

    run(directory, revision, sql, tag, x_arg)


@db.command()
@_DIRECTORY
@click.option("--sql", is_flag=True, help="Print SQL instead of running it.")
@click.option("--tag", default=None, help="Tag passed to env.py.")
@_X_ARG
@click.argument("revision", default="-1")
@_clean_errors
def downgrade(
    directory: str | None, sql: bool, tag: str | None, x_arg: tuple[str, ...], revision: str
) -> None:
    """Revert the database to an earlier revision."""
    from . import downgrade as run

    run(directory, revision, sql, tag, x_arg)


@db.command()
@_DIRECTORY
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output.")
@_clean_errors
def current(directory: str | None, verbose: bool) -> None:
    """Show the database's current revision."""
    from . import current as run

    run(directory, verbose)


@db.command()
@_DIRECTORY
@click.option("-r", "--rev-range", default=None, help="Range of revisions, as [start]:[end].")
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output.")
@click.option("-i", "--indicate-current", is_flag=True, help="Mark the current revision.")
@_clean_errors
def history(
    directory: str | None, rev_range: str | None, verbose: bool, indicate_current: bool
) -> None:
    """List the revisions in order."""
    from . import history as run

    run(directory, rev_range, verbose, indicate_current)


@db.command()
@_DIRECTORY
@click.option("--sql", is_flag=True, help="Print SQL instead of running it.")
@click.option("--tag", default=None, help="Tag passed to env.py.")
@click.option("--purge", is_flag=True, help="Delete the version table before stamping.")
@click.argument("revision", default="head")
@_clean_errors
def stamp(directory: str | None, sql: bool, tag: str | None, purge: bool, revision: str) -> None:
    """Record a revision as applied without running migrations."""
    from . import stamp as run

    run(directory, revision, sql, tag, purge)


@db.command()
@_DIRECTORY
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output.")
@click.option("--resolve-dependencies", is_flag=True, help="Treat dependencies as down revisions.")
@_clean_errors
def heads(directory: str | None, verbose: bool, resolve_dependencies: bool) -> None:
    """Show the current head revisions."""
    from . import heads as run

    run(directory, verbose, resolve_dependencies)


@db.command()
@_DIRECTORY
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output.")
@_clean_errors
def branches(directory: str | None, verbose: bool) -> None:
    """Show the revisions where the history branches."""
    from . import branches as run

    run(directory, verbose)


@db.command()
@_DIRECTORY
@click.argument("revision", default="head")
@_clean_errors
def show(directory: str | None, revision: str) -> None:
    """Show one revision."""
    from . import show as run

    run(directory, revision)


@db.command()
@_DIRECTORY
@_clean_errors
def check(directory: str | None) -> None:
    """Fail if the models changed in ways no revision covers."""
    from . import check as run

    run(directory)


__all__ = ["db"]
