"""``current_app``, ``g``, ``request`` and ``session``: proxies on context variables.

Context variables keep each request's state separate across threads and
asyncio tasks alike, which is what lets one app object serve WSGI and ASGI.
The error messages say how to enter the missing context, because "working
outside of request context" is the first wall every Flask user hits.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.local import LocalProxy

if TYPE_CHECKING:
    from ..core.app import Hipflask
    from ..sessions.base import SessionMixin
    from ..wrappers.request import Request
    from .ctx import AppContext
    from .ctx import RequestContext
    from .ctx import _AppCtxGlobals

    class _AppProxy(Hipflask):
        """What ``current_app`` is to a type checker: the app, and the proxy's one method.

        Typed as the app, as Flask types it, so ``current_app.config`` and
        ``app: Flask = current_app`` check; ``_get_current_object`` is the
        proxy's own, and extensions call it to hand the real app on.
        """

        def _get_current_object(self) -> Hipflask: ...


# Each starts with Flask's message, word for word, so a ported test matching
# on it keeps passing; hipflask's hint follows in a paragraph of its own.
_NO_APP = """\
Working outside of application context.

This typically means that you attempted to use functionality that needed
the current application. To solve this, set up an application context
with app.app_context(). See the documentation for more information.

Scripts, tests and CLI code enter one with 'with app.app_context():';
hipflask's documentation explains when one is active (Contexts and the
request lifecycle).\
"""
_NO_REQUEST = """\
Working outside of request context.

This typically means that you attempted to use functionality that needed
an active HTTP request. Consult the documentation on testing for
information about how to avoid this problem.

In a test, enter one with 'with app.test_request_context():', or make the
request through app.test_client().\
"""

# Modules that call these variables' methods bind them with an assignment
# (``_cv_app = _globals._cv_app``), not ``from .globals import _cv_app``.
# CPython 3.11 to 3.13 compile ``name.method()`` on a name a ``from`` import
# bound as a plain attribute load, expecting a module there: for a context
# variable that builds and drops a bound method at every ``get``, ``set`` and
# ``reset``: about 450 instructions each, six of them in a plain WSGI request.
_cv_app: ContextVar[AppContext] = ContextVar("hipflask.app_ctx")
_cv_request: ContextVar[RequestContext] = ContextVar("hipflask.request_ctx")


_object_getattribute = object.__getattribute__


class _ContextProxy(LocalProxy[Any]):
    """Werkzeug's proxy for ``attribute`` of a context variable's object.

    The variable, the attribute and the message for a missing context are
    kept in slots of their own, for the subclasses' one-call lookups.
    """

    __slots__ = ("_hf_attribute", "_hf_message", "_hf_variable")

    def __init__(self, variable: ContextVar[Any], attribute: str, message: str) -> None:
        super().__init__(variable, attribute, unbound_message=message)
        object.__setattr__(self, "_hf_variable", variable)
        object.__setattr__(self, "_hf_attribute", attribute)
        object.__setattr__(self, "_hf_message", message)

    def __setattr__(self, name: str, value: Any) -> None:
        # Werkzeug's assignment goes through three Python calls (the lookup
        # descriptor, the current-object getter, the bound function), and
        # ``g.user = ...`` in a before_request hook runs on every request.
        try:
            owner = _object_getattribute(self, "_hf_variable").get()
        except LookupError:
            raise RuntimeError(_object_getattribute(self, "_hf_message")) from None
        setattr(getattr(owner, _object_getattribute(self, "_hf_attribute")), name, value)

    def __delattr__(self, name: str) -> None:
        try:
            owner = _object_getattribute(self, "_hf_variable").get()
        except LookupError:
            raise RuntimeError(_object_getattribute(self, "_hf_message")) from None
        delattr(getattr(owner, _object_getattribute(self, "_hf_attribute")), name)


class _AttributeProxy(_ContextProxy):
    """Werkzeug's proxy, with attribute reads in one Python call (``g``).

    ``g.user`` through :class:`~werkzeug.local.LocalProxy` costs three
    Python calls (the lookup descriptor, the current-object getter, the bound
    function). ``g`` is often asked for names it lacks
    (``getattr(g, "db", None)``, ``hasattr``), which a
    :class:`_ForwardingProxy` answers slowly, so ``g`` keeps this one-call
    lookup for every name. Everything else
    (operators, ``_get_current_object``, assignment, ``isinstance``) is the
    base class's.
    """

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        # Defined instead of __getattr__: Python tries the normal lookup
        # before calling __getattr__, and on this Python a miss formats an
        # AttributeError first, for every name g does not have.
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


#: The most names one forwarding proxy class learns (see _ForwardingProxy):
#: code may read names it builds at run time, and a class must not grow
#: without bound. Past it, names are forwarded by ``__getattr__`` alone.
_LEARNED_MAX = 512

#: The error a learned property just raised, for ``__getattr__`` (which
#: Python calls next, in the same thread) to raise again.
_failure = threading.local()


class _ForwardingProxy(_ContextProxy):
    """Werkzeug's proxy that learns a property for each name read through it.

    The first read of a name misses the type's lookup and is forwarded by
    ``__getattr__``, which, when the proxied object has the name, gives the
    proxy's class a property for it. Every later read finds that property at
    once and costs one Python call: about half of what
    :class:`_AttributeProxy`'s ``__getattribute__`` costs on every read.
    ``request``, ``session`` and ``current_app`` are read many times per
    request, always with the same few names. Each proxy has its own class
    (see :func:`_forwarding`). Assignment, operators and
    ``_get_current_object`` are the base class's.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        failed: tuple[Any, str, AttributeError] | None = getattr(_failure, "last", None)
        if failed is not None:
            _failure.last = None
            if failed[0] is self and failed[1] == name:
                # The learned property just read it and got this error:
                # reading again would run the object's code twice.
                raise failed[2]
        variable = self._hf_variable
        try:
            owner = variable.get()
        except LookupError:
            raise RuntimeError(self._hf_message) from None
        value = getattr(getattr(owner, self._hf_attribute), name)
        # Found: learn it. Special names are looked up on types, never here.
        cls = type(self)
        if not (name[:2] == "__" and name[-2:] == "__") and len(vars(cls)) < _LEARNED_MAX:
            setattr(cls, name, _forwarder(variable, self._hf_attribute, self._hf_message, name))
        return value

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
    """The property a :class:`_ForwardingProxy` learns for ``name``.

    It forwards by name, so it stays right for any object the proxy points
    at later. When the read raises ``AttributeError`` (an object without
    the name, a property failing inside), Python then asks ``__getattr__``,
    which is handed the error to raise rather than reading again.
    """
    get = variable.get

    def forward(self: Any) -> Any:
        try:
            owner = get()
        except LookupError:
            raise RuntimeError(message) from None
        try:
            return getattr(getattr(owner, attribute), name)
        except AttributeError as error:
            _failure.last = (self, name, error)
            raise

    return property(forward, doc=f"The current {attribute}'s ``{name}``.")


def _forwarding(variable: ContextVar[Any], attribute: str, message: str) -> Any:
    """A :class:`_ForwardingProxy` with a class of its own to learn names on.

    Named and documented as Werkzeug's: ``repr`` outside a context says
    ``LocalProxy``, and ``request.__doc__`` is the proxied object's, as in Flask.
    """
    namespace = {"__slots__": (), "__doc__": vars(LocalProxy)["__doc__"]}
    cls = type("LocalProxy", (_ForwardingProxy,), namespace)
    return cls(variable, attribute, message)


app_ctx: AppContext = LocalProxy(_cv_app, unbound_message=_NO_APP)  # type: ignore[assignment]
current_app: _AppProxy = _forwarding(_cv_app, "app", _NO_APP)
g: _AppCtxGlobals = _AttributeProxy(_cv_app, "g", _NO_APP)  # type: ignore[assignment]
request_ctx: RequestContext = LocalProxy(  # type: ignore[assignment]
    _cv_request, unbound_message=_NO_REQUEST
)
request: Request = _forwarding(_cv_request, "request", _NO_REQUEST)
session: SessionMixin = _forwarding(_cv_request, "session", _NO_REQUEST)


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
