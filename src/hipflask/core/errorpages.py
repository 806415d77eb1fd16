"""Error pages that tell the client what happened and nothing more.

A production error page is read by whoever caused the error, attackers
included. A traceback, a file path, an exception's text (an SQL fragment, a
key name) or a server version helps them aim; none of it helps a user. So
the page says which error it is and, for a server error, a *request id*: a
random value that is logged with the exception, so a user's report ("it
failed, the id was 7f3c…") leads straight to the traceback in the logs.

Pages are HTML, or JSON for clients that ask for JSON in ``Accept`` before
HTML (``fetch`` calls, API clients), so a script gets a body it can parse.
Debug mode is untouched: there errors propagate to the debugger.
"""

from __future__ import annotations

import re
import secrets
from html import escape
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.datastructures import EnvironHeaders
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header
from werkzeug.wrappers import Response as _WerkzeugResponse

from ..contexts import globals as _globals
from ..wrappers import layout
from ..wrappers.headers import add_vary
from ..wrappers.headers import raw_value

if TYPE_CHECKING:
    from werkzeug.exceptions import HTTPException

    from ..wrappers.request import Request
    from ..wrappers.response import Response

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request

__all__ = [
    "current_request_id",
    "http_error_json",
    "prefers_json",
    "server_error_page",
    "wants_json",
]

_JSON = "application/json"
# What a request id set by the app on ``g.request_id`` may look like to be
# shown; anything else is replaced, so no markup or newline reaches a page
# or a log line through it.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}\Z")

_SERVER_ERROR_HTML = """<!doctype html>
<html lang=en>
<title>500 Internal Server Error</title>
<h1>Internal Server Error</h1>
<p>The server could not complete the request. The error has been logged;
if you report it, please quote this request id: <code>{request_id}</code></p>
"""


def wants_json(accept: str | None) -> bool:
    """Whether the ``Accept`` header prefers JSON to HTML.

    Costs one substring test for the usual browser ``Accept`` (no
    ``json`` in it); only then is the header parsed.
    """
    if not accept or "json" not in accept:
        return False
    accepted = parse_accept_header(accept, MIMEAccept)
    json_quality = accepted[_JSON]
    html_quality = accepted["text/html"]
    if json_quality != html_quality:
        return json_quality > html_quality
    # A tie (``application/json, */*``): JSON when named and HTML only
    # reached through a wildcard, or when named first.
    html_at = accept.find("html")
    return json_quality > 0 and (html_at < 0 or accept.find("json") < html_at)


def prefers_json(request: Request) -> bool:
    """Whether this request's ``Accept`` prefers JSON to HTML (see :func:`wants_json`).

    Under WSGI the header is read from the environ: through ``EnvironHeaders``
    a missing header costs an exception, and most requests that end in a
    404 carry no ``Accept`` at all. Under ASGI it is read from the scope's
    list while ``request.headers`` has not been made.
    """
    fields = vars(request)
    if "headers" not in fields:
        raw = fields.get("_raw_headers")
        if raw is not None:
            # Under ASGI the header object is not made for this one header
            # either: scanners' 404s rarely read any other.
            return wants_json(raw_value(raw, b"accept"))
    headers = request.headers
    if isinstance(headers, EnvironHeaders):
        return wants_json(headers.environ.get("HTTP_ACCEPT"))
    return wants_json(headers.get("Accept"))


#: The ``Vary`` header of a stock error page made here: the one object the
#: finishers recognise (see :func:`hipflask.core.direct.finish_plain`), so
#: that such a page keeps the short way through them.
VARY_ACCEPT = ("Vary", "Accept")


def varies_on_accept(response: Response) -> Response:
    """Mark a page that is JSON or HTML by the request's ``Accept``: ``Vary: Accept``.

    A 404 may be kept by a shared cache (some CDNs keep one for an hour
    unless told otherwise); without the header, one client's JSON page would
    be served to every browser asking for the same URL, or the reverse.
    """
    listed = getattr(response.headers, "_list", None) if layout.FAST else None
    if (
        type(listed) is list
        and len(listed) == 2
        and listed[0][0] == "Content-Type"
        and listed[1][0] == "Content-Length"
    ):
        # A page just made with only its constructor's headers: nothing to
        # merge with, and the finishers know this very pair.
        listed.append(VARY_ACCEPT)
    else:
        add_vary(response.headers, "Accept")
    return response


def current_request_id() -> str:
    """The current request's id: ``g.request_id`` when the app set a sane one, else a new one.

    Apps that already tag requests (from a proxy's ``X-Request-ID``, say)
    keep their ids; the value is stored on ``g.request_id`` for the rest of
    the request either way.
    """
    app_ctx = _cv_app.get(None)
    existing = app_ctx.g.get("request_id") if app_ctx is not None else None
    if isinstance(existing, str) and _REQUEST_ID.match(existing):
        return existing
    request_id = secrets.token_hex(8)
    if app_ctx is not None:
        app_ctx.g.request_id = request_id
    return request_id


def error_page(
    response_class: type[Response],
    body: Any,
    status: int | None,
    headers: Any = None,
    mimetype: str | None = None,
) -> Response:
    """An error's page in the app's response class, made as Flask makes it.

    Flask runs an error as a WSGI app and turns Werkzeug's response into the
    app's class with ``force_type``: a class's own ``__init__`` (stamping
    headers meant for the views' responses) is not called.
    """
    if getattr(response_class, "_fast_is_init", False):
        return response_class(body, status, headers, mimetype)  # the same, without the copy
    page = _WerkzeugResponse(body, status, headers, mimetype)
    return response_class.force_type(page)  # type: ignore[return-value]


def http_error_json(exc: HTTPException, response_class: type[Response], json: Any) -> Response:
    """An HTTP error as a small JSON object, with the error's own headers (``Allow``…)."""
    body = {"code": exc.code, "name": exc.name, "description": exc.description}
    try:
        text = json.dumps(body)
    except (TypeError, ValueError):
        # abort(403, permission), as Flask-Principal aborts: a description
        # JSON cannot hold is sent as its text, as Flask's HTML page shows
        # it, rather than failing the error page with a 500.
        body["description"] = str(exc.description)
        text = json.dumps(body)
    response = error_page(response_class, text, exc.code, mimetype=_JSON)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers.add(name, value)
    return response


def server_error_page(response_class: type[Response], json: Any, request_id: str) -> Response:
    """The 500 page: the request id, and nothing about the error itself."""
    ctx = _cv_request.get(None)
    if ctx is not None and prefers_json(ctx.request):
        body = {
            "code": 500,
            "name": "Internal Server Error",
            "description": "The server could not complete the request.",
            "request_id": request_id,
        }
        response = error_page(response_class, json.dumps(body), 500, mimetype=_JSON)
    else:
        html = _SERVER_ERROR_HTML.format(request_id=escape(request_id))
        response = error_page(response_class, html, 500, mimetype="text/html")
    response.headers["X-Request-ID"] = request_id
    return varies_on_accept(response) if ctx is not None else response
