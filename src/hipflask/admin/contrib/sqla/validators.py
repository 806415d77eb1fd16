"""Validators that need the database: ``Unique`` and ``ItemsRequired``.

A unique column checked only by the database fails on commit with an
``IntegrityError``; checking it in the form turns that into a message next to
the field, before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import ClassVar

import sqlalchemy as sa
from wtforms import Field
from wtforms.validators import InputRequired
from wtforms.validators import ValidationError

from .query import is_storable


def resolve_session(db_session: Any) -> Any:
    """The session to query now, from a ``SQLAlchemy`` object or a session.

    Resolved on every call, never when the form class is built: forms are
    scaffolded once at startup, and a session captured then would be shared by
    every request and never closed.
    """
    session = getattr(db_session, "session", None)
    if session is not None and not isinstance(db_session, sa.orm.Session):
        return session
    return db_session


def same_record(first: Any, second: Any) -> bool:
    """Compare two instances by primary key, whichever session loaded them."""
    if first is second:
        return True
    if first is None or type(first) is not type(second):
        return False
    identity = sa.inspect(type(first)).mapper.primary_key_from_instance
    return bool(identity(first) == identity(second))


class Unique:
    """Refuse a value that another row already has in a unique column.

    The row being edited is found through the form's ``obj`` (the scaffolded
    forms keep it), so saving a row unchanged is not a clash with itself.
    """

    field_flags: ClassVar[dict[str, bool]] = {"unique": True}

    def __init__(
        self, db_session: Any, model: Any, column: Any, message: str | None = None
    ) -> None:
        self.db_session = db_session
        self.model = model
        self.column = column
        self.message = message or "Already exists."

    def __call__(self, form: Any, field: Field) -> None:
        # Databases allow several NULLs in a unique column.
        if field.data is None:
            return
        if not is_storable(field.data):
            # Looked up, a NUL fails the query on PostgreSQL (a 500, not a message).
            raise ValidationError(field.gettext("Not a valid value."))
        session = resolve_session(self.db_session)
        clashes = session.query(self.model).filter(self.column == field.data).limit(2).all()
        edited = getattr(form, "_obj", None)
        if any(not same_record(edited, row) for row in clashes):
            raise ValidationError(str(self.message))


class ItemsRequired(InputRequired):
    """Require at least ``min`` related items in a list of inline forms or a multi-select."""

    def __init__(self, min: int = 1, message: str | None = None) -> None:
        super().__init__(message=message)
        self.min = min

    def __call__(self, form: Any, field: Field) -> None:
        entries = getattr(field, "entries", None)
        if entries is not None:
            # A blank new row is dropped on save, so it must not count: else a
            # parent passes with a row that never reaches the database.
            is_skipped: Callable[[Any], bool] = getattr(
                field, "is_skipped", getattr(field, "should_delete", lambda entry: False)
            )
            count = sum(1 for entry in entries if not is_skipped(entry))
        else:
            count = len(field.data or ())
        if count < self.min:
            message = self.message or field.ngettext(
                "At least %(num)d item is required",
                "At least %(num)d items are required",
                self.min,
            )
            raise ValidationError(message % {"num": self.min} if "%(num)" in message else message)
