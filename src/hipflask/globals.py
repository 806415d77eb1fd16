"""The context globals, at Flask's import path (``flask.globals``)."""

from __future__ import annotations

from .contexts.globals import app_ctx as app_ctx
from .contexts.globals import current_app as current_app
from .contexts.globals import g as g
from .contexts.globals import request as request
from .contexts.globals import request_ctx as request_ctx
from .contexts.globals import session as session
