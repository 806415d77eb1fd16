"""Flask-Session's ``flask_session.filesystem`` path: sessions in files."""

from __future__ import annotations

from .interfaces import FileSystemSessionInterface as FileSystemSessionInterface

__all__ = ["FileSystemSessionInterface"]
