"""Flask-Admin's SQLAlchemy backend: ``from hipflask.admin.contrib.sqla import ModelView``.

::

    from hipflask.admin import Admin
    from hipflask.admin.contrib.sqla import ModelView

    admin = Admin(app)
    admin.add_view(ModelView(User, db))
"""

from __future__ import annotations

from .view import ModelView as ModelView

__all__ = ["ModelView"]
