"""Flask-Session's ``flask_session.cachelib`` path: sessions where a cachelib cache keeps them."""

from __future__ import annotations

from .interfaces import CacheLibSession as CacheLibSession
from .interfaces import CacheLibSessionInterface as CacheLibSessionInterface

__all__ = ["CacheLibSession", "CacheLibSessionInterface"]
