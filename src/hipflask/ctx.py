"""Application and request contexts, at Flask's import path (``flask.ctx``)."""

from __future__ import annotations

from .contexts.ctx import AppContext as AppContext
from .contexts.ctx import RequestContext as RequestContext
from .contexts.ctx import _AppCtxGlobals as _AppCtxGlobals
from .contexts.ctx import after_this_request as after_this_request
from .contexts.ctx import copy_current_request_context as copy_current_request_context
from .contexts.ctx import has_app_context as has_app_context
from .contexts.ctx import has_request_context as has_request_context
