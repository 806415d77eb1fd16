"""A NUL character PostgreSQL cannot store is the client's error: a 400, not a 500.

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


__all__ = ["NulCharacterError", "holds_nul", "refuse_nul_in_requests"]
