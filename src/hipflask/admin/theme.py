"""Admin themes, at Flask-Admin's import path (``flask_admin.theme``).

Flask-Admin 2 picks its templates and Bootstrap build through a ``Theme``.
The admin here ships one set of templates and a small stylesheet of its own
(no CDN, nothing a strict Content-Security-Policy would block), so a theme
only carries the settings templates read: ``base_template``, ``swatch`` (kept
as a class name on ``<body>``) and ``fluid`` (a full-width layout).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Bootstrap4Theme", "BootstrapTheme", "Theme"]


@dataclass
class Theme:
    """What the admin's templates need to know about their look."""

    folder: str = "admin"
    base_template: str = "admin/base.html"


@dataclass
class BootstrapTheme(Theme):
    """Flask-Admin's Bootstrap theme settings, accepted so ports keep working.

    ``swatch`` names a Bootswatch theme in Flask-Admin; here it becomes the
    ``admin-swatch-<name>`` class on ``<body>`` for an app stylesheet to use.
    """

    swatch: str = "default"
    fluid: bool = False


@dataclass
class Bootstrap4Theme(BootstrapTheme):
    """The default theme, under Flask-Admin 2's name."""
