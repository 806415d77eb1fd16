"""Turn whatever a view returned into a :class:`Response`.

The accepted shapes are Flask's: a response, ``str``/``bytes``, a ``dict`` or
``list`` (JSON), an iterator or generator (streamed, sync or async), a WSGI
callable, or a tuple adding a status and/or headers. Anything else is a
:class:`TypeError` naming what came back, because a silent 500 would hide
the mistake.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response as _WerkzeugResponse

from .response import STATUS_LINES
from .response import Response

if TYPE_CHECKING:
    from ..json.provider import JSONProvider

_HTML = "text/html; charset=utf-8"


def make_response(
    rv: Any,
    response_class: type[Response],
    json: JSONProvider,
    environ: Callable[[], dict[str, Any]],
) -> Response:
    """Coerce a view's return value; see the module docstring for the shapes."""
    kind = type(rv)
    if kind is str and _stock_text(response_class):
        return response_class._fast(rv.encode(), 200, _HTML)
    if kind is dict or kind is list:
        return json.response(rv)
    if isinstance(rv, response_class):
        return rv
    status: Any = None
    headers: Any = None
    if kind is tuple:
        rv, status, headers = _unpack(rv)
    # Flask passes the headers of a text or iterator body to the response
    # class, where a list of pairs keeps every pair (two Set-Cookie, two Link);
    # on any other response they replace the ones of the same name.
    built = isinstance(rv, (str, bytes, bytearray, Iterator))
    if built and not _stock_text(response_class):
        # A class with its own __init__ or defaults is called with the status
        # and headers, as Flask does, so its __init__ sees them (a bytes
        # status decoded, as for the stock class below).
        if isinstance(status, (bytes, bytearray)):
            status = status.decode()
        return response_class(rv, status=status, headers=headers)
    response = _body(rv, response_class, json, environ, status)
    if status is not None:
        if isinstance(status, (str, bytes, bytearray)):
            response.status = status.decode() if isinstance(status, bytes | bytearray) else status
        else:
            response.status_code = int(status)
    if headers:
        if built and not isinstance(headers, Mapping) and not hasattr(headers, "keys"):
            pairs = list(headers)
            for name in {name.lower() for name, _ in pairs}:
                # The class's defaults (its Content-Type) give way, as there.
                del response.headers[name]
            response.headers.extend(pairs)
        else:
            response.headers.update(headers)
    return response


def text_response(rv: str, response_class: type[Response]) -> Response:
    """What :func:`make_response` makes of a ``str``: an HTML page, status 200.

    The value of every view that renders a template, so the app asks for
    it before the other shapes.
    """
    if _stock_text(response_class):
        return response_class._fast(rv.encode(), 200, _HTML)
    # A class with its own __init__ or defaults is called, as Flask does.
    return response_class(rv)


def _stock_text(response_class: type[Response]) -> bool:
    """Whether ``response_class(text)`` is an HTML page with status 200 that
    :meth:`Response._fast` may build.

    The defaults are read on every call, not when the class was made: an app
    may assign ``default_mimetype`` or ``default_status`` to its class later.
    """
    return (
        getattr(response_class, "_fast_is_init", False)
        and response_class.default_mimetype == "text/html"
        and response_class.default_status == 200
    )


def _unpack(rv: tuple[Any, ...]) -> tuple[Any, Any, Any]:
    if len(rv) == 3:
        return rv[0], rv[1], rv[2]
    if len(rv) == 2:
        if isinstance(rv[1], (Mapping, list, tuple)) or hasattr(rv[1], "items"):
            return rv[0], None, rv[1]
        return rv[0], rv[1], None
    raise TypeError(
        "The view function did not return a valid response tuple. The tuple must"
        " have the form (body, status, headers), (body, status), or (body, headers)."
    )


def _body(
    rv: Any,
    response_class: type[Response],
    json: JSONProvider,
    environ: Callable[[], dict[str, Any]],
    status: Any,
) -> Response:
    if rv is None:
        raise TypeError(
            "The view function did not return a valid response. The function either"
            " returned None or ended without a return statement."
        )
    if isinstance(rv, response_class):
        return rv
    if isinstance(rv, str):
        code = status if isinstance(status, int) and status in STATUS_LINES else 200
        return response_class._fast(rv.encode(), code, _HTML)
    if isinstance(rv, (bytes, bytearray)):
        code = status if isinstance(status, int) and status in STATUS_LINES else 200
        return response_class._fast(bytes(rv), code, _HTML)
    if isinstance(rv, (dict, list)):
        return json.response(rv)
    if isinstance(rv, (Iterator, AsyncIterable)):
        return response_class(rv)
    if isinstance(rv, _WerkzeugResponse):
        # Another class's response (hipflask's own, when the app has a
        # subclass) becomes the app's class without its __init__, as in Flask.
        return response_class.force_type(rv, environ())  # type: ignore[return-value]
    if callable(rv):
        return response_class.force_type(rv, environ())  # type: ignore[return-value]
    raise TypeError(
        "The view function did not return a valid response. The return type must be"
        " a string, dict, list, tuple with headers or status, Response instance,"
        f" iterator, or WSGI callable, but it was a {type(rv).__name__}."
    )
