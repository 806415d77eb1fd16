"""Refuse to serve an admin that anyone could open.

Flask-Admin's views admit every visitor until the app overrides
``is_accessible`` (or ``_handle_view``); its quick start adds a model view
and nothing else, which is fine on a developer's machine and a data leak on
a public server. Ported apps keep that behaviour in development, and
``hipflask serve`` refuses to start while such a view is registered, naming
each view and how to protect it. The stock index page is left out: it shows
only the menu entries the visitor may open (an index with a template of the
app's own, a dashboard, is checked).

An app that enforces access some other way (a ``before_request`` hook on the
admin's URLs, a proxy asking for credentials), or whose admin is meant to
be public, sets ``ADMIN_REQUIRE_ACCESS_CHECK = False``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from typing import Any

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from ..core.app import Hipflask

__all__ = ["check_admin_access", "open_admin_views"]


def open_admin_views(app: Hipflask) -> Iterator[Any]:
    """Each view of the app's admins that keeps the default access checks."""
    admins = app.extensions.get("admin") or ()
    if not admins:
        return
    # Imported only for an app with an admin: the admin needs an extra.
    from ..admin.base import has_default_access
    from ..admin.base import is_stock_index

    for admin in admins:
        for view in admin.views:
            if has_default_access(view) and not is_stock_index(view):
                yield view


def check_admin_access(app: Hipflask) -> None:
    """Raise :class:`ConfigurationError` naming each admin view open to everyone.

    Skipped when ``ADMIN_REQUIRE_ACCESS_CHECK`` is false (see the module).
    """
    if not app.config.get("ADMIN_REQUIRE_ACCESS_CHECK", True):
        return
    views = list(open_admin_views(app))
    if not views:
        return
    lines = [
        "Refusing to serve an admin that anyone can open: these admin views keep the"
        " default access check, which admits every visitor:"
    ]
    for view in views:
        lines.append(f"  {type(view).__name__} {view.name!r} at {view.url}")
    lines.append(
        "Override is_accessible() on them (for example, return"
        " current_user.is_authenticated and current_user.is_admin),"
        " or, if access is enforced elsewhere or the admin is meant to be public,"
        " set ADMIN_REQUIRE_ACCESS_CHECK = False."
    )
    raise ConfigurationError("\n".join(lines))
