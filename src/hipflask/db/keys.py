"""A primary key no row can have: ``get_or_404`` answers 404 without asking the database.

``/users/<int:id>`` with ``db.get_or_404(User, id)`` is the usual view, and
the ``int`` converter takes any number of digits. PostgreSQL refuses an
``INTEGER`` parameter past 2**31 - 1 (``integer out of range``) and aborts
the transaction, and SQLite's driver raises ``OverflowError`` for an integer
past 64 bits: either way a URL any client can type was a 500, and on
PostgreSQL the app's own 404 page could not query the database afterwards.
A key outside what its column stores names a row that does not exist, so it
is answered as one, before any statement is sent.

The ranges are those of the integer types on the backends hipflask is
tested on; on other backends, and for other column types, the database is
asked as before. :func:`integer_range` and :func:`dialect_name` are public
so that other lookups by a client's key (the admin's ``?id=``, its filters)
answer the same way from the same table.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

__all__ = ["dialect_name", "integer_range", "is_outside_column", "key_cannot_exist"]

#: Backends whose integer columns hold what the SQL type says.
_SIZED_BACKENDS = frozenset({"postgresql", "mysql", "mariadb"})


def integer_range(column_type: Any, backend: str) -> tuple[int, int] | None:
    """The smallest and largest value an integer column stores on ``backend``.

    ``None`` when the range is not known: not an integer type, or a backend
    whose integer columns are not sized here (the database is then asked).
    ``backend`` is a dialect name, such as ``engine.dialect.name``.
    """
    if not isinstance(column_type, sa.Integer):
        return None
    if backend == "sqlite":
        # Every integer column holds a signed 64-bit value there.
        return -(2**63), 2**63 - 1
    if backend not in _SIZED_BACKENDS:
        return None
    if isinstance(column_type, sa.SmallInteger):
        bits = 16
    elif isinstance(column_type, sa.BigInteger):
        bits = 64
    else:
        bits = 32
    if getattr(column_type, "unsigned", False):
        return 0, 2**bits - 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def _key_values(mapper: Any, ident: Any) -> tuple[Any, ...]:
    """``ident`` as one value per primary-key column, as ``Session.get`` reads it."""
    columns = mapper.primary_key
    if isinstance(ident, dict):
        return tuple(ident.get(mapper.get_property_by_column(c).key) for c in columns)
    if isinstance(ident, (tuple, list)):
        return tuple(ident)
    return (ident,)


def is_outside_column(value: Any, column_type: Any, backend: str) -> bool:
    """Whether ``value`` is an integer a column of ``column_type`` cannot store on ``backend``.

    Anything but an integer, and any integer where :func:`integer_range`
    does not know the range, is left for the database to judge.
    """
    bounds = integer_range(column_type, backend)
    if bounds is None or isinstance(value, bool) or not isinstance(value, int):
        return False
    return not bounds[0] <= value <= bounds[1]


def dialect_name(session: Any, entity: Any) -> str | None:
    """The backend ``session`` sends ``entity``'s statements to (binds included).

    ``None`` when that cannot be told without a query: an object that is not
    mapped, a session with no bind for it.
    """
    try:
        mapper = sa.inspect(entity).mapper
        return str(session.get_bind(mapper=mapper).dialect.name)
    except (sa_exc.NoInspectionAvailable, sa_exc.UnboundExecutionError, AttributeError):
        return None


def key_cannot_exist(session: Any, entity: Any, ident: Any) -> bool:
    """Whether ``ident`` holds an integer its primary-key column cannot store.

    ``session`` is the one ``Session.get`` would run on; it says which
    backend the entity's table is on (binds included).
    """
    backend = dialect_name(session, entity)
    if backend is None:
        return False
    mapper = sa.inspect(entity).mapper
    columns = mapper.primary_key
    values = _key_values(mapper, ident)
    if len(values) != len(columns):
        return False  # Session.get explains a wrong number of values itself
    return any(
        is_outside_column(value, column.type, backend)
        for column, value in zip(columns, values, strict=True)
    )
