"""An admin interface: Flask-Admin's API (``flask_admin`` -> ``hipflask.admin``).

``Admin`` collects views into a menu under ``/admin``; ``BaseView`` and
``expose`` build custom pages; :mod:`hipflask.admin.model` gives a CRUD view
over any data backend, :mod:`hipflask.admin.contrib.sqla` one over
SQLAlchemy models, and :mod:`hipflask.admin.contrib.fileadmin` a file
manager confined to one folder. Differences from Flask-Admin, all on the side of safety:
every admin form carries a CSRF token, deleting is POST only, ``url=``
return targets stay on the site, exports cannot carry spreadsheet
formulas, and the pages load no script or style from a CDN. Needs the
``admin`` extra: ``pip install 'hipflask[admin]'``.
"""

from __future__ import annotations

from .._extras import require

require("wtforms", extra="admin")

from .base import Admin as Admin  # noqa: E402
from .base import AdminIndexView as AdminIndexView  # noqa: E402
from .base import BaseView as BaseView  # noqa: E402
from .base import expose as expose  # noqa: E402
from .base import expose_plugview as expose_plugview  # noqa: E402
from .base import has_default_access as has_default_access  # noqa: E402

__all__ = [
    "Admin",
    "AdminIndexView",
    "BaseView",
    "expose",
    "expose_plugview",
    "has_default_access",
]


def __getattr__(name: str) -> object:
    if name == "__version__":
        # Flask-Admin names its release, which ported code may read;
        # here it is hipflask's, read on use as the package sets it after
        # importing its modules.
        import hipflask

        return hipflask.__version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
