"""Which limits are an endpoint's own: written on its view, on its class, or met serving it.

A view's own ``@limiter.limit`` replaces the default limits. Flask-Limiter
finds it on the registered view function, and learns the rest as requests
run: a limit written on a method of a class-based view (``MethodView.get``,
a Flask-RESTful ``Resource`` method or its ``method_decorators``), or in a
callable the view calls (a decorated helper, a ``with limiter.limit(...)``
block), counts for the endpoint from its second request on, and the
defaults give way then. A ported app relies on that: counted as well, the
defaults would refuse requests Flask-Limiter lets through.

What a class declares is read here from the class itself, so the first
request is already counted as the later ones are; only limits met in
helpers are learned as Flask-Limiter learns them. Both are kept per
endpoint and method: a limit on ``get`` says nothing about a ``POST``, which
keeps the defaults (Flask-Limiter lets every method of the endpoint go
without them once any one has met a limit). A class is read once per
endpoint, so a request costs a dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from hipflask.core.views import MethodView
from hipflask.core.views import View
from hipflask.core.views import http_method_funcs

from .rules import Limit

__all__ = ["EndpointLimits"]


class _Found:
    """An endpoint's view, and the limits written for it, per method as asked."""

    __slots__ = ("by_method", "own", "view", "view_class")

    def __init__(self, view: Any, view_class: Any, own: list[Limit]) -> None:
        self.view = view
        self.view_class = view_class
        self.own = own
        # By method, and by whether the view function's own limits are in.
        self.by_method: dict[tuple[str | None, bool], list[Limit]] = {}


class EndpointLimits:
    """One limiter's knowledge of the limits each endpoint has of its own.

    ``attr`` is the attribute a decorated function keeps the limiter's
    limits under; ``limit_of`` gives the limit a ``method_decorators`` entry
    declares (a ``limiter.limit(...)`` not yet applied), or None;
    ``is_exempt`` tells a function ``@limiter.exempt`` was put on, whose own
    limits count for nothing, as in Flask-Limiter.
    """

    __slots__ = ("_attr", "_found", "_is_exempt", "_limit_of", "_replaced")

    def __init__(
        self,
        attr: str,
        limit_of: Callable[[Any], Limit | None],
        is_exempt: Callable[[Any], bool],
    ) -> None:
        self._attr = attr
        self._limit_of = limit_of
        self._is_exempt = is_exempt
        self._found: dict[str, _Found] = {}
        # (endpoint, method) pairs whose requests met a limit that replaces
        # the defaults outside anything the view or its class declares.
        self._replaced: set[tuple[str, str]] = set()

    def carried(self, func: Any) -> list[Limit]:
        """The limits a function carries, through any decorators around it."""
        while func is not None:
            limits = getattr(func, "__dict__", {}).get(self._attr)
            if limits is not None:
                return limits  # type: ignore[no-any-return]
            func = getattr(func, "__wrapped__", None)
        return []

    def forget(self) -> None:
        """Read every endpoint's view and class again: an exemption was declared."""
        self._found.clear()

    def written(
        self, endpoint: str, view: Any, method: str | None, *, own: bool = True
    ) -> list[Limit]:
        """The limits written for ``view``'s requests with ``method`` (None: any method).

        The view function's own (unless ``own`` is false: the view is
        exempt, which drops them as in Flask-Limiter), then those its class
        declares for the method: on ``dispatch_request``, on the method's
        handler, and in ``method_decorators``. Found once per endpoint; a
        view or class put in place later (a test's replacement) is read again.
        """
        if view is None:
            return []
        found = self._found.get(endpoint)
        view_class = getattr(view, "view_class", None)
        if found is None or found.view is not view or found.view_class is not view_class:
            found = _Found(view, view_class, self.carried(view))
            self._found[endpoint] = found
        limits = found.by_method.get((method, own))
        if limits is None:
            limits = list(found.own) if own else []
            if isinstance(view_class, type) and issubclass(view_class, View):
                _add(limits, self._declared_by_class(view_class, method))
            # Kept for the handlers' methods only: the method is the
            # client's to choose, and each new one would be kept forever.
            if method is None or method.lower() in http_method_funcs:
                found.by_method[method, own] = limits
        return limits

    def _declared_by_class(self, view_class: type[View], method: str | None) -> list[Limit]:
        limits = list(self._carried_unless_exempt(view_class.dispatch_request))
        handlers = _handlers(view_class, method) if issubclass(view_class, MethodView) else []
        for handler in handlers:
            _add(limits, self._carried_unless_exempt(handler))
        if handlers and all(self._is_exempt(handler) for handler in handlers):
            # The limits below wrap the exempt handler at each request.
            return limits
        # Flask-RESTful's ``Resource`` applies these to the handler on each
        # request: a list for every method, a mapping by lower-case method.
        decorators: Any = getattr(view_class, "method_decorators", None) or ()
        if isinstance(decorators, Mapping):
            if method is None:
                decorators = [each for listed in decorators.values() for each in listed]
            else:
                decorators = decorators.get(method.lower(), ())
        for decorator in decorators:
            declared = self._limit_of(decorator)
            if declared is not None:
                _add(limits, [declared])
        return limits

    def _carried_unless_exempt(self, func: Any) -> list[Limit]:
        return [] if self._is_exempt(func) else self.carried(func)

    def met(self, endpoint: str, view: Any, method: str, limits: Iterable[Limit]) -> bool:
        """Note ``limits``, written outside the view and its class, met in a request.

        One that counts the request and replaces the defaults makes the
        endpoint's later requests with ``method`` go without the defaults
        and its blueprint's limits, as a view's own limit does (Flask-Limiter
        learns it the same way, per endpoint). Returns True when the defaults
        are the caller's to count instead: the endpoint learned to leave them
        to its limits, and none of these counts this request (another
        method's, or a callable that gave no limit), as in Flask-Limiter.

        An identity that names no view learns nothing: it may be a path,
        and a client could otherwise fill memory with them.
        """
        if view is None:
            return False
        usable = [limit for limit in limits if limit.usable(method)]
        if any(limit.override_defaults for limit in usable):
            self._replaced.add((endpoint, method))
        return not usable and (endpoint, method) in self._replaced

    def replaced(self, endpoint: str, method: str) -> bool:
        """Whether ``endpoint``'s requests with ``method`` met a limit replacing the defaults."""
        return (endpoint, method) in self._replaced


def _handlers(view_class: type[MethodView], method: str | None) -> list[Any]:
    """The handlers a :class:`MethodView` calls for ``method`` (None: all of them)."""
    if method is None:
        names: Iterable[str] = sorted(http_method_funcs)
    else:
        name = method.lower()
        if name == "head" and not hasattr(view_class, "head"):
            name = "get"  # as MethodView answers HEAD
        names = [name]
    return [getattr(view_class, name) for name in names if hasattr(view_class, name)]


def _add(limits: list[Limit], more: Iterable[Limit]) -> None:
    for limit in more:
        if not any(limit is known for known in limits):
            limits.append(limit)
