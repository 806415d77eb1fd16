"""Flask's helper functions that need the current app: ``url_for``, ``abort`` …"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING
from typing import Any
from typing import NoReturn
from urllib.parse import quote
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from werkzeug.exceptions import abort as _werkzeug_abort
from werkzeug.utils import redirect as _werkzeug_redirect

from ..contexts import globals as _globals
from ..contexts.globals import _current_app_or_none
from ..contexts.globals import _require_app
from ..contexts.globals import current_app
from ..json.provider import json_response

if TYPE_CHECKING:
    from ..wrappers.response import Response

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_app = _globals._cv_app


_FALSE = frozenset({"0", "false", "no"})


def _environment_value(name: str) -> str | None:
    """``HIPFLASK_<name>``, or ``FLASK_<name>`` when that is not set.

    A project moving over from Flask keeps its environment and ``.flaskenv``;
    the ``HIPFLASK_`` spelling wins where both are set.
    """
    value = os.environ.get(f"HIPFLASK_{name}")
    if value is None:
        value = os.environ.get(f"FLASK_{name}")
    return value


def get_debug_flag() -> bool:
    """Whether the environment asks for debug mode (``HIPFLASK_DEBUG``/``FLASK_DEBUG``)."""
    value = _environment_value("DEBUG")
    return bool(value) and value.lower() not in _FALSE  # type: ignore[union-attr]


def get_load_dotenv(default: bool = True) -> bool:
    """Whether dotenv files should be loaded: not when ``HIPFLASK_SKIP_DOTENV`` is on.

    ``default`` is the answer when the variable is not set at all.
    """
    value = _environment_value("SKIP_DOTENV")
    if not value:
        return default
    return value.lower() in _FALSE


def url_for(
    endpoint: str,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: Any,
) -> str:
    """Build a URL for an endpoint (``"view"``, ``"bp.view"`` or ``".view"``).

    Values that are not rule arguments become the query string. Raises
    :class:`~werkzeug.routing.BuildError` naming what is missing when the URL
    cannot be built.
    """
    return current_app.url_for(
        endpoint,
        _anchor=_anchor,
        _method=_method,
        _scheme=_scheme,
        _external=_external,
        **values,
    )


def safe_location(location: str) -> str:
    """``location`` with control characters, spaces and non-ASCII percent-encoded.

    A redirect target often carries user input (``?next=``). A CR or LF
    there would split the response into attacker-written headers (response
    splitting); Werkzeug refuses such a header with an exception, which made
    every such request a 500. Encoded, the target stays what it was meant to
    be, and a URL that was already valid is unchanged.
    """
    if location.isascii() and location.isprintable() and " " not in location:
        return location
    return "".join(
        char if "!" <= char <= "~" else quote(char, safe="", errors="surrogatepass")
        for char in location
    )


def same_host_path(location: str, host: str) -> str:
    """``location`` without its scheme and host when it points at the request's own host.

    Routing redirects (a missing trailing slash, ``//`` in a path) are built
    as absolute URLs from the request's ``Host`` header, which the client
    chose: with no ``TRUSTED_HOSTS`` a forged Host turned them into
    redirects to another site, and into cache poisoning behind a shared
    cache. A path-only ``Location`` is resolved by the browser against the
    URL it asked for, so it never depends on that header.
    """
    parts = urlsplit(location)
    if not parts.scheme and not parts.netloc:
        return location
    # A Host header with characters no host name has leaves the request no
    # host (""), and the redirect "http:///evil.example/", which browsers
    # read as a redirect to evil.example: the path alone is safe there too.
    if parts.netloc.lower() != host.lower():
        return location
    path = parts.path or "/"
    if path.startswith("//"):
        # "//evil.example/x" would be read as another host; keep one slash.
        path = "/" + path.lstrip("/")
    return urlunsplit(("", "", path, parts.query, parts.fragment))


def redirect(location: str, code: int = 302, Response: type[Response] | None = None) -> Response:
    """A redirect response to ``location`` (302 by default).

    Control characters and non-ASCII in ``location`` are percent-encoded
    (see :func:`safe_location`), never an error.
    """
    if Response is None:
        app = _current_app_or_none()
        if app is not None:
            # Through the app, so that an app overriding redirect() is used.
            return app.redirect(location, code)  # type: ignore[no-any-return]
    location = safe_location(location)
    if Response is None:
        from ..wrappers.response import Response as ResponseClass

        Response = ResponseClass
    return _werkzeug_redirect(location, code, Response=Response)  # type: ignore[return-value]


def abort(code: int | Response, *args: Any, **kwargs: Any) -> NoReturn:
    """Stop the request with an HTTP error (``abort(404)``) or a given response.

    Inside an app context the app's ``aborter`` raises it, so codes an app
    added there work too.
    """
    app = _current_app_or_none()
    if app is not None:
        app.aborter(code, *args, **kwargs)
    _werkzeug_abort(code, *args, **kwargs)
    raise AssertionError("unreachable")  # pragma: no cover


def make_response(*args: Any) -> Response:
    """Turn view-style return values into a response, to add headers or cookies."""
    if not args:
        return current_app.response_class()
    if len(args) == 1:
        args = args[0]
    return current_app.make_response(args)


def jsonify(*args: Any, **kwargs: Any) -> Response:
    """A JSON response from data (one argument), a list (several) or keywords."""
    ctx = _cv_app.get(None)
    app = _require_app() if ctx is None else ctx.app
    # Not app.json.response(*args, **kwargs): see json_response.
    return json_response(app.json, args, kwargs)
