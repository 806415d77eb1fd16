"""``crossdomain``: Flask-RESTful's CORS decorator (``flask_restful.utils.cors``).

::

    from hipflask.restful import Resource
    from hipflask.restful.utils.cors import crossdomain

    class Prices(Resource):
        method_decorators = [crossdomain(origin="*")]

        def get(self):
            return {"eur": 1}

The parameters are Flask-RESTful's; the answers come from
:func:`hipflask.cors.cross_origin`, so a ``crossdomain`` view keeps every rule
of :doc:`/cors`: its preflights are answered by the security gate, its allowed
origins pass the cross-origin protection, and a wildcard origin with
credentials is refused where the decorator is written. Where the answer
differs from Flask-RESTful's, :doc:`/rest-apis` says how and why.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from typing import TypeVar

from hipflask.contexts.ctx import has_request_context
from hipflask.contexts.globals import current_app
from hipflask.contexts.globals import request
from hipflask.cors import cross_origin
from hipflask.security.cors import CorsConfigurationError

__all__ = ["crossdomain"]

F = TypeVar("F", bound=Callable[..., Any])

#: Flask-RESTful's default for ``max_age``: six hours.
DEFAULT_MAX_AGE = 21600


def crossdomain(
    origin: str | Iterable[str] | None = None,
    methods: Iterable[str] | None = None,
    headers: str | Iterable[str] | None = None,
    expose_headers: str | Iterable[str] | None = None,
    max_age: float | timedelta | None = DEFAULT_MAX_AGE,
    attach_to_all: bool = True,
    automatic_options: bool = True,
    credentials: bool = False,
) -> Callable[[F], F]:
    """Let the pages of ``origin`` call a view or a resource across origins.

    Use it on a view (``@crossdomain(origin="*")`` under ``@app.route``) or
    in a resource's ``method_decorators``. On a resource it covers the
    resource's URL, whichever method it is listed for: a browser's preflight
    and the cross-origin protection run before a method is chosen.

    ``headers`` lists the request headers a preflight may ask for; left out,
    none are allowed (a JSON ``Content-Type`` included), as in Flask-RESTful.
    ``origin``, ``methods`` and ``expose_headers`` left out follow the app's
    ``CORS_ORIGINS``, ``CORS_METHODS`` and ``CORS_EXPOSE_HEADERS``, as a bare
    ``@cross_origin()`` does.

    :raises CorsConfigurationError: ``origin="*"`` with ``credentials=True``
        (any site could read a logged-in user's answers), an origin that is
        not a string, or ``attach_to_all=False``.
    """
    if not attach_to_all:
        raise CorsConfigurationError(
            "crossdomain(attach_to_all=False) is not supported: it approves a"
            " cross-origin request in the preflight, then hides the answer (its"
            " errors included) from the page that sent it. Leave the argument out;"
            " the allowed origins can then read the responses."
        )
    options: dict[str, Any] = {
        # Flask-RESTful answers "*" for a wildcard, not the request's origin.
        "send_wildcard": True,
        "allow_headers": [] if headers is None else _names(headers),
        "max_age": _seconds(max_age),
        "automatic_options": automatic_options,
        "supports_credentials": credentials,
    }
    if origin is not None:
        options["origins"] = _origins(origin)
    if methods is not None:
        options["methods"] = [str(method).upper() for method in methods]
    if expose_headers is not None:
        options["expose_headers"] = _names(expose_headers)
    # Checked here, where the decorator is written: a wildcard with
    # credentials fails at import, not on the first request.
    to_view = cross_origin(**options)
    # The resource views that carry the policy (see on_resource_view).
    covered: weakref.WeakSet[Callable[..., Any]] = weakref.WeakSet()

    def decorator(f: F) -> F:
        if _is_resource_method(f) and _routed_view_is_covered(covered):
            # A resource method, decorated per request: the resource's view
            # already answers with the policy, before and after the method.
            return f
        return to_view(f)

    def on_resource_view(resource: type[Any], view: Callable[..., Any]) -> Callable[..., Any]:
        wrapped = to_view(view)
        covered.add(wrapped)
        return wrapped

    decorator.on_resource_view = on_resource_view  # type: ignore[attr-defined]
    return decorator


def _origins(origin: str | Iterable[str]) -> str | list[str]:
    if isinstance(origin, str):
        return origin
    if not isinstance(origin, Iterable) or not all(isinstance(item, str) for item in origin):
        raise CorsConfigurationError(
            f"crossdomain origin must be a string or a list of strings, not {origin!r}."
        )
    return list(origin)


def _names(value: str | Iterable[str]) -> str | list[str]:
    return value if isinstance(value, str) else [str(name) for name in value]


def _seconds(max_age: float | timedelta | None) -> int | timedelta | None:
    """``max_age`` as whole seconds; Flask-RESTful also takes a float."""
    if isinstance(max_age, float) and max_age.is_integer():
        return int(max_age)
    if max_age is None or isinstance(max_age, (int, timedelta)):
        return max_age
    raise CorsConfigurationError(
        f"crossdomain max_age must be whole seconds or a timedelta, not {max_age!r}."
    )


def _is_resource_method(f: Callable[..., Any]) -> bool:
    """Whether ``f`` is (or wraps) a bound method: a resource's, decorated per request."""
    try:
        inner = inspect.unwrap(f)
    except ValueError:  # a __wrapped__ cycle: not a method we know
        return False
    return inspect.ismethod(inner)


def _routed_view_is_covered(covered: weakref.WeakSet[Callable[..., Any]]) -> bool:
    """Whether the view serving the request carries this ``crossdomain`` policy."""
    if not has_request_context() or request.endpoint is None:
        return False
    view: Any = current_app.view_functions.get(request.endpoint)
    while view is not None:
        if view in covered:
            return True
        view = getattr(view, "__wrapped__", None)
    return False
