"""Run this app's migrations on each of its databases: Alembic calls this file for every command.

The databases are the app's engines (``SQLALCHEMY_DATABASE_URI`` and
``SQLALCHEMY_BINDS``) and the models are those of each bind, so the URLs live
in one place: the app's configuration. The default database is named ``""``
in revisions (``upgrade_()``), a bind by its key (``upgrade_users()``), the
names Flask-Migrate's multidb revisions use, so its revision files run here.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from logging.config import fileConfig
from typing import Any

from alembic import context

from hipflask import current_app

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_config = current_app.extensions["migrate"]
db = migrate_config.db


def bind_key(name: str) -> str | None:
    return name or None


# The default database first, then the binds in their configured order.
database_names = [
    *([""] if None in db.engines else []),
    *(key for key in db.engines if key is not None),
]


def target_metadata(name: str) -> Any:
    return db.metadatas.get(bind_key(name))


def database_url(name: str) -> str:
    url: str = db.engines[bind_key(name)].url.render_as_string(hide_password=False)
    return url


def run_migrations_offline() -> None:
    """Write each database's SQL to ``<bind>.sql`` instead of running it (``--sql``)."""
    for name in database_names:
        logger.info("Migrating database %s", name or "<default>")
        path = f"{name}.sql"
        logger.info("Writing output to %s", path)
        with open(path, "w", encoding="utf-8") as output:
            context.configure(
                url=database_url(name),
                output_buffer=output,
                target_metadata=target_metadata(name),
                literal_binds=True,
                upgrade_token=f"{name}_upgrades",
                downgrade_token=f"{name}_downgrades",
                **migrate_config.configure_args,
            )
            with context.begin_transaction():
                context.run_migrations(engine_name=name)


def skip_empty_revisions(context: Any, revision: Any, directives: list[Any]) -> None:
    # Called once per database; only after the last one is the revision
    # complete, and one with no changes anywhere would only clutter history.
    if not getattr(config.cmd_opts, "autogenerate", False):
        return
    script = directives[0]
    if len(script.upgrade_ops_list) < len(database_names):
        return
    if all(ops.is_empty() for ops in script.upgrade_ops_list):
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_online() -> None:
    arguments = dict(migrate_config.configure_args)
    arguments.setdefault("process_revision_directives", skip_empty_revisions)
    # Every database's transaction stays open until all have run, so an error
    # in one rolls back the others too (where DDL is transactional).
    with ExitStack() as stack:
        for name in database_names:
            logger.info("Migrating database %s", name or "<default>")
            connection = stack.enter_context(db.engines[bind_key(name)].connect())
            stack.enter_context(connection.begin())
            context.configure(
                connection=connection,
                target_metadata=target_metadata(name),
                upgrade_token=f"{name}_upgrades",
                downgrade_token=f"{name}_downgrades",
                **arguments,
            )
            context.run_migrations(engine_name=name)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
