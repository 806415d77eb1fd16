"""Class-based views, at Flask's import path (``flask.views``)."""

from __future__ import annotations

from .core.views import MethodView as MethodView
from .core.views import View as View
from .core.views import http_method_funcs as http_method_funcs
