"""The ORM session ``db.session`` hands out, and how it picks a database.

A model whose table belongs to a bind (``__bind_key__``, or ``db.Table(...,
bind_key=...)``) is read and written through that bind's engine; everything
else goes to the default engine. The engines are the current app's, so one
``db`` serves several apps (an app factory, tests) without mixing them up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from .extension import SQLAlchemy


_NO_DEFAULT = (
    " Models and tables without a __bind_key__ live in the default database: set"
    " SQLALCHEMY_DATABASE_URI, give them a bind key, or name only the binds to use"
    " (db.create_all(bind_key=[...]))."
)


class UnknownBindError(ConfigurationError, sa.exc.UnboundExecutionError):
    """A model, table or call names a bind key that ``SQLALCHEMY_BINDS`` lacks.

    Falling back to the default database would write the rows to the wrong
    one. An :class:`~sqlalchemy.exc.UnboundExecutionError` with
    Flask-SQLAlchemy's message, so ported ``except`` clauses still match.
    The key ``None`` is the default database, missing when only
    ``SQLALCHEMY_BINDS`` is set: its message names ``SQLALCHEMY_DATABASE_URI``.
    """

    def __init__(self, bind_key: str | None) -> None:
        message = f"Bind key '{bind_key}' is not in 'SQLALCHEMY_BINDS' config."
        if bind_key is None:
            # Flask-SQLAlchemy's words first, so ported checks of the message
            # still match; then what to do about it.
            message = f"'SQLALCHEMY_DATABASE_URI' config is not set. {message}{_NO_DEFAULT}"
        super().__init__(message)
        self.bind_key = bind_key


def bind_key_of(mapper: Any = None, clause: Any = None) -> tuple[bool, str | None]:
    """The bind key of what a statement touches: ``(found, key)``."""
    if mapper is not None:
        info = orm.class_mapper(mapper) if isinstance(mapper, type) else mapper
        table: Any = info.persist_selectable
        if isinstance(table, sa.Table):
            return True, table.metadata.info.get("bind_key")
    if clause is not None:
        found: list[Any] = sa.sql.util.find_tables(clause, include_crud=True)
        for table in found:
            if "bind_key" in table.metadata.info:
                return True, table.metadata.info["bind_key"]
    return False, None


class Session(orm.Session):
    """An ORM session that routes each statement to its bind's engine."""

    def __init__(self, db: SQLAlchemy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._db = db

    def get_bind(
        self,
        mapper: Any = None,
        clause: Any = None,
        bind: Any = None,
        **kwargs: Any,
    ) -> Any:
        if bind is not None:
            return bind
        found, key = bind_key_of(mapper, clause)
        engines = self._db.engines
        if found and key in engines:
            return engines[key]
        if found and key is not None:
            raise UnknownBindError(key)
        if None in engines:
            return engines[None]
        try:
            return super().get_bind(mapper=mapper, clause=clause, **kwargs)
        except sa.exc.UnboundExecutionError:
            if found:
                # A default-database model with only SQLALCHEMY_BINDS set:
                # name the setting, not SQLAlchemy's "no bind configured".
                raise UnknownBindError(None) from None
            raise


__all__ = ["Session", "UnknownBindError", "bind_key_of"]
