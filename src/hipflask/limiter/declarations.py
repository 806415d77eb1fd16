"""How a :class:`~hipflask.limiter.Limiter` is told its limits: ``limit``, ``exempt`` and the rest.

A limit written on a view counts where Flask-Limiter counts it: when the
decorated function is called, after the decorators written above it, so a
key function may read what they set up (the signed-in user). The same
declaration used as a ``with`` block counts the block each time it runs.
A blueprint's limits, exemptions and request filters are only recorded
here; the request's plan (:mod:`~hipflask.limiter.plan`) reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from inspect import iscoroutinefunction
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar
from typing import cast
from typing import overload

from hipflask.contexts.ctx import has_request_context
from hipflask.contexts.globals import request
from hipflask.core.blueprints import Blueprint
from hipflask.errors import ConfigurationError
from hipflask.security.cors import is_preflight

from .counting import on_event_loop
from .rules import ExemptionScope
from .rules import Limit

if TYPE_CHECKING:
    from collections.abc import Sequence

    from hipflask.security.ratelimit import Hit
    from hipflask.security.ratelimit import Outcome
    from hipflask.security.ratelimit import RateLimitStore
    from hipflask.wrappers.request import Request
    from hipflask.wrappers.response import Response

    from .endpoints import EndpointLimits
    from .nesting import BlueprintRules
    from .plan import Plan
    from .rules import RequestLimit

__all__ = ["LimiterDeclarations", "RouteLimit", "view_name"]

F = TypeVar("F", bound="Callable[..., Any] | Blueprint")
_ALL_EXEMPT = ExemptionScope.APPLICATION | ExemptionScope.DEFAULT | ExemptionScope.META


def view_name(view: Callable[..., Any]) -> str:
    """A view's name for finding its limits, as Flask-Limiter forms it.

    Names rather than the function objects, so a decorator applied after
    ``@limiter.limit`` (``functools.wraps`` keeps the names) does not lose
    the limits; ``__name__`` is in it because ``as_view`` functions share
    one ``__qualname__`` and differ by name.
    """
    name = getattr(view, "__name__", "")
    return f"{view.__module__}.{name}.{getattr(view, '__qualname__', name)}"


class LimiterDeclarations:
    """The declaring part of :class:`~hipflask.limiter.Limiter`.

    Also the counting a declared limit does where it is written: the
    decorated view's and the ``with`` block's.
    """

    enabled: bool
    auto_check: bool
    _store: RateLimitStore | None
    _headers_enabled: bool
    _view_attr: str
    _endpoints: EndpointLimits
    _blueprints: BlueprintRules
    _exempt_views: dict[str, ExemptionScope]
    _request_filters: list[Callable[[], bool]]

    if TYPE_CHECKING:

        def _filtered(self) -> bool: ...

        def _own_plan(self, req: Request, wrapper: Callable[..., Any]) -> Plan: ...

        def _block_hits(self, declared: Limit) -> tuple[Request, Plan] | None: ...

        def _check(self, req: Request, plan: Plan) -> Response | None: ...

        async def _check_async(self, req: Request, plan: Plan) -> Response | None: ...

        def _decide(
            self, req: Request, outcome: Outcome, deferred: list[tuple[Hit, Callable[[Any], bool]]]
        ) -> None: ...

    def limit(
        self,
        limit_value: str | Callable[[], str],
        *,
        key_func: Callable[[], str] | None = None,
        per_method: bool = False,
        methods: Sequence[str] | None = None,
        error_message: str | Callable[[], str] | None = None,
        exempt_when: Callable[[], bool] | None = None,
        override_defaults: bool = True,
        deduct_when: Callable[[Any], bool] | None = None,
        on_breach: Callable[[RequestLimit], Any] | None = None,
        cost: int | Callable[[], int] = 1,
        scope: str | Callable[[str], str] | None = None,
        meta_limits: Sequence[str | Callable[[], str] | Limit] | None = None,
    ) -> RouteLimit:
        """Limit a view, or every view of a blueprint: ``@limiter.limit("5 per minute")``.

        ``meta_limits`` bound how often a client may breach this limit: each
        breach counts against them, and a client over one is refused by
        every view this limit covers until its window passes.
        """
        declared = Limit(
            limit_value, key_func, scope, cost, False, methods, per_method, error_message,
            exempt_when, deduct_when, on_breach, override_defaults, meta_limits=meta_limits,
        )  # fmt: skip
        return self._register(declared)

    def shared_limit(
        self,
        limit_value: str | Callable[[], str],
        scope: str | Callable[[str], str],
        *,
        key_func: Callable[[], str] | None = None,
        per_method: bool = False,
        methods: Sequence[str] | None = None,
        error_message: str | Callable[[], str] | None = None,
        exempt_when: Callable[[], bool] | None = None,
        override_defaults: bool = True,
        deduct_when: Callable[[Any], bool] | None = None,
        on_breach: Callable[[RequestLimit], Any] | None = None,
        cost: int | Callable[[], int] = 1,
        meta_limits: Sequence[str | Callable[[], str] | Limit] | None = None,
    ) -> RouteLimit:
        """One budget for several views: every view decorated with ``scope`` draws from it."""
        declared = Limit(
            limit_value, key_func, scope, cost, True, methods, per_method, error_message,
            exempt_when, deduct_when, on_breach, override_defaults, meta_limits=meta_limits,
        )  # fmt: skip
        return self._register(declared)

    def _register(self, declared: Limit) -> RouteLimit:
        return RouteLimit._for(self, declared)

    def _limit_in(self, decorator: object) -> Limit | None:
        """The limit ``decorator`` applies when it is this limiter's ``limit(...)``."""
        if isinstance(decorator, RouteLimit) and decorator._limiter is self:
            return decorator.declared
        return None

    def _add(self, declared: Limit, obj: Any) -> Any:
        """Record ``declared`` for a blueprint, or wrap a view to count it.

        Repeats are dropped: a factory that runs again (a second app, a
        server that imports the app twice) must not charge a request twice.
        """
        if isinstance(obj, Blueprint):
            self._blueprints.add_limit(obj.name, declared)
            return obj
        limits = getattr(obj, "__dict__", {}).get(self._view_attr)
        if limits is not None:
            # Already counted by a wrapper of this limiter (stacked decorators).
            _add_once(limits, declared)
            return obj
        wrapper = self._wrap(obj)
        setattr(wrapper, self._view_attr, [declared])
        return wrapper

    def _wrap(self, view: Callable[..., Any]) -> Callable[..., Any]:
        """The view, counting its own limits each time it is called."""
        if iscoroutinefunction(view):

            @wraps(view)
            async def limited_async(*args: Any, **kwargs: Any) -> Any:
                req = self._view_request()
                if req is not None:
                    await self._check_async(req, self._own_plan(req, limited_async))
                return await view(*args, **kwargs)

            return limited_async

        @wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            req = self._view_request()
            if req is not None:
                # A sync view runs in a worker thread under ASGI: blocking here
                # never stalls the loop.
                self._check(req, self._own_plan(req, limited))
            return view(*args, **kwargs)

        return limited

    def _view_request(self) -> Request | None:
        """The request a decorated view should count, or None when it should not."""
        if not self.enabled or not self.auto_check or self._store is None:
            return None
        if not has_request_context():
            # Called directly (a unit test of the view function): nothing to count.
            return None
        req: Request = request._get_current_object()  # type: ignore[attr-defined]
        if is_preflight(req.method, req.headers) or self._filtered():
            return None
        return req

    def _enforce_block(self, declared: Limit) -> None:
        """Count a ``with limiter.limit(...):`` block, refusing with 429 when over."""
        found = self._block_hits(declared)
        if found is None:
            return
        req, (hits, deferred, meta) = found
        store: RateLimitStore = self._store  # type: ignore[assignment]  # checked above
        if not store.is_memory and on_event_loop():
            raise ConfigurationError(
                "'with limiter.limit(...)' would block the event loop while the rate-limit"
                " store answers; in an async view use 'async with limiter.limit(...)'."
            )
        outcome = store.check(hits, want_stats=self._headers_enabled, meta=meta)
        # Recorded even when it passes: the block's count is then the one
        # current_limit and the headers describe, as in Flask-Limiter.
        self._decide(req, outcome, deferred)

    async def _enforce_block_async(self, declared: Limit) -> None:
        """``async with limiter.limit(...):``: the block's count, without blocking the loop."""
        found = self._block_hits(declared)
        if found is None:
            return
        req, (hits, deferred, meta) = found
        store: RateLimitStore = self._store  # type: ignore[assignment]  # checked above
        outcome = await store.check_async(hits, want_stats=self._headers_enabled, meta=meta)
        self._decide(req, outcome, deferred)

    @overload
    def exempt(self, obj: F, *, flags: ExemptionScope = _ALL_EXEMPT) -> F: ...

    @overload
    def exempt(
        self, obj: None = None, *, flags: ExemptionScope = _ALL_EXEMPT
    ) -> Callable[[F], F]: ...

    def exempt(self, obj: Any = None, *, flags: ExemptionScope = _ALL_EXEMPT) -> Any:
        """Lift default, application and meta limits (as ``flags`` say) from a view or a blueprint.

        An exempt view also loses the limits written on it, as in
        Flask-Limiter (any flags but ``ExemptionScope.NONE``): a port that
        exempts a limited view expects no limit there. Its blueprint's limits
        still apply, and a blueprint's exemption keeps the blueprint's own
        limits (the porting notes say why). A blueprint's exemption holds for
        the blueprints registered inside it only with
        ``ExemptionScope.DESCENDENTS``; ``ExemptionScope.ANCESTORS`` frees its
        views from the limits of the blueprints it is registered inside
        (:mod:`~hipflask.limiter.nesting`).
        """

        def decorator(target: Any) -> Any:
            if isinstance(target, Blueprint):
                self._blueprints.exempt(target.name, flags)
            else:
                self._exempt_views[view_name(target)] = flags
                # What the views and classes declare is read again with it.
                self._endpoints.forget()
            return target

        return decorator if obj is None else decorator(obj)

    def request_filter(self, func: Callable[[], bool]) -> Callable[[], bool]:
        """Register a function that exempts a request from every limit when it returns True."""
        self._request_filters.append(func)
        return func


def _add_once(limits: list[Limit], declared: Limit) -> None:
    if not any(declared.same_as(limit) for limit in limits):
        limits.append(declared)


class RouteLimit:
    """What ``limiter.limit(...)`` returns: a decorator, or a ``with`` block.

    As a decorator it limits a view or a blueprint. As a context manager it
    counts the block each time it runs (a costly branch of a view), under a
    key of its own, and raises the 429 when the budget is spent.

    Built directly, it takes Flask-Limiter's arguments
    (``@RouteLimit("2/second", limiter=limiter)``, with ``key_function``
    where ``limit()`` says ``key_func``), and keeps the defaults beside it
    unless ``override_defaults=True``, as there.
    """

    def __init__(
        self,
        limit_provider: str | Callable[[], str],
        *,
        limiter: LimiterDeclarations,
        key_function: Callable[[], str] | None = None,
        scope: str | Callable[[str], str] | None = None,
        cost: int | Callable[[], int] | None = None,
        shared: bool = False,
        methods: Sequence[str] | None = None,
        per_method: bool = False,
        error_message: str | Callable[[], str] | None = None,
        exempt_when: Callable[[], bool] | None = None,
        deduct_when: Callable[[Any], bool] | None = None,
        on_breach: Callable[[RequestLimit], Any] | None = None,
        override_defaults: bool = False,
    ) -> None:
        self._limiter = limiter
        self.declared = Limit(
            limit_provider, key_function, scope, 1 if cost is None else cost, shared, methods,
            per_method, error_message, exempt_when, deduct_when, on_breach, override_defaults,
        )  # fmt: skip

    @classmethod
    def _for(cls, limiter: LimiterDeclarations, declared: Limit) -> RouteLimit:
        """The one ``limit()`` and ``shared_limit()`` return, for a limit they built."""
        route_limit = cls.__new__(cls)
        route_limit._limiter = limiter
        route_limit.declared = declared
        return route_limit

    def __call__(self, obj: F) -> F:
        return cast("F", self._limiter._add(self.declared, obj))

    def __enter__(self) -> None:
        self._limiter._enforce_block(self.declared)

    def __exit__(self, *exc_info: object) -> None:
        return None

    async def __aenter__(self) -> None:
        await self._limiter._enforce_block_async(self.declared)

    async def __aexit__(self, *exc_info: object) -> None:
        return None
