"""Flask-Session's ``flask_session.redis`` path: sessions in Redis."""

from __future__ import annotations

from .interfaces import RedisSession as RedisSession
from .interfaces import RedisSessionInterface as RedisSessionInterface

__all__ = ["RedisSession", "RedisSessionInterface"]
