"""Flask-Session's ``flask_session.sqlalchemy`` path: sessions in an SQL table."""

from __future__ import annotations

from .interfaces import SqlAlchemySession as SqlAlchemySession
from .interfaces import SqlAlchemySessionInterface as SqlAlchemySessionInterface

__all__ = ["SqlAlchemySession", "SqlAlchemySessionInterface"]
