"""Model views, at Flask-Admin's path (``flask_admin.model``)."""

from __future__ import annotations

from .base import BaseModelView as BaseModelView
from .form import InlineFormAdmin as InlineFormAdmin
from .views import ViewArgs as ViewArgs

__all__ = ["BaseModelView", "InlineFormAdmin", "ViewArgs"]
