"""The app's logger: ``app.logger``.

It is the standard ``logging`` logger named after the app, so existing logging
configuration applies. A handler is added only when nothing would otherwise
print the app's errors, and the level follows ``debug``. That handler writes
to the server's error stream while a WSGI request is handled (so the
messages land in the server's error log), and to ``sys.stderr`` otherwise.
"""

from __future__ import annotations

import logging
import sys
from typing import IO
from typing import Any

from werkzeug.local import LocalProxy

from ..contexts.globals import _current_request_or_none


def _error_stream() -> IO[str]:
    request = _current_request_or_none()
    if request is not None:
        stream: IO[str] | None = request.environ.get("wsgi.errors")
        if stream is not None:
            return stream
    return sys.stderr


#: The WSGI server's error stream during a request, ``sys.stderr`` elsewhere.
wsgi_errors_stream: IO[str] = LocalProxy(_error_stream)  # type: ignore[assignment]

default_handler = logging.StreamHandler(wsgi_errors_stream)
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def has_level_handler(logger: logging.Logger) -> bool:
    """Whether some handler in the logger's chain prints its effective level."""
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


def create_logger(app: Any) -> logging.Logger:
    """Get the app's logger, with debug level and a handler when needed."""
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger
