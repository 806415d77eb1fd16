"""``Limiter``: Flask-Limiter's API over the gate and :mod:`hipflask.security.ratelimit`.

Application, default and blueprint limits are a gate check at
``ORDER_RATE_LIMIT``: after the host check, the CORS preflight and the
cross-origin refusal (a refused or preflight request costs no budget),
before CSRF, authentication and the view, so a flood is turned away before
any of them does work. A view's own ``@limiter.limit`` is counted when its
decorated function is called, as Flask-Limiter does: after the decorators
written above it (``@jwt_required()``, ``@login_required``), so a key
function may read the signed-in user (defaults kept beside those limits
go with them). The finisher adds the rate-limit
headers and makes the deductions ``deduct_when`` deferred until the
response was known. An app that never creates a ``Limiter`` registers
nothing and pays nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import replace
from functools import wraps
from inspect import iscoroutinefunction
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar
from typing import cast

from hipflask.contexts.ctx import has_request_context
from hipflask.contexts.globals import current_app
from hipflask.contexts.globals import request
from hipflask.contexts.state import request_state
from hipflask.core.blueprints import Blueprint
from hipflask.errors import ConfigurationError
from hipflask.security.cors import is_preflight
from hipflask.security.gate import ORDER_RATE_LIMIT
from hipflask.security.gate import ORDER_RATE_LIMIT_HEADERS
from hipflask.security.ratelimit import Hit
from hipflask.security.ratelimit import Outcome
from hipflask.security.ratelimit import RateLimitExceeded
from hipflask.security.ratelimit import RateLimitStore
from hipflask.security.ratelimit import parse_limits

from .endpoints import EndpointLimits
from .inspection import LimiterInspection
from .inspection import _request_limit
from .inspection import reset_at
from .rules import ExemptionScope
from .rules import HeaderNames
from .rules import Limit
from .rules import RequestLimit
from .rules import as_limits
from .util import get_remote_address

if TYPE_CHECKING:
    from hipflask.core.app import Hipflask
    from hipflask.wrappers.request import Request
    from hipflask.wrappers.response import Response

__all__ = ["Limiter", "RouteLimit"]

F = TypeVar("F", bound=Callable[..., Any])
_ALL_EXEMPT = ExemptionScope.APPLICATION | ExemptionScope.DEFAULT | ExemptionScope.META
#: Arguments whose falsy value gives way to the setting, as in Flask-Limiter.
_FALSY_DEFERS = frozenset({"APPLICATION_COST", "DEFAULTS_COST"})


def _name(view: Callable[..., Any]) -> str:
    """A view's name for finding its limits, as Flask-Limiter forms it.

    Names rather than the function objects, so a decorator applied after
    ``@limiter.limit`` (``functools.wraps`` keeps the names) does not lose
    the limits; ``__name__`` is in it because ``as_view`` functions share
    one ``__qualname__`` and differ by name.
    """
    name = getattr(view, "__name__", "")
    return f"{view.__module__}.{name}.{getattr(view, '__qualname__', name)}"


def _is_app(value: object) -> bool:
    return hasattr(value, "view_functions") and hasattr(value, "config")


_Plan = tuple[list[Hit], list[tuple[Hit, Callable[[Any], bool]]], list[Hit]]


class _PerRequest:
    """What the check learned, for the finisher of the same request."""

    __slots__ = ("deferred", "outcome")

    def __init__(self, outcome: Outcome, deferred: list[tuple[Hit, Callable[[Any], bool]]]):
        self.outcome = outcome
        self.deferred = deferred

    def merged(
        self, outcome: Outcome, deferred: list[tuple[Hit, Callable[[Any], bool]]]
    ) -> _PerRequest:
        """This request's gate result joined with its view's own check.

        The headers then speak of the later count's limit, the view's own,
        when it has one, as Flask-Limiter reports it.
        """
        earlier = self.outcome
        evaluated = earlier.evaluated + outcome.evaluated
        chosen = outcome if outcome.current is not None else earlier
        return _PerRequest(replace(chosen, evaluated=evaluated), self.deferred + deferred)


class Limiter(LimiterInspection):
    """Rate limits for an app, as Flask-Limiter declares them.

    ``Limiter(key_func, app=app, default_limits=[...])`` and the older
    ``Limiter(app, default_limits=[...])`` (an app first, counting per
    client address) both work. Arguments win over ``RATELIMIT_*`` settings.
    ``meta_limits`` bound how often a client may breach the others before
    it is shut out; ``auto_check=False`` leaves counting to :meth:`check`.
    """

    def __init__(
        self,
        key_func_or_app: Callable[[], str] | Hipflask | None = None,
        /,
        *,
        key_func: Callable[[], str] | None = None,
        app: Hipflask | None = None,
        default_limits: Sequence[str | Callable[[], str] | Limit] | None = None,
        default_limits_per_method: bool | None = None,
        default_limits_exempt_when: Callable[[], bool] | None = None,
        default_limits_deduct_when: Callable[[Any], bool] | None = None,
        default_limits_cost: int | Callable[[], int] | None = None,
        application_limits: Sequence[str | Callable[[], str] | Limit] | None = None,
        application_limits_per_method: bool | None = None,
        application_limits_exempt_when: Callable[[], bool] | None = None,
        application_limits_deduct_when: Callable[[Any], bool] | None = None,
        application_limits_cost: int | Callable[[], int] | None = None,
        meta_limits: Sequence[str | Callable[[], str] | Limit] | None = None,
        on_meta_breach: Callable[[RequestLimit], Any] | None = None,
        headers_enabled: bool | None = None,
        header_name_mapping: dict[HeaderNames, str] | None = None,
        strategy: str | None = None,
        storage_uri: str | None = None,
        storage_options: dict[str, Any] | None = None,
        swallow_errors: bool | None = None,
        fail_on_first_breach: bool | None = None,
        on_breach: Callable[[RequestLimit], Any] | None = None,
        in_memory_fallback: Sequence[str] | None = None,
        in_memory_fallback_enabled: bool | None = None,
        retry_after: str | None = None,
        key_prefix: str = "",
        request_identifier: Callable[..., str] | None = None,
        enabled: bool = True,
        auto_check: bool = True,
    ) -> None:
        # The tutorials' older form passes the app first; the current one
        # passes the key function first (or by name).
        if _is_app(key_func_or_app):
            app = cast("Hipflask", key_func_or_app)
        elif key_func_or_app is not None:
            key_func = cast("Callable[[], str]", key_func_or_app)
        self.app = app
        self._key_func: Callable[[], str] | None = key_func
        self._request_identifier: Callable[[], str] | None = None
        self._args: dict[str, Any] = {
            "DEFAULT": default_limits,
            "DEFAULTS_PER_METHOD": default_limits_per_method,
            "DEFAULTS_EXEMPT_WHEN": default_limits_exempt_when,
            "DEFAULTS_DEDUCT_WHEN": default_limits_deduct_when,
            "DEFAULTS_COST": default_limits_cost,
            "APPLICATION": application_limits,
            "APPLICATION_PER_METHOD": application_limits_per_method,
            "APPLICATION_EXEMPT_WHEN": application_limits_exempt_when,
            "APPLICATION_DEDUCT_WHEN": application_limits_deduct_when,
            "APPLICATION_COST": application_limits_cost,
            "REQUEST_IDENTIFIER": request_identifier,
            "META": meta_limits,
            "ON_META_BREACH_CALLBACK": on_meta_breach,
            "HEADERS_ENABLED": headers_enabled,
            "STRATEGY": strategy,
            "STORAGE_URI": storage_uri,
            "STORAGE_OPTIONS": storage_options,
            "SWALLOW_ERRORS": swallow_errors,
            "FAIL_ON_FIRST_BREACH": fail_on_first_breach,
            "ON_BREACH_CALLBACK": on_breach,
            "IN_MEMORY_FALLBACK": in_memory_fallback,
            "IN_MEMORY_FALLBACK_ENABLED": in_memory_fallback_enabled,
            "HEADER_RETRY_AFTER_VALUE": retry_after,
            "KEY_PREFIX": key_prefix or None,
        }
        self._header_mapping = dict(header_name_mapping or {})
        self.enabled = enabled
        self.auto_check = auto_check
        self._blueprint_limits: dict[str, list[Limit]] = {}
        self._exempt_views: dict[str, ExemptionScope] = {}
        self._exempt_blueprints: dict[str, ExemptionScope] = {}
        self._request_filters: list[Callable[[], bool]] = []
        self._defaults: list[Limit] = []
        self._application: list[Limit] = []
        self._meta: list[Limit] = []
        self._prefix = ""
        self._store: RateLimitStore | None = None
        # Its own key in the request state: an app may have several limiters.
        self._state_key = f"limiter.{id(self):x}"
        self._checked_key = f"{self._state_key}.checked"
        # Set once a limit's wrapper or block counted the defaults, so a
        # second one in the same request does not count them again.
        self._defaults_key = f"{self._state_key}.defaults"
        # Where a decorated view keeps this limiter's limits: on the function
        # itself, so each app made by a factory has its own declarations.
        self._view_attr = f"_hipflask_limits_{id(self):x}"
        self._endpoints = EndpointLimits(self._view_attr, self._limit_in)
        if app is not None:
            self.init_app(app)

    # -- set-up ------------------------------------------------------------------

    def init_app(self, app: Hipflask) -> None:
        """Read the ``RATELIMIT_*`` settings and register the check and its finisher."""
        config = app.config
        for name in (
            "DEFAULT", "APPLICATION", "KEY_PREFIX", "STORAGE_OPTIONS", "IN_MEMORY_FALLBACK",
            "DEFAULTS_EXEMPT_WHEN", "DEFAULTS_DEDUCT_WHEN", "ON_BREACH_CALLBACK", "META",
            "ON_META_BREACH_CALLBACK", "APPLICATION_EXEMPT_WHEN", "APPLICATION_DEDUCT_WHEN",
            "REQUEST_IDENTIFIER",
        ):  # fmt: skip
            config.setdefault(f"RATELIMIT_{name}", None)
        config.setdefault("RATELIMIT_ENABLED", self.enabled)
        config.setdefault("RATELIMIT_STORAGE_URI", config.get("RATELIMIT_STORAGE_URL", "memory://"))
        config.setdefault("RATELIMIT_STRATEGY", "fixed-window")
        config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
        config.setdefault("RATELIMIT_SWALLOW_ERRORS", False)
        config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", False)
        config.setdefault("RATELIMIT_FAIL_ON_FIRST_BREACH", True)
        config.setdefault("RATELIMIT_DEFAULTS_PER_METHOD", False)
        config.setdefault("RATELIMIT_DEFAULTS_COST", 1)
        config.setdefault("RATELIMIT_APPLICATION_PER_METHOD", False)
        config.setdefault("RATELIMIT_APPLICATION_COST", 1)
        config.setdefault("RATELIMIT_HEADER_RETRY_AFTER_VALUE", "delta-seconds")
        for header in HeaderNames:
            config.setdefault(f"RATELIMIT_HEADER_{header.name}", header.value)
        setting = self._setting
        self.enabled = bool(config["RATELIMIT_ENABLED"])
        app.extensions.setdefault("limiter", set()).add(self)
        _register_commands(app)
        if not self.enabled:
            return
        self._key_func = self._key_func or config.get("RATELIMIT_KEY_FUNC") or get_remote_address
        self._request_identifier = setting(config, "REQUEST_IDENTIFIER")
        self._headers_enabled = bool(setting(config, "HEADERS_ENABLED"))
        self._headers = {
            header: self._header_mapping.get(header) or config[f"RATELIMIT_HEADER_{header.name}"]
            for header in HeaderNames
        }
        self._retry_as_date = setting(config, "HEADER_RETRY_AFTER_VALUE") == "http-date"
        self._prefix = setting(config, "KEY_PREFIX") or ""
        self._on_breach = setting(config, "ON_BREACH_CALLBACK")
        self._on_meta_breach = setting(config, "ON_META_BREACH_CALLBACK")
        # Failing open is the app's choice: a bad callable limit is then
        # logged and skipped, as Flask-Limiter swallows the error.
        strict = not setting(config, "SWALLOW_ERRORS")
        self._defaults = as_limits(
            setting(config, "DEFAULT"),
            strict=strict,
            per_method=bool(setting(config, "DEFAULTS_PER_METHOD")),
            exempt_when=setting(config, "DEFAULTS_EXEMPT_WHEN"),
            deduct_when=setting(config, "DEFAULTS_DEDUCT_WHEN"),
            cost=setting(config, "DEFAULTS_COST"),
        )
        self._application = as_limits(
            setting(config, "APPLICATION"),
            strict=strict,
            scope="global",
            shared=True,
            per_method=bool(setting(config, "APPLICATION_PER_METHOD")),
            exempt_when=setting(config, "APPLICATION_EXEMPT_WHEN"),
            deduct_when=setting(config, "APPLICATION_DEDUCT_WHEN"),
            cost=setting(config, "APPLICATION_COST"),
        )
        # One budget of breaches per client across the whole app, as
        # Flask-Limiter keys them.
        self._meta = as_limits(setting(config, "META"), strict=strict, scope="meta", shared=True)
        fallback = setting(config, "IN_MEMORY_FALLBACK") or []
        if isinstance(fallback, str):
            fallback = [fallback]
        self._store = RateLimitStore(
            setting(config, "STORAGE_URI"),
            setting(config, "STRATEGY"),
            setting(config, "STORAGE_OPTIONS"),
            swallow_errors=bool(setting(config, "SWALLOW_ERRORS")),
            fallback=bool(setting(config, "IN_MEMORY_FALLBACK_ENABLED")),
            fallback_items=[item for text in fallback for item in parse_limits(text)],
            fail_on_first_breach=bool(setting(config, "FAIL_ON_FIRST_BREACH")),
        )
        # Close the async driver's connections when an ASGI server shuts down
        # (appended directly: init_app may run after the first request).
        if self._aclose not in app.after_serving_funcs:
            app.after_serving_funcs.append(self._aclose)
        name = self._state_key
        if self.auto_check:
            app.gate.add_check(
                name, self._gate_check, order=ORDER_RATE_LIMIT, check_async=self._gate_check_async
            )
        app.gate.add_finisher(
            name, self._finish, order=ORDER_RATE_LIMIT_HEADERS, finisher_async=self._finish_async
        )

    async def _aclose(self) -> None:
        """Close the store's async connections (an ``after_serving`` hook)."""
        await self._store.aclose()  # type: ignore[union-attr]  # registered once it exists

    def _setting(self, config: Any, name: str) -> Any:
        value = self._args.get(name)
        if name in _FALSY_DEFERS and not value:
            # ``application_limits_cost=0`` is no argument to Flask-Limiter
            # (it reads ``argument or setting``): a ported app gets the setting.
            value = None
        return value if value is not None else config.get(f"RATELIMIT_{name}")

    # -- declarations ------------------------------------------------------------

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
    ) -> RouteLimit:
        """Limit a view, or every view of a blueprint: ``@limiter.limit("5 per minute")``."""
        declared = Limit(
            limit_value, key_func, scope, cost, False, methods, per_method, error_message,
            exempt_when, deduct_when, on_breach, override_defaults,
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
    ) -> RouteLimit:
        """One budget for several views: every view decorated with ``scope`` draws from it."""
        declared = Limit(
            limit_value, key_func, scope, cost, True, methods, per_method, error_message,
            exempt_when, deduct_when, on_breach, override_defaults,
        )  # fmt: skip
        return self._register(declared)

    def _register(self, declared: Limit) -> RouteLimit:
        return RouteLimit(self, declared)

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
            _add_once(self._blueprint_limits.setdefault(obj.name, []), declared)
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

    def _own_plan(self, req: Request, wrapper: Callable[..., Any]) -> _Plan:
        """The hits of the limits written on the view (or method, or helper) being called.

        With ``override_defaults=False`` the defaults are counted here too,
        after the decorators above, as Flask-Limiter counts them; but only
        when the gate left them here (it saw these limits on the registered
        view or its class), so a limit in a helper the view calls adds no
        second count of the defaults.
        """
        hits: list[Hit] = []
        deferred: list[tuple[Hit, Callable[[Any], bool]]] = []
        scope = self._identity(req)
        if not scope:
            # No identity: counted as a request that matched no route, by the
            # gate's application limits alone.
            return hits, deferred, []
        written: list[Limit] = getattr(wrapper, self._view_attr)
        if self._counts_defaults(req, scope, written):
            # First, as Flask-Limiter counts them: of equal windows, the
            # default's is the one the headers describe.
            for limit in self._defaults:
                self._collect(limit, scope, hits, deferred)
        for limit in written:
            self._collect(limit, scope, hits, deferred)
        return hits, deferred, self._meta_hits(req, scope)

    def _collect(
        self,
        limit: Limit,
        scope: str,
        hits: list[Hit],
        deferred: list[tuple[Hit, Callable[[Any], bool]]],
    ) -> None:
        for hit in limit.hits(self._key_func, scope, self._prefix):  # type: ignore[arg-type]
            hits.append(hit)
            if limit.deduct_when is not None:
                deferred.append((replace(hit, deduct=True), limit.deduct_when))

    def _counts_defaults(self, req: Request, scope: str, written: list[Limit]) -> bool:
        """Whether a limit's wrapper or block counts the defaults with ``written``.

        Only when the gate left them to it, and once per request (a limit on
        ``dispatch_request`` and one on ``get`` both run). The view the
        identity names is the one whose limits say so, as Flask-Limiter
        looks it up: another endpoint's when the identifier gives one, none
        for a path. Limits written outside that view and its class are
        learnt here for the endpoint's next requests.
        """
        view = current_app.view_functions.get(scope)
        registered = self._endpoints.written(scope, view, req.method)
        if any(limit.applies_to(req.method) for limit in registered):
            # Kept beside the view's limits, or in place of limits whose
            # callables gave none (read only now, after the decorators above).
            # With none of them for this method, the gate counted the defaults.
            wanted = (
                not all(limit.override_defaults for limit in written)
                # Blueprint limits kept beside the view's replace them.
                and not any(
                    limit.override_defaults for limit in self._beside(registered, req.blueprints)
                )
            ) or not any(limit.usable(req.method) for limit in registered)
        else:
            # Written in a helper the view calls: learnt for the next requests.
            wanted = self._endpoints.met(scope, view, req.method, written)
        extensions = request_state().extensions
        if not wanted or self._defaults_key in extensions:
            return False
        if ExemptionScope.DEFAULT in self._lifted(scope, req.blueprints):
            return False
        extensions[self._defaults_key] = True
        return True

    def _block_hits(self, declared: Limit) -> tuple[Request, _Plan] | None:
        if not self.enabled or self._store is None:
            return None
        req = request._get_current_object()  # type: ignore[attr-defined]
        identity = self._identity(req)
        if not identity:
            return None
        hits: list[Hit] = []
        deferred: list[tuple[Hit, Callable[[Any], bool]]] = []
        if self._counts_defaults(req, identity, [declared]):
            for limit in self._defaults:
                self._collect(limit, identity, hits, deferred)
        hits += declared.hits(self._key_func, f"{identity}:block", self._prefix)  # type: ignore[arg-type]
        return (req, (hits, deferred, self._meta_hits(req, identity))) if hits else None

    def _enforce_block(self, declared: Limit) -> None:
        """Count a ``with limiter.limit(...):`` block, refusing with 429 when over."""
        found = self._block_hits(declared)
        if found is None:
            return
        req, (hits, deferred, meta) = found
        store: RateLimitStore = self._store  # type: ignore[assignment]  # checked above
        if not store.is_memory and _on_event_loop():
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

    def exempt(self, obj: Any = None, *, flags: ExemptionScope = _ALL_EXEMPT) -> Any:
        """Lift default and application limits from a view or a blueprint.

        A view's own ``@limiter.limit`` still applies: exempting is about
        limits declared for everyone, not the ones written on the view.
        """

        def decorator(target: Any) -> Any:
            if isinstance(target, Blueprint):
                self._exempt_blueprints[target.name] = flags
            else:
                self._exempt_views[_name(target)] = flags
            return target

        return decorator if obj is None else decorator(obj)

    def request_filter(self, func: Callable[[], bool]) -> Callable[[], bool]:
        """Register a function that exempts a request from every limit when it returns True."""
        self._request_filters.append(func)
        return func

    # -- per request -------------------------------------------------------------

    def _filtered(self) -> bool:
        return any(check() for check in self._request_filters)

    def _plan(self, req: Request, *, own: bool = False) -> _Plan:
        """The limits that apply to this request, as hits, the deferred ones and the meta ones.

        ``own``: include the view's own limits too (an explicit
        :meth:`check`); the gate leaves them to the view's wrapper.
        """
        if not self.enabled or is_preflight(req.method, req.headers):
            return [], [], []
        identity = self._identity(req)
        if _is_static_endpoint(identity) or self._filtered():
            return [], [], []
        hits: list[Hit] = []
        deferred: list[tuple[Hit, Callable[[Any], bool]]] = []
        declared = self._declared(identity, list(req.blueprints), own=own, method=req.method)
        for limit, scope in declared:
            self._collect(limit, scope, hits, deferred)
        defaults = self._defaults
        if defaults and any(limit is defaults[0] for limit, _scope in declared):
            # Counted here: a limit met later in this request (a helper the
            # endpoint has just learnt, one learnt meanwhile by another
            # request) must not count them again.
            request_state().extensions[self._defaults_key] = True
        return hits, deferred, self._meta_hits(req, identity)

    def _meta_hits(self, req: Request, identity: str) -> list[Hit]:
        # ``identity``: the caller's, so the app's identifier runs once.
        if not self._meta or ExemptionScope.META in self._lifted(identity, req.blueprints):
            return []
        return [
            hit
            for limit in self._meta
            for hit in limit.hits(self._key_func, "meta", self._prefix)  # type: ignore[arg-type]
        ]

    def _lifted(self, endpoint: str | None, blueprints: Sequence[str]) -> ExemptionScope:
        """The exemptions a view and its blueprints declared."""
        view = current_app.view_functions.get(endpoint) if endpoint else None
        lifted = (
            self._exempt_views.get(_name(view), ExemptionScope.NONE)
            if view
            else ExemptionScope.NONE
        )
        for bp in blueprints:
            lifted |= self._exempt_blueprints.get(_declared_name(bp), ExemptionScope.NONE)
        return lifted

    def _declared(
        self,
        endpoint: str | None,
        blueprints: list[str],
        *,
        own: bool = True,
        method: str | None = None,
    ) -> list[tuple[Limit, str]]:
        """Flask-Limiter's precedence: application limits, then the view's own
        limits, else its blueprint's, else the defaults; exemptions lift the
        application and default ones. ``own=False`` is the gate's share: it
        leaves out the view's own limits and the defaults kept beside them,
        which the view's wrapper counts.

        Given the request's ``method``, written limits declared for other
        methods only do not replace the defaults. A blueprint's limits are
        counted per view, under the view's endpoint, as Flask-Limiter keys
        them; ``shared_limit`` on a blueprint gives one budget.

        ``endpoint`` is the request's identity (:meth:`identify_request`):
        one that names no view (a path) finds no limits or exemptions of
        a view, and gets the blueprint's limits or the defaults, as in
        Flask-Limiter."""
        view = current_app.view_functions.get(endpoint) if endpoint else None
        lifted = self._lifted(endpoint, blueprints)
        declared: list[tuple[Limit, str]] = []
        if ExemptionScope.APPLICATION not in lifted:
            # The endpoint, as Flask-Limiter passes it: a callable scope reads
            # it, and a plain Limit put among them (not shared) keeps a budget
            # per endpoint; the application limits' own "global" scope names
            # one budget for all.
            declared += [(limit, endpoint or "") for limit in self._application]
        if not endpoint:
            return declared
        written = self._endpoints.written(endpoint, view, method)
        # By method only: a limit's callable may need what the view's
        # decorators set up (a verified JWT), so the gate does not call it.
        applies = any(method is None or limit.applies_to(method) for limit in written)
        if not applies and method is not None and self._endpoints.replaced(endpoint, method):
            # Limits met in the view's helpers stand in for the blueprint's
            # and the defaults, and count themselves where they are written.
            return declared
        own = own or not applies
        beside = self._beside(written, blueprints)
        if not written:
            written = self._blueprint_limits_of(blueprints)
        # The blueprint's limits kept beside the view's own are the gate's,
        # as a blueprint's limits always are here.
        declared += [(limit, endpoint) for limit in beside]
        if not own:
            return declared
        use_defaults = ExemptionScope.DEFAULT not in lifted
        if written:
            declared += [(limit, endpoint) for limit in written]
            use_defaults = use_defaults and (
                (not self._applying(written, method) and not beside)
                or (
                    not all(limit.override_defaults for limit in written)
                    and not any(limit.override_defaults for limit in beside)
                )
            )
        if use_defaults:
            declared += [(limit, endpoint) for limit in self._defaults]
        return declared

    def _blueprint_limits_of(self, blueprints: Sequence[str]) -> list[Limit]:
        """The limits of the innermost of ``blueprints`` that declares some."""
        for bp in blueprints:
            found = self._blueprint_limits.get(_declared_name(bp))
            if found:
                return found
        return []

    def _beside(self, written: list[Limit], blueprints: Sequence[str]) -> list[Limit]:
        """The blueprint's limits that still apply beside a view's own limits.

        ``override_defaults=False`` on every one of the view's limits keeps
        what it would replace: the defaults, and for a view in a blueprint
        the blueprint's limits too (Flask-Limiter: "the meaning of the
        parameter extends to any parents"). Those blueprint limits, declared
        with ``override_defaults=True``, then replace the defaults in turn,
        as in Flask-Limiter.
        """
        if not written or any(limit.override_defaults for limit in written):
            return []
        return self._blueprint_limits_of(blueprints)

    @staticmethod
    def _applying(written: list[Limit], method: str | None) -> bool:
        return any(limit.usable(method) for limit in written)

    def _gate_check(self, req: Request) -> Response | None:
        return self._check(req, self._plan(req))

    async def _gate_check_async(self, req: Request) -> Response | None:
        return await self._check_async(req, self._plan(req))

    def _check(self, req: Request, plan: _Plan) -> Response | None:
        """Count ``plan``; a breach raises :class:`RateLimitExceeded` (a gate check)."""
        self._mark_checked()
        hits, deferred, meta = plan
        if not hits and not meta:
            return None
        store: RateLimitStore = self._store  # type: ignore[assignment]  # set when enabled
        outcome = store.check(hits, want_stats=self._headers_enabled, meta=meta)
        self._decide(req, outcome, deferred)
        return None

    async def _check_async(self, req: Request, plan: _Plan) -> Response | None:
        self._mark_checked()
        hits, deferred, meta = plan
        if not hits and not meta:
            return None
        store: RateLimitStore = self._store  # type: ignore[assignment]  # set when enabled
        outcome = await store.check_async(hits, want_stats=self._headers_enabled, meta=meta)
        self._decide(req, outcome, deferred)
        return None

    def check(self) -> None:
        """Check the current request's limits now; raise :class:`RateLimitExceeded` when over.

        For a limiter made with ``auto_check=False``, whose limits are then
        checked only where the app asks (after its own ``before_request``
        work, say): every limit of the request, the view's own included. A
        request already checked is not counted twice, and with automatic
        checks on it does nothing: those count the request already.

        On an event loop (an ``async`` view served over ASGI) a shared store
        would block every other request while it answers: there, use
        ``await limiter.check_async()``.
        """
        req = self._unchecked_request()
        if req is None:
            return
        store: RateLimitStore = self._store  # type: ignore[assignment]  # set when enabled
        if not store.is_memory and _on_event_loop():
            raise ConfigurationError(
                "limiter.check() would block the event loop while the rate-limit store"
                " answers; in an async view use 'await limiter.check_async()'."
            )
        self._check(req, self._plan(req, own=True))

    async def check_async(self) -> None:
        """:meth:`check` for async views: the store is asked without blocking the loop."""
        req = self._unchecked_request()
        if req is not None:
            await self._check_async(req, self._plan(req, own=True))

    def _mark_checked(self) -> None:
        # Its own flag, apart from the recorded count: a passing ``with``
        # block records a count too, and must not make check() a no-op.
        request_state().extensions[self._checked_key] = True

    def _unchecked_request(self) -> Request | None:
        if not self.enabled or self.auto_check or self._store is None:
            return None
        if self._checked_key in request_state().extensions:
            return None
        return request._get_current_object()  # type: ignore[attr-defined, no-any-return]

    def _decide(
        self, req: Request, outcome: Outcome, deferred: list[tuple[Hit, Callable[[Any], bool]]]
    ) -> None:
        """Record the count for the finisher; on a breach, raise the 429.

        An ``on_breach`` answer travels in the exception, as in
        Flask-Limiter, rather than being returned: an ``errorhandler(429)``
        then still sees the breach, with its description and limit, and
        its answer wins, as it does there.
        """
        extensions = request_state().extensions
        earlier = extensions.get(self._state_key)
        if earlier is None:
            extensions[self._state_key] = _PerRequest(outcome, deferred)
        else:
            extensions[self._state_key] = earlier.merged(outcome, deferred)
        breached = outcome.breached
        if breached is None:
            return None
        limit: Limit = breached.source
        callbacks: list[Callable[[RequestLimit], Any] | None]
        if outcome.meta_breached:
            callbacks = [limit.on_breach or self._on_meta_breach]
        elif limit.on_breach is self._on_breach:
            callbacks = [limit.on_breach]
        else:
            # Both, the limiter's first, as Flask-Limiter calls them; a
            # later callback's answer wins over an earlier one's.
            callbacks = [self._on_breach, limit.on_breach]
        answer: Response | None = None
        for callback in callbacks:
            if callback is not None:
                rv = callback(self.current_limit)  # type: ignore[arg-type]  # set just above
                if rv is not None:
                    answer = current_app.make_response(rv)
        raise RateLimitExceeded(
            _request_limit(breached, outcome.stats, True),
            description=breached.error_message or str(breached.item),
            retry_after=self._retry_after(outcome),
            as_json=_wants_json(req),
            response=answer,
        )

    def _retry_after(self, outcome: Outcome) -> int:
        reset = outcome.stats.reset_time if outcome.stats is not None else time.time() + 1
        return max(1, int(reset - time.time() + 0.999))

    def _finish(self, req: Request, response: Response) -> None:
        state = request_state().extensions.get(self._state_key)
        if state is None:
            return
        for hit, predicate in state.deferred:
            if predicate(response):
                hit = _cost_now(hit)
                counted = self._store.check(  # type: ignore[union-attr]
                    [hit], want_stats=self._reports(state.outcome, hit)
                )
                self._recount(state.outcome, counted)
        self._add_headers(state.outcome, response)

    def _reports(self, outcome: Outcome, hit: Hit) -> bool:
        """Whether the headers speak of ``hit``'s window, so its count after deduction is needed."""
        current = outcome.current
        return (
            self._headers_enabled
            and current is not None
            and current.item == hit.item
            and current.identifiers == hit.identifiers
        )

    @staticmethod
    def _recount(outcome: Outcome, counted: Outcome) -> None:
        # ``remaining`` in the headers is after this request's deduction,
        # even when the deduction waited for the response (deduct_when).
        if counted.stats is not None and counted.current is not None:
            outcome.stats = counted.stats

    async def _finish_async(self, req: Request, response: Response) -> None:
        state = request_state().extensions.get(self._state_key)
        if state is None:
            return
        for hit, predicate in state.deferred:
            if predicate(response):
                hit = _cost_now(hit)
                counted = await self._store.check_async(  # type: ignore[union-attr]
                    [hit], want_stats=self._reports(state.outcome, hit)
                )
                self._recount(state.outcome, counted)
        self._add_headers(state.outcome, response)

    def _add_headers(self, outcome: Outcome, response: Response) -> None:
        if not self._headers_enabled or outcome.stats is None or outcome.current is None:
            return
        names = self._headers
        headers = response.headers
        headers[names[HeaderNames.LIMIT]] = str(outcome.current.item.amount)
        headers[names[HeaderNames.REMAINING]] = str(max(0, outcome.stats.remaining))
        headers[names[HeaderNames.RESET]] = str(reset_at(outcome.stats.reset_time))
        if outcome.breached is not None:
            retry_name = names[HeaderNames.RETRY_AFTER]
            if retry_name.lower() != "retry-after":
                # Renamed: the 429 itself carries a standard Retry-After,
                # which the mapping replaces rather than repeats.
                del headers["Retry-After"]
            retry = self._retry_after(outcome)
            if self._retry_as_date:
                from werkzeug.http import http_date

                headers[names[HeaderNames.RETRY_AFTER]] = http_date(time.time() + retry)
            else:
                headers[names[HeaderNames.RETRY_AFTER]] = str(retry)

    def reset(self) -> None:
        """Forget every counter in the store."""
        if self._store is not None:
            self._store.reset()


def _cost_now(hit: Hit) -> Hit:
    """A deferred hit with its cost asked again, once the response is known.

    A callable cost may read what the view found out (``g.cost = ...``);
    Flask-Limiter asks it again when it deducts, after the view.
    """
    cost = getattr(hit.source, "cost", None)
    return replace(hit, cost=cost()) if callable(cost) else hit


def _is_static_endpoint(endpoint: str | None) -> bool:
    """Whether ``endpoint`` is the app's or a blueprint's static files (never limited).

    A page's stylesheets, scripts and images would otherwise each count
    against the default and application limits, as Flask-Limiter never
    counts them.
    """
    return endpoint is not None and endpoint.rpartition(".")[2] == "static"


def _declared_name(registered: str) -> str:
    """The name a blueprint's limits and exemption were declared under.

    ``request.blueprints`` gives a nested blueprint's registered name
    (``"parent.child"``); ``@limiter.limit`` and ``exempt`` saw the
    blueprint object, whose ``name`` is ``"child"``.
    """
    if "." not in registered:
        return registered
    blueprint = current_app.blueprints.get(registered)
    return blueprint.name if blueprint is not None else registered


def _add_once(limits: list[Limit], declared: Limit) -> None:
    if not any(declared.same_as(limit) for limit in limits):
        limits.append(declared)


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _register_commands(app: Hipflask) -> None:
    """Add ``hipflask limiter ...`` to the app's commands, once per app."""
    from .commands import cli

    if "limiter" not in app.cli.commands:
        app.cli.add_command(cli, "limiter")


class RouteLimit:
    """What ``limiter.limit(...)`` returns: a decorator, or a ``with`` block.

    As a decorator it limits a view or a blueprint. As a context manager it
    counts the block each time it runs (a costly branch of a view), under a
    key of its own, and raises the 429 when the budget is spent.
    """

    def __init__(self, limiter: Limiter, declared: Limit) -> None:
        self._limiter = limiter
        self.declared = declared

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


def _wants_json(req: Request) -> bool:
    """JSON when the client prefers it to HTML, or sent JSON and has no preference."""
    accept = req.accept_mimetypes
    json_quality = accept["application/json"]
    html_quality = accept["text/html"]
    if json_quality != html_quality:
        return json_quality > html_quality
    return bool(req.is_json)
