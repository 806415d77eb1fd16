"""The app's logger helpers, at Flask's import path (``flask.logging``)."""

from __future__ import annotations

from .core.logging import create_logger as create_logger
from .core.logging import default_handler as default_handler
from .core.logging import has_level_handler as has_level_handler
from .core.logging import wsgi_errors_stream as wsgi_errors_stream
