"""Flask-Migrate's API on Alembic: ``from hipflask.db.migrate import Migrate``.

::

    db = SQLAlchemy(app)
    migrate = Migrate(app, db)

Then ``hipflask db init`` once, ``hipflask db migrate -m "..."`` after each
model change, and ``hipflask db upgrade`` on every deployment. The functions
below are what those commands call, for use from scripts and tests.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ..._extras import require

require("alembic", extra="db")

from alembic import command  # noqa: E402
from alembic.config import Config as AlembicConfig  # noqa: E402

from ...contexts.globals import _require_app  # noqa: E402
from ...errors import ConfigurationError  # noqa: E402

_TEMPLATES = Path(__file__).parent / "templates"

#: Flask-Migrate's template names, which a ported project's scripts keep
#: passing to ``init --template``, and the templates here that do their job.
_FLASK_MIGRATE_TEMPLATES = {"flask": "hipflask", "flask-multidb": "hipflask-multidb"}


class Config(AlembicConfig):
    """Alembic's config, with this package's ``hipflask`` template available.

    ``template_directory`` points ``init`` at a folder of templates of the
    app's own instead, as Flask-Migrate's ``Config`` takes it.
    """

    def __init__(self, *args: Any, template_directory: str | None = None, **kwargs: Any) -> None:
        self.template_directory = template_directory
        super().__init__(*args, **kwargs)

    def get_template_directory(self) -> str:
        return self.template_directory or str(_TEMPLATES)


class _MigrateConfig:
    """What ``env.py`` finds in ``app.extensions["migrate"]``."""

    def __init__(self, migrate: Migrate, db: Any, **configure_args: Any) -> None:
        self.migrate = migrate
        self.db = db
        self.directory = migrate.directory
        self.configure_args = configure_args

    @property
    def metadata(self) -> Any:
        return self.db.metadata


class Migrate:
    """Connect an app's ``db`` to Alembic and add the ``db`` command group.

    ``compare_type`` (column type changes are detected) and ``render_as_batch``
    (SQLite can alter tables) are on, as in Flask-Migrate.
    """

    def __init__(
        self,
        app: Any = None,
        db: Any = None,
        directory: str = "migrations",
        command: str = "db",
        compare_type: bool = True,
        render_as_batch: bool = True,
        **kwargs: Any,
    ) -> None:
        self.configure_callbacks: list[Any] = []
        self.db = db
        self.command = command
        self.directory = str(directory)
        self.alembic_ctx_kwargs = {
            "compare_type": compare_type,
            "render_as_batch": render_as_batch,
            **kwargs,
        }
        if app is not None and db is not None:
            self.init_app(app, db, directory)

    def init_app(
        self,
        app: Any,
        db: Any = None,
        directory: str | None = None,
        command: str | None = None,
        compare_type: bool | None = None,
        render_as_batch: bool | None = None,
        **kwargs: Any,
    ) -> None:
        """Register the migration settings and the CLI group on ``app``."""
        self.db = db or self.db
        if self.db is None:
            raise ConfigurationError(
                "Migrate needs the SQLAlchemy object: Migrate(app, db) or"
                " migrate.init_app(app, db)."
            )
        self.command = command or self.command
        self.directory = str(directory or self.directory)
        arguments = dict(self.alembic_ctx_kwargs)
        if compare_type is not None:
            arguments["compare_type"] = compare_type
        if render_as_batch is not None:
            arguments["render_as_batch"] = render_as_batch
        arguments.update(kwargs)
        self.alembic_ctx_kwargs = arguments
        app.extensions["migrate"] = _MigrateConfig(self, self.db, **arguments)

        from .cli import db as db_group

        app.cli.add_command(db_group, name=self.command)

    def configure(self, f: Any) -> Any:
        """Register ``f(config) -> config`` to adjust the Alembic config of every command."""
        self.configure_callbacks.append(f)
        return f

    def call_configure_callbacks(self, config: Config) -> Config:
        for callback in self.configure_callbacks:
            config = callback(config)
        return config

    def get_config(
        self, directory: str | None = None, x_arg: Any = None, opts: Any = None
    ) -> Config:
        """The Alembic config for ``directory`` (``alembic.ini`` in it, if present)."""
        directory = str(directory or self.directory)
        ini = os.path.join(directory, "alembic.ini")
        # Alembic prints to the stdout of the moment it is given; the current
        # one, so output can be captured (tests, scripts).
        config = Config(ini if os.path.exists(ini) else None, stdout=sys.stdout)
        config.set_main_option("script_location", directory)
        namespace = argparse.Namespace()
        for option in opts or ():
            setattr(namespace, option, True)
        own = list(x_arg) if isinstance(x_arg, (list, tuple)) else [x_arg] if x_arg else []
        # ``hipflask db -x key=value <command>``: the group's, for every command.
        namespace.x = [*_group_option("x_arg", ()), *own]
        config.cmd_opts = namespace
        return self.call_configure_callbacks(config)


def _group_option(name: str, default: Any) -> Any:
    """An option given to the ``db`` group itself (``hipflask db -d dir upgrade``)."""
    import click

    context = click.get_current_context(silent=True)
    if context is None:
        return default
    return context.meta.get(f"hipflask.db.{name}") or default


def _migrate() -> Migrate:
    app = _require_app()
    state = app.extensions.get("migrate")
    if state is None:
        raise ConfigurationError(
            "The app has no migrations set up: add 'migrate = Migrate(app, db)'."
        )
    migrate: Migrate = state.migrate
    return migrate


def _config(directory: str | None, x_arg: Any = None, opts: Any = None) -> Config:
    return _migrate().get_config(directory, x_arg=x_arg, opts=opts)


def list_templates() -> None:
    """Print the repository templates ``init --template`` accepts, with their synopsis."""
    config = Config(stdout=sys.stdout)
    config.print_stdout("Available templates:\n")
    for template in sorted(_TEMPLATES.iterdir()):
        readme = template / "README"
        if readme.is_file():
            synopsis = readme.read_text(encoding="utf-8").splitlines()[0].strip()
            config.print_stdout("%s - %s", template.name, synopsis)


def init(
    directory: str | None = None,
    multidb: bool = False,
    template: str | None = None,
    package: bool = False,
) -> None:
    """Create the migrations folder (``hipflask db init``).

    ``multidb`` picks the ``hipflask-multidb`` template: one folder for the
    default database and every bind of ``SQLALCHEMY_BINDS``, each revision
    holding an ``upgrade_<bind>()`` per database, as Flask-Migrate's
    ``--multidb`` does. A ``template`` given as well wins; Flask-Migrate's
    names ``flask`` and ``flask-multidb`` pick ``hipflask`` and
    ``hipflask-multidb``.
    """
    if multidb and template is None:
        template = "hipflask-multidb"
    directory = str(directory or _migrate().directory)
    # A template given as a path ("templates/ours", or "ours/" as a shell
    # completes it) is a folder of the app's own, relative to the current
    # directory, as Flask-Migrate reads it; a bare name is one of the
    # templates shipped here.
    template_directory = None
    if template is not None and ("/" in template or "\\" in template):
        template_directory, template = os.path.split(template.replace("\\", "/").rstrip("/"))
        template_directory = template_directory or "."
    elif template is not None:
        template = _FLASK_MIGRATE_TEMPLATES.get(template, template)
    config = Config(stdout=sys.stdout, template_directory=template_directory)
    config.set_main_option("script_location", directory)
    config.config_file_name = os.path.join(directory, "alembic.ini")
    config = _migrate().call_configure_callbacks(config)
    command.init(config, directory, template=template or "hipflask", package=package)


def revision(
    directory: str | None = None,
    message: str | None = None,
    autogenerate: bool = False,
    sql: bool = False,
    head: str = "head",
    splice: bool = False,
    branch_label: str | None = None,
    version_path: str | None = None,
    rev_id: str | None = None,
) -> None:
    """Write a new, empty (or autogenerated) revision."""
    opts = ["autogenerate"] if autogenerate else None
    command.revision(
        _config(directory, opts=opts),
        message,
        autogenerate=autogenerate,
        sql=sql,
        head=head,
        splice=splice,
        branch_label=branch_label,
        version_path=version_path,
        rev_id=rev_id,
    )


def migrate(
    directory: str | None = None,
    message: str | None = None,
    sql: bool = False,
    head: str = "head",
    splice: bool = False,
    branch_label: str | None = None,
    version_path: str | None = None,
    rev_id: str | None = None,
    x_arg: Any = None,
) -> None:
    """Autogenerate a revision from the difference between models and database."""
    command.revision(
        _config(directory, x_arg=x_arg, opts=["autogenerate"]),
        message,
        autogenerate=True,
        sql=sql,
        head=head,
        splice=splice,
        branch_label=branch_label,
        version_path=version_path,
        rev_id=rev_id,
    )


def edit(directory: str | None = None, revision: str = "current") -> None:
    """Open a revision file in ``$EDITOR``."""
    command.edit(_config(directory), revision)


def merge(
    directory: str | None = None,
    revisions: Any = "",
    message: str | None = None,
    branch_label: str | None = None,
    rev_id: str | None = None,
) -> None:
    """Write a revision that joins several heads (``merge -m "..." heads``)."""
    command.merge(
        _config(directory), revisions, message=message, branch_label=branch_label, rev_id=rev_id
    )


def upgrade(
    directory: str | None = None,
    revision: str = "head",
    sql: bool = False,
    tag: str | None = None,
    x_arg: Any = None,
) -> None:
    """Apply revisions up to ``revision``."""
    command.upgrade(_config(directory, x_arg=x_arg), revision, sql=sql, tag=tag)


def downgrade(
    directory: str | None = None,
    revision: str = "-1",
    sql: bool = False,
    tag: str | None = None,
    x_arg: Any = None,
) -> None:
    """Revert revisions down to ``revision`` (the previous one by default)."""
    if sql and revision == "-1":
        revision = "head:-1"
    command.downgrade(_config(directory, x_arg=x_arg), revision, sql=sql, tag=tag)


def current(directory: str | None = None, verbose: bool = False) -> None:
    """Print the revision the database is at."""
    command.current(_config(directory), verbose=verbose)


def history(
    directory: str | None = None,
    rev_range: str | None = None,
    verbose: bool = False,
    indicate_current: bool = False,
) -> None:
    """Print the revisions, newest first."""
    command.history(
        _config(directory), rev_range, verbose=verbose, indicate_current=indicate_current
    )


def stamp(
    directory: str | None = None,
    revision: str = "head",
    sql: bool = False,
    tag: str | None = None,
    purge: bool = False,
) -> None:
    """Record ``revision`` as applied without running it."""
    command.stamp(_config(directory), revision, sql=sql, tag=tag, purge=purge)


def heads(
    directory: str | None = None, verbose: bool = False, resolve_dependencies: bool = False
) -> None:
    """Print the head revisions."""
    command.heads(_config(directory), verbose=verbose, resolve_dependencies=resolve_dependencies)


def branches(directory: str | None = None, verbose: bool = False) -> None:
    """Print the revisions where the history branches."""
    command.branches(_config(directory), verbose=verbose)


def show(directory: str | None = None, revision: str = "head") -> None:
    """Print one revision."""
    command.show(_config(directory), revision)


def check(directory: str | None = None) -> None:
    """Fail if the models have changes that no revision covers."""
    command.check(_config(directory))


__all__ = [
    "Config",
    "Migrate",
    "branches",
    "check",
    "current",
    "downgrade",
    "edit",
    "heads",
    "history",
    "init",
    "list_templates",
    "merge",
    "migrate",
    "revision",
    "show",
    "stamp",
    "upgrade",
]
