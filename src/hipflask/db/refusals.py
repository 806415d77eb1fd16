"""Values from a request that the database cannot store are the client's error: a 400.

Two kinds: a NUL character PostgreSQL cannot store, and a number past the
range of the column it is compared with or written to.

PostgreSQL's text types cannot hold the character U+0000, and its drivers
refuse a statement carrying one: psycopg 3 (sync and async) with a
``DataError``, psycopg2 with a plain ``ValueError`` before anything is sent.
A request can put one in any value it sends (``?name=%00``, a form field, a
JSON string), and a view that passes it to a query would otherwise fail with
a 500 that no Flask-SQLAlchemy app thinks of guarding against. SQLite and MySQL/MariaDB
store the character, so only PostgreSQL engines are watched.

The error raised instead is both a :class:`~werkzeug.exceptions.BadRequest`
(the app's ``errorhandler(400)`` answers it) and the
:class:`sqlalchemy.exc.DataError` it replaces, so code that catches the
latter keeps working.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import BadRequest

from ..contexts.ctx import has_request_context

#: How deep :func:`holds_nul` looks into nested parameters (executemany
#: lists of dicts, PostgreSQL arrays of arrays).
_MAX_DEPTH = 4


# Both bases define ``code``: SQLAlchemy's is the text of its documentation
# link, used only by its ``__str__`` (replaced below); the HTTP status that
# BadRequest puts first is the one an error handler must see.
class NulCharacterError(BadRequest, sa_exc.DataError):  # type: ignore[misc]
    """A value sent to PostgreSQL held a NUL character (U+0000) it cannot store.

    Raised in place of the driver's ``DataError`` while a request is handled,
    so the client gets a 400 saying what was wrong with what it sent. Outside
    a request (a CLI command, a script) the driver's error is left as it is.
    """

    description = "A value in the request holds a NUL character, which the database cannot store."

    def __init__(self, statement: str | None, params: Any, orig: BaseException) -> None:
        # Not BadRequest.__init__: its cooperative super() call would reach
        # DBAPIError.__init__ without the statement it needs.
        sa_exc.DataError.__init__(self, statement, params, orig, hide_parameters=True)
        self.response = None

    def __str__(self) -> str:
        return f"{self.code} {self.name}: {self.description}"


def holds_nul(value: Any, depth: int = 0) -> bool:
    """Whether a statement's parameters hold a string with a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if depth >= _MAX_DEPTH:
        return False
    if isinstance(value, Mapping):
        return any(holds_nul(item, depth + 1) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(holds_nul(item, depth + 1) for item in value)
    return False


def _answer_nul_with_400(context: sa.engine.ExceptionContext) -> BaseException | None:
    # psycopg2's refusal is no DBAPI error, so SQLAlchemy does not wrap it.
    refused = isinstance(context.sqlalchemy_exception, sa_exc.DataError) or (
        context.sqlalchemy_exception is None and type(context.original_exception) is ValueError
    )
    if not refused:
        return None
    if not has_request_context() or not holds_nul(context.parameters):
        return None
    return NulCharacterError(context.statement, context.parameters, context.original_exception)


def refuse_nul_in_requests(engine: sa.Engine) -> None:
    """Watch a PostgreSQL engine for NUL characters sent during a request.

    Costs nothing until a statement fails: the parameters are looked at only
    when the driver has already refused one with a ``DataError`` (or, for
    psycopg2, a ``ValueError``).
    """
    if engine.dialect.name == "postgresql":
        sa.event.listen(engine, "handle_error", _answer_nul_with_400)


#: PostgreSQL's SQLSTATE for ``numeric_value_out_of_range``.
_OUT_OF_RANGE = "22003"
#: What PostgreSQL's ``INTEGER`` holds: a smaller number is never blamed on the client.
_INT4_MAX = 2**31 - 1


class NumberOutOfRangeError(BadRequest, sa_exc.DataError):  # type: ignore[misc]
    """A number sent to the database was outside the range its column stores.

    ``?user=2147483648`` compared with a PostgreSQL ``INTEGER`` (``integer
    out of range``), or an integer past 64 bits given to SQLite (its driver's
    ``OverflowError``): a URL converter or a JSON body takes any number of
    digits, and the database's refusal was a 500. Raised in its place while
    a request is handled, as :class:`NulCharacterError` is; ``get_or_404``
    answers such a key with 404 before asking (:mod:`hipflask.db.keys`).
    On PostgreSQL the transaction is aborted, as by any failed statement,
    until the request's session is removed.
    """

    description = "A number in the request is outside the range the database can store."

    def __init__(self, statement: str | None, params: Any, orig: BaseException) -> None:
        # See NulCharacterError.__init__.
        sa_exc.DataError.__init__(self, statement, params, orig, hide_parameters=True)
        self.response = None

    def __str__(self) -> str:
        return f"{self.code} {self.name}: {self.description}"


def holds_large_int(value: Any, depth: int = 0) -> bool:
    """Whether a statement's parameters hold an integer past PostgreSQL's ``INTEGER``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return not -_INT4_MAX - 1 <= value <= _INT4_MAX
    if depth >= _MAX_DEPTH:
        return False
    if isinstance(value, Mapping):
        return any(holds_large_int(item, depth + 1) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(holds_large_int(item, depth + 1) for item in value)
    return False


def _sqlstate(exc: BaseException | None) -> str | None:
    """The SQLSTATE of a driver's error: psycopg 3 names it ``sqlstate``, psycopg2 ``pgcode``."""
    state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    return state if isinstance(state, str) else None


def _answer_range_with_400(context: sa.engine.ExceptionContext) -> BaseException | None:
    if not has_request_context():
        return None
    original = context.original_exception
    if context.sqlalchemy_exception is None and type(original) is OverflowError:
        # sqlite3 refuses to bind an integer past 64 bits; no DBAPI error.
        refused = context.engine is not None and context.engine.dialect.name == "sqlite"
    else:
        refused = (
            isinstance(context.sqlalchemy_exception, sa_exc.DataError)
            and _sqlstate(original) == _OUT_OF_RANGE
            and holds_large_int(context.parameters)
        )
    if not refused:
        return None
    return NumberOutOfRangeError(context.statement, context.parameters, original)


def refuse_out_of_range_in_requests(engine: sa.Engine) -> None:
    """Watch a PostgreSQL or SQLite engine for numbers it refuses during a request.

    Costs nothing until a statement fails. MySQL and MariaDB compare such a
    number without an error (and refuse to store it only in strict mode,
    where the app's validation belongs), so they are not watched.
    """
    if engine.dialect.name in ("postgresql", "sqlite"):
        sa.event.listen(engine, "handle_error", _answer_range_with_400)


__all__ = [
    "NulCharacterError",
    "NumberOutOfRangeError",
    "holds_large_int",
    "holds_nul",
    "refuse_nul_in_requests",
    "refuse_out_of_range_in_requests",
]
