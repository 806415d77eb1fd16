"""The SQL sessions' table: refusing one of another layout under its name.

A ported config often keeps ``SESSION_SQLALCHEMY_TABLE = "sessions"``, the
name of the table Flask-Session created (``id``, ``session_id``, ``data``,
``expiry``), or names a table one of the app's models already uses.
hipflask's records need their own columns, so such a table would fail every
session save with a database error that does not say why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

import sqlalchemy as sa

from ..errors import ConfigurationError
from ..stores.sql import SQLStore

if TYPE_CHECKING:
    from collections.abc import Iterable

#: The columns the store reads and writes.
COLUMNS = frozenset({"key", "value", "expires_at"})

#: Flask-Session's columns, to name it as the likely owner of the table.
_FLASK_SESSION_COLUMNS = frozenset({"session_id", "data", "expiry"})


def layout_error(name: str, columns: Iterable[str]) -> ConfigurationError | None:
    """The error to raise when table ``name`` with ``columns`` cannot hold sessions."""
    present = set(columns)
    if present >= COLUMNS:
        return None
    owner = (
        "Flask-Session's sessions table"
        if present >= _FLASK_SESSION_COLUMNS
        else "a table of another layout"
    )
    return ConfigurationError(
        f"SESSION_SQLALCHEMY_TABLE {name!r} names {owner} (columns"
        f" {', '.join(sorted(present))}), which cannot hold hipflask's session records"
        f" ({', '.join(sorted(COLUMNS))}). Set SESSION_SQLALCHEMY_TABLE to a name of"
        " its own, or leave it unset for 'hipflask_sessions'; records written by"
        " Flask-Session are not read either way, so visitors log in again once."
    )


def check_model_table(table: sa.Table) -> None:
    """Refuse, when ``Session(app)`` runs, a table the app's models define under the name."""
    error = layout_error(table.name, (column.name for column in table.columns))
    if error is not None:
        raise error


class SessionSQLStore(SQLStore):
    """The SQL store, checking the database's table of that name before first use.

    Checked on first use, not at start-up: ``Session(app)`` must not need the
    database to be reachable. Until the table is right, every session save
    fails with the error above (a 503, logged with its text).
    """

    def create_table(self) -> None:
        """Refuse an existing table of another layout, then create a missing one."""
        inspector: Any = sa.inspect(self.engine)
        if inspector.has_table(self.table.name):
            columns = (column["name"] for column in inspector.get_columns(self.table.name))
            error = layout_error(self.table.name, columns)
            if error is not None:
                raise error
        super().create_table()
