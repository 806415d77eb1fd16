"""Flask-Session's ``flask_session.filesystem`` path: sessions in files."""

from __future__ import annotations

from .interfaces import FileSystemSession as FileSystemSession
from .interfaces import FileSystemSessionInterface as FileSystemSessionInterface

__all__ = ["FileSystemSession", "FileSystemSessionInterface"]
