"""``current_app``, ``g``, ``request`` and ``session``: proxies on context variables.

Context variables keep each request's state separate across threads and
asyncio tasks alike, which is what lets one app object serve WSGI and ASGI.
The error messages say how to enter the missing context, because "working
outside of request context" is the first wall every Flask user hits.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.local import LocalProxy

from ..wrappers.request import Request

if TYPE_CHECKING:
    from .ctx import AppContext
    from .ctx import RequestContext
    from .ctx import _AppCtxGlobals

_NO_APP = """\
Working outside of application context.

This typically means that you attempted to use functionality that needed
the current application. To solve this, set up an application context
with app.app_context(). See the documentation on contexts for more information.\
"""
_NO_REQUEST = """\
Working outside of request context.

This typically means that you attempted to use functionality that needed
an active HTTP request. Consult the documentation on testing for
information about how to avoid this problem (app.test_request_context()).\
"""

_cv_app: ContextVar[AppContext] = ContextVar("hipflask.app_ctx")
_cv_request: ContextVar[RequestContext] = ContextVar("hipflask.request_ctx")


_object_getattribute = object.__getattribute__


class _AttributeProxy(LocalProxy[Any]):
    """Werkzeug's proxy, with attribute reads in one Python call (``g``, ``current_app``).

    ``g.user`` through :class:`~werkzeug.local.LocalProxy` costs three
    Python calls (the lookup descriptor, the current-object getter, the bound
    function); the names of ``g`` are the app's own, so no class can list
    them ahead (compare :class:`_ForwardingProxy`). Everything else
    (operators, ``_get_current_object``, assignment, ``isinstance``) is the
    base class's.
    """

    __slots__ = ("_hf_attribute", "_hf_message", "_hf_variable")

    def __init__(self, variable: ContextVar[Any], attribute: str, message: str) -> None:
        super().__init__(variable, attribute, unbound_message=message)
        object.__setattr__(self, "_hf_variable", variable)
        object.__setattr__(self, "_hf_attribute", attribute)
        object.__setattr__(self, "_hf_message", message)

    def __getattribute__(self, name: str) -> Any:
        # Defined instead of __getattr__: Python tries the normal lookup
        # before calling __getattr__, and on this Python a miss formats an
        # AttributeError first, for every ``request.args`` a view reads.
        if name in _PROXY_NAMES:
            return _object_getattribute(self, name)
        try:
            owner = _object_getattribute(self, "_hf_variable").get()
        except LookupError:
            raise RuntimeError(_object_getattribute(self, "_hf_message")) from None
        return getattr(getattr(owner, _object_getattribute(self, "_hf_attribute")), name)


#: Names the attribute proxy answers itself (Werkzeug's proxy machinery,
#: ``_get_current_object``, the special methods); every other name is the
#: proxied object's.
_PROXY_NAMES = frozenset(dir(_AttributeProxy))


class _ForwardingProxy(LocalProxy[Any]):
    """Werkzeug's proxy with one property per known name of the proxied object.

    A property is found by the type's own lookup and costs one Python call:
    about half of what :class:`_AttributeProxy`'s ``__getattribute__`` costs,
    which every attribute read pays. ``request`` and ``session`` are read
    many times per request, and their names are known from their classes
    (see :func:`_forwarding`); a name without a property (a request
    subclass's own attribute) misses the type's lookup and is forwarded by
    ``__getattr__``. Assignment, operators and ``_get_current_object`` are
    the base class's.
    """

    __slots__ = ("_hf_attribute", "_hf_message", "_hf_variable")

    def __init__(self, variable: ContextVar[Any], attribute: str, message: str) -> None:
        super().__init__(variable, attribute, unbound_message=message)
        object.__setattr__(self, "_hf_variable", variable)
        object.__setattr__(self, "_hf_attribute", attribute)
        object.__setattr__(self, "_hf_message", message)

    def __getattr__(self, name: str) -> Any:
        try:
            owner = self._hf_variable.get()
        except LookupError:
            raise RuntimeError(self._hf_message) from None
        return getattr(getattr(owner, self._hf_attribute), name)

    def __getitem__(self, key: Any) -> Any:
        try:
            owner = self._hf_variable.get()
        except LookupError:
            raise RuntimeError(self._hf_message) from None
        return getattr(owner, self._hf_attribute)[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        try:
            owner = self._hf_variable.get()
        except LookupError:
            raise RuntimeError(self._hf_message) from None
        getattr(owner, self._hf_attribute)[key] = value

    def __contains__(self, key: Any) -> bool:
        try:
            owner = self._hf_variable.get()
        except LookupError:
            raise RuntimeError(self._hf_message) from None
        return key in getattr(owner, self._hf_attribute)


def _forwarder(variable: ContextVar[Any], attribute: str, message: str, name: str) -> property:
    get = variable.get

    def forward(self: Any) -> Any:
        try:
            owner = get()
        except LookupError:
            raise RuntimeError(message) from None
        return getattr(getattr(owner, attribute), name)

    return property(forward, doc=f"The current {attribute}'s ``{name}``.")


def _forwarding(
    variable: ContextVar[Any], attribute: str, message: str, names: Iterable[str]
) -> Any:
    """A :class:`_ForwardingProxy` of its own class, with a property per name.

    Names the proxy itself answers (Werkzeug's machinery, special methods)
    and private names are left out.
    """
    own = set(dir(_ForwardingProxy))
    namespace: dict[str, Any] = {"__slots__": ()}
    for name in names:
        if not name.startswith("_") and name not in own:
            namespace[name] = _forwarder(variable, attribute, message, name)
    cls = type(f"_{attribute.capitalize()}Proxy", (_ForwardingProxy,), namespace)
    return cls(variable, attribute, message)


#: What views read of ``request``: the class's public names and the fields
#: each request is given when it is made (``assign_fields``).
_REQUEST_NAMES = (
    *dir(Request),
    *("app", "method", "scheme", "server", "root_path", "path", "query_string", "remote_addr"),
)
#: What views read of ``session``: a dict's methods and the session flags.
_SESSION_NAMES = (*dir(dict), "accessed", "modified", "new", "permanent")

app_ctx: AppContext = LocalProxy(_cv_app, unbound_message=_NO_APP)  # type: ignore[assignment]
current_app: Any = _AttributeProxy(_cv_app, "app", _NO_APP)
g: _AppCtxGlobals = _AttributeProxy(_cv_app, "g", _NO_APP)  # type: ignore[assignment]
request_ctx: RequestContext = LocalProxy(  # type: ignore[assignment]
    _cv_request, unbound_message=_NO_REQUEST
)
request: Request = _forwarding(_cv_request, "request", _NO_REQUEST, _REQUEST_NAMES)
session: Any = _forwarding(_cv_request, "session", _NO_REQUEST, _SESSION_NAMES)


def _require_app() -> Any:
    """The current app, without a proxy's overhead, for hot helpers like ``jsonify``."""
    ctx = _cv_app.get(None)
    if ctx is None:
        raise RuntimeError(_NO_APP)
    return ctx.app


def _current_app_or_none() -> Any:
    ctx = _cv_app.get(None)
    return ctx.app if ctx is not None else None


def _current_request_or_none() -> Request | None:
    ctx = _cv_request.get(None)
    return ctx.request if ctx is not None else None
