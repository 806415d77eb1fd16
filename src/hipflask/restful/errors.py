"""``abort`` with a JSON payload, and the JSON body of every error an :class:`Api` answers."""

from __future__ import annotations

from typing import Any
from typing import NoReturn

from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import default_exceptions
from werkzeug.http import HTTP_STATUS_CODES

from ..contexts.ctx import has_app_context
from ..contexts.globals import current_app

__all__ = ["abort", "error_data", "has_own_response", "http_status_message"]


def http_status_message(code: int) -> str:
    """The reason phrase of a status code (``""`` when unknown)."""
    return HTTP_STATUS_CODES.get(code, "")


def abort(http_status_code: int, **kwargs: Any) -> NoReturn:
    """Raise the HTTP error for a status code; keyword arguments become its JSON body.

    ``abort(404, message="Todo 3 doesn't exist")`` answers
    ``{"message": "Todo 3 doesn't exist"}`` with a 404 from any :class:`Api`
    resource.
    """
    app = current_app._get_current_object() if has_app_context() else None
    exc = _exception_for(app, http_status_code)
    if kwargs:
        exc.data = kwargs  # type: ignore[attr-defined]
        body = _json_or_none(app, kwargs) if app is not None else None
        if app is not None and body is not None:
            # Outside an Api (a plain view using reqparse), the payload is
            # still the JSON body instead of being lost in an HTML page.
            if not body.endswith(b"\n"):
                body += b"\n"
            exc.response = app.response_class(body, exc.code, mimetype="application/json")
            # Marked as this fallback: an Api answers the payload through its
            # own representations, and only a response the raiser chose
            # itself is sent unchanged (see ``has_own_response``).
            exc._restful_payload_response = exc.response  # type: ignore[attr-defined]
    raise exc


def _exception_for(app: Any, code: int) -> HTTPException:
    """The HTTP error ``flask.abort(code)`` would raise, or one with that code.

    In an app context the app's ``aborter`` decides, as for ``flask.abort``:
    a class the app mapped to the status (``app.aborter.mapping[404] =
    TodoNotFound``) is raised, for its ``errors=`` entry or error handler to
    name. A status neither it nor Werkzeug has an exception for is still
    raised with that code, not turned into a 500.
    """
    if app is not None:
        try:
            app.aborter(code)
        except HTTPException as mapped:
            return mapped
        except LookupError:
            pass
    cls = default_exceptions.get(code)
    if cls is not None:
        return cls()
    exc = HTTPException(description=http_status_message(code))
    exc.code = code
    return exc


def _json_or_none(app: Any, payload: dict[str, Any]) -> bytes | None:
    """The payload as JSON, or ``None`` when JSON cannot hold it.

    A value such as an exception object given as the ``message`` leaves the
    error without a body of its own: it is still raised with its status, and
    answered by the app's page for that status (an Api's JSON answer fails
    the same way and falls back to it, as in Flask-RESTful), not a 500.
    """
    try:
        body: bytes = app.json.dump_bytes(payload)
    except (TypeError, ValueError):
        return None
    return body


def has_own_response(exc: HTTPException) -> bool:
    """Whether ``exc`` carries a response its raiser built (``Unauthorized(response=...)``).

    That response is the answer, body and headers (a ``WWW-Authenticate``
    challenge, a custom body): an :class:`Api` must not replace it with JSON.
    The JSON fallback :func:`abort` attaches for plain views does not count.
    """
    response = exc.response
    return response is not None and response is not getattr(exc, "_restful_payload_response", None)


def error_data(exc: BaseException) -> Any:
    """The body for an error: its own ``data`` (any JSON value), else ``{"message": ...}``.

    ``data`` is used whatever the exception's class and whatever its type (a
    dict, a list of messages …), as an app written for Flask-RESTful sets it.
    A dict is copied, so merging the ``errors=`` entry into the answer never
    changes a ``data`` shared by every instance of a class.
    """
    data = getattr(exc, "data", None)
    if isinstance(data, dict):
        return dict(data)
    if data is not None:
        return data
    if not isinstance(exc, HTTPException):
        # The reason phrase, as Flask-RESTful answers an unexpected error.
        return {"message": http_status_message(500)}
    code = exc.code or 500
    body: dict[str, Any] = {"message": exc.description or http_status_message(code)}
    errors = getattr(exc, "errors", None)
    if isinstance(errors, list):
        body["errors"] = errors
    return body
