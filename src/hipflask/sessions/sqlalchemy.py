"""Flask-Session's ``flask_session.sqlalchemy`` path: sessions in an SQL table."""

from __future__ import annotations

from .server import SqlAlchemySessionInterface as SqlAlchemySessionInterface

__all__ = ["SqlAlchemySessionInterface"]
