"""``abort`` with a JSON payload, and the JSON body of every error an :class:`Api` answers."""

from __future__ import annotations

from typing import Any
from typing import NoReturn

from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import default_exceptions
from werkzeug.http import HTTP_STATUS_CODES

from ..contexts.ctx import has_app_context
from ..contexts.globals import current_app

__all__ = ["abort", "error_data", "http_status_message"]


def http_status_message(code: int) -> str:
    """The reason phrase of a status code (``""`` when unknown)."""
    return HTTP_STATUS_CODES.get(code, "")


def abort(http_status_code: int, **kwargs: Any) -> NoReturn:
    """Raise the HTTP error for a status code; keyword arguments become its JSON body.

    ``abort(404, message="Todo 3 doesn't exist")`` answers
    ``{"message": "Todo 3 doesn't exist"}`` with a 404 from any :class:`Api`
    resource.
    """
    cls = default_exceptions.get(http_status_code)
    if cls is None:
        exc: HTTPException = HTTPException(description=http_status_message(http_status_code))
        exc.code = http_status_code
    else:
        exc = cls()
    if kwargs:
        exc.data = kwargs  # type: ignore[attr-defined]
        app = current_app._get_current_object() if has_app_context() else None
        if app is not None:
            # Outside an Api (a plain view using reqparse), the payload is
            # still the JSON body instead of being lost in an HTML page.
            body = app.json.dump_bytes(kwargs)
            if not body.endswith(b"\n"):
                body += b"\n"
            exc.response = app.response_class(body, exc.code, mimetype="application/json")
    raise exc


def error_data(exc: HTTPException) -> dict[str, Any]:
    """The JSON body for an HTTP error: its ``data``, else ``{"message": description}``."""
    data = getattr(exc, "data", None)
    if isinstance(data, dict):
        return dict(data)
    code = exc.code or 500
    body: dict[str, Any] = {"message": exc.description or http_status_message(code)}
    errors = getattr(exc, "errors", None)
    if isinstance(errors, list):
        body["errors"] = errors
    return body
