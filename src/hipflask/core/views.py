"""Class-based views: :class:`View` and :class:`MethodView`.

A class groups the handling of one resource (its methods, shared helpers,
decorators) and can be reused with different arguments; :meth:`View.as_view`
turns it into the plain view function the router calls.

Async handlers work as in function views: if ``dispatch_request`` or any
``get``/``post``/… handler is ``async def``, the class is async
(:attr:`View.is_async`) and ``as_view`` produces an ``async def`` function, so
under ASGI the request runs on the event loop instead of the thread pool.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from collections.abc import Collection
from typing import Any
from typing import ClassVar

from werkzeug.exceptions import MethodNotAllowed

from ..contexts.globals import current_app
from ..contexts.globals import request
from ..typing import ResponseValue
from ..typing import RouteCallable

#: Handler names :class:`MethodView` dispatches to, one per HTTP method.
http_method_funcs = frozenset({"get", "post", "head", "options", "delete", "put", "trace", "patch"})


class View:
    """Subclass and implement :meth:`dispatch_request`; register with :meth:`as_view`.

    ::

        class Hello(View):
            def __init__(self, greeting: str) -> None:
                self.greeting = greeting

            def dispatch_request(self, name: str) -> str:
                return f"{self.greeting}, {name}!"

        app.add_url_rule("/hello/<name>", view_func=Hello.as_view("hello", "Hi"))

    By default a new instance serves each request, so state set on ``self``
    cannot leak from one request (or user) into the next. Set
    :attr:`init_every_request` to ``False`` to build one instance at
    registration and share it; it must then keep no per-request state.
    """

    #: Methods the route accepts when ``add_url_rule`` is not given any.
    methods: ClassVar[Collection[str] | None] = None

    #: Whether OPTIONS is answered automatically; ``None`` follows the app.
    provide_automatic_options: ClassVar[bool | None] = None

    #: Decorators applied, in order, to the view function ``as_view`` makes:
    #: the place for ``login_required`` and friends, which cannot decorate
    #: a class.
    decorators: ClassVar[list[Callable[..., Any]]] = []

    #: A new instance per request (``True``) or one shared instance.
    init_every_request: ClassVar[bool] = True

    #: Whether the view is ``async``; computed per subclass from its
    #: methods, or set explicitly in the class body.
    is_async: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "is_async" not in cls.__dict__:
            cls.is_async = cls._has_async_handlers()

    @classmethod
    def _has_async_handlers(cls) -> bool:
        return inspect.iscoroutinefunction(cls.dispatch_request)

    def dispatch_request(self) -> ResponseValue:
        """Handle the request; URL variables arrive as keyword arguments.

        Return anything a view function may return. May be ``async def``.
        Declared without parameters, as in Flask, so that a view taking no URL
        variables overrides it as a type checker sees it; :class:`MethodView`
        takes ``**kwargs``, which stays compatible.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement dispatch_request() to handle requests."
        )

    @classmethod
    def as_view(cls, name: str, *class_args: Any, **class_kwargs: Any) -> RouteCallable:
        """The view function to register; ``name`` becomes its endpoint.

        ``class_args`` and ``class_kwargs`` are passed to the class
        constructor. The function carries ``view_class``, ``methods`` and
        ``provide_automatic_options`` for the router.
        """
        registered: list[Any] = []
        view: Any = _make_view(cls, class_args, class_kwargs, registered)
        if cls.decorators:
            # Decorators that copy the name (functools.wraps) must see the
            # endpoint's name, not the inner function's.
            view.__name__ = view.__qualname__ = name
            view.__module__ = cls.__module__
            for decorator in cls.decorators:
                view = decorator(view)
        view.view_class = cls
        view.__name__ = name
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.methods = cls.methods
        view.provide_automatic_options = cls.provide_automatic_options
        registered.append(view)
        return view  # type: ignore[no-any-return]


def _make_view(
    cls: type[View],
    class_args: tuple[Any, ...],
    class_kwargs: dict[str, Any],
    registered: list[Any],
) -> RouteCallable:
    """The function that makes an instance per request (or shares one) and dispatches.

    ``registered`` receives the function ``as_view`` returns: its
    ``view_class`` is read on each request, as in Flask, so a test that
    replaces it (to put a fake view in place) is obeyed.
    """
    shared = None if cls.init_every_request else cls(*class_args, **class_kwargs)

    def instance() -> View:
        if shared is not None:
            return shared
        current = registered[0].view_class if registered else cls
        return current(*class_args, **class_kwargs)

    if cls.is_async:

        async def async_view(**kwargs: Any) -> Any:
            rv = instance().dispatch_request(**kwargs)
            if inspect.isawaitable(rv):
                rv = await rv
            return rv

        return async_view

    def view(**kwargs: Any) -> Any:
        return instance().dispatch_request(**kwargs)

    return view


class MethodView(View):
    """Dispatch each HTTP method to the method of the same name.

    ::

        class Items(MethodView):
            def get(self, item_id: int) -> dict[str, int]: ...
            def delete(self, item_id: int) -> tuple[str, int]: ...

    :attr:`~View.methods` is computed from the handlers a subclass (or its
    bases) defines, so the router answers 405 for the rest. ``HEAD`` uses
    ``get`` when there is no ``head``. Handlers may be ``async def``; in a
    class that mixes both kinds, the plain ones run in the app's thread pool
    so they cannot block the event loop.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" in cls.__dict__:
            return
        methods: set[str] = set()
        for base in cls.__bases__:
            methods.update(getattr(base, "methods", None) or ())
        methods.update(key.upper() for key in http_method_funcs if hasattr(cls, key))
        if methods:
            cls.methods = methods

    @classmethod
    def _has_async_handlers(cls) -> bool:
        if super()._has_async_handlers():
            return True
        return any(
            inspect.iscoroutinefunction(getattr(cls, key, None)) for key in http_method_funcs
        )

    def dispatch_request(self, **kwargs: Any) -> ResponseValue:
        """Call the handler for the request's method (``get`` for ``HEAD``)."""
        method = request.method
        handler = getattr(self, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(self, "get", None)
        if handler is None:
            # Reached when a route lists a method the class does not handle:
            # ``Allow`` names what both the route and the class accept.
            allowed = set(self.methods or ())
            rule = request.url_rule
            if rule is not None and rule.methods is not None:
                allowed &= rule.methods
            raise MethodNotAllowed(valid_methods=sorted(allowed))
        if self.is_async and not inspect.iscoroutinefunction(handler):
            return _in_thread(functools.partial(handler, **kwargs))  # type: ignore[return-value]
        return handler(**kwargs)  # type: ignore[no-any-return]


async def _in_thread(call: Callable[[], Any]) -> Any:
    """Run a sync handler of an async class off the event loop, in the app's pool."""
    return await current_app._threads.run(call)


def is_async_view(view: Any) -> bool:
    """Whether a view function (or a class-based view) is ``async def``."""
    if view is None:
        return False
    if inspect.iscoroutinefunction(view):
        return True
    view_class = getattr(view, "view_class", None)
    return bool(view_class is not None and getattr(view_class, "is_async", False))
