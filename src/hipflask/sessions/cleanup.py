"""Flask-Session's ``flask session_cleanup`` command, for sessions in SQL.

Flask-Session's documentation tells deployments of SQL sessions to run
``flask session_cleanup`` from cron, because its table never expires rows
by itself. hipflask's SQL store sweeps expired rows as it writes, but a
ported crontab still runs the command (``hipflask session_cleanup``), and a
quiet site writes too seldom for the sweep to keep the table small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

import click
import sqlalchemy as sa

from ..stores.base import now_milliseconds
from ..stores.sql import SQLStore

if TYPE_CHECKING:
    from ..stores import Store


def delete_expired_sessions(store: SQLStore) -> int:
    """Delete the expired records under the store's prefix; how many went.

    Only this app's prefix: several apps may keep their sessions in one table.
    """
    store.create_table()
    table = store.table
    expired = sa.delete(table).where(
        table.c.key.startswith(store.make_key(""), autoescape=True),
        table.c.expires_at <= now_milliseconds(),
    )
    with store.engine.begin() as conn:
        return int(conn.execute(expired).rowcount or 0)


def register_cleanup_command(app: Any, store: Store) -> None:
    """Give ``app.cli`` the ``session_cleanup`` command, as Flask-Session does."""
    if not isinstance(store, SQLStore) or "session_cleanup" in app.cli.commands:
        return

    @click.command("session_cleanup")
    def session_cleanup() -> None:
        """Delete expired sessions from the SQL table now."""
        removed = delete_expired_sessions(store)
        click.echo(f"Removed {removed} expired session(s).")

    app.cli.add_command(session_cleanup)
