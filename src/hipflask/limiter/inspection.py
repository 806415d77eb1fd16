"""What a :class:`~hipflask.limiter.Limiter` can tell about its limits.

The answers for views (``current_limit``, ``current_limits``) and for tools
(``limits_for``, ``counters``, ``describe``; the ``hipflask limiter``
commands use them). Kept apart from the counting so each stays readable;
the state they read is the limiter's own.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from hipflask.contexts.globals import current_app
from hipflask.contexts.globals import request
from hipflask.contexts.state import request_state
from hipflask.errors import ConfigurationError

from .rules import ExemptionScope
from .rules import Limit
from .rules import RequestLimit
from .rules import is_static_endpoint

if TYPE_CHECKING:
    from hipflask.security.ratelimit import Hit
    from hipflask.security.ratelimit import RateLimitStore
    from hipflask.wrappers.request import Request

__all__ = ["LimiterInspection", "request_limit", "reset_at"]


class LimiterInspection:
    """The inspection half of :class:`~hipflask.limiter.Limiter`."""

    enabled: bool
    _store: RateLimitStore | None
    _state_key: str
    _prefix: str
    _key_func: Callable[[], str] | None
    _request_identifier: Callable[[], str] | None
    _meta: list[Limit]
    _application: list[Limit]
    _defaults: list[Limit]

    if TYPE_CHECKING:

        def _setting(self, config: Any, name: str) -> Any: ...

        def _lifted(self, endpoint: str | None, blueprints: Sequence[str]) -> ExemptionScope: ...

        def _declared(
            self,
            endpoint: str | None,
            blueprints: list[str],
            *,
            own: bool = True,
            method: str | None = None,
        ) -> list[tuple[Limit, str]]: ...

    def identify_request(self) -> str:
        """The current request's identity: its endpoint, or what ``request_identifier`` returns.

        The limiter takes it for the request's endpoint: budgets are named by
        it, and the view whose limits and exemptions apply is the one it
        names (none, for an identity such as a path). ``""`` when the limiter
        is disabled or not initialised, as in Flask-Limiter.
        """
        if not self.enabled or self._store is None:
            return ""
        return self._identity(request._get_current_object())  # type: ignore[attr-defined]

    def _identity(self, req: Request) -> str:
        """:meth:`identify_request` for a request being counted (the limiter is on)."""
        identifier = self._request_identifier
        return (identifier() if identifier is not None else req.endpoint) or ""

    @property
    def current_limit(self) -> RequestLimit | None:
        """The limit the rate-limit headers describe, with its window.

        The breached limit when the request was refused; otherwise, of the
        last count, the route's own limits before shared ones and the
        smallest unit first, as in Flask-Limiter. ``remaining`` is after
        this request's deduction, a ``deduct_when`` one included.
        """
        state = request_state().extensions.get(self._state_key)
        if state is None or state.outcome.current is None:
            return None
        outcome = state.outcome
        current = outcome.current
        breached = any(hit is current for hit in outcome.refused)
        return request_limit(current, outcome.stats, breached, self._key_func)

    @property
    def current_limits(self) -> list[RequestLimit]:
        """Every limit evaluated for the current request, shortest window first.

        ``remaining`` and ``reset_at`` are known when the rate-limit headers
        are on (their windows are read while counting) and 0 otherwise, as
        reading them afterwards would block an event loop.
        """
        state = request_state().extensions.get(self._state_key)
        if state is None:
            return []
        outcome = state.outcome
        found = [
            request_limit(hit, stats, any(hit is each for each in outcome.refused), self._key_func)
            for hit, stats in outcome.evaluated
        ]
        return sorted(found, key=lambda found: found.limit.get_expiry())

    def limits_for(self, endpoint: str) -> list[tuple[str, Limit, str]]:
        """The limits an endpoint's requests count against, for tools and tests.

        ``(kind, limit, scope)`` in the order requests meet them: ``kind`` is
        ``"meta"``, ``"application"``, ``"route"`` (the view's or its
        blueprint's own) or ``"default"``. Needs the app context. Static
        files count against none, as requests for them are never counted.
        """
        if is_static_endpoint(endpoint):
            return []
        name, _, _view = endpoint.rpartition(".")
        parts = name.split(".") if name else []
        blueprints = [".".join(parts[:index]) for index in range(len(parts), 0, -1)]
        found: list[tuple[str, Limit, str]] = []
        if ExemptionScope.META not in self._lifted(endpoint, blueprints):
            found += [("meta", limit, "meta") for limit in self._meta]
        for limit, scope in self._declared(endpoint, blueprints):
            if any(limit is application for application in self._application):
                kind = "application"
            elif any(limit is default for default in self._defaults):
                kind = "default"
            else:
                kind = "route"
            found.append((kind, limit, scope))
        return found

    def counters(
        self, limit: Limit, scope: str, key: str, method: str = "GET"
    ) -> list[tuple[Any, tuple[str, ...]]]:
        """The store counters ``key`` uses under ``limit``: ``(item, identifiers)`` pairs.

        Empty for a limit whose value depends on the request (a callable).
        """
        identifiers = limit.identifiers(key, scope, self._prefix, method)
        return [(item, identifiers) for item in limit.static_items or ()]

    def describe(self) -> dict[str, str]:
        """This limiter's effective settings, as ``hipflask limiter config`` prints them.

        The storage address is shown without its password.
        """
        config = current_app.config
        setting = self._setting

        def listed(limits: list[Limit]) -> str:
            return "; ".join(_limit_text(limit) for limit in limits) or "-"

        return {
            "Enabled": str(self.enabled),
            "Key function": _callable_name(self._key_func),
            "Key prefix": self._prefix or "-",
            "Storage": _without_password(str(setting(config, "STORAGE_URI"))),
            "Strategy": str(setting(config, "STRATEGY")),
            "Default limits": listed(self._defaults),
            "Application limits": listed(self._application),
            "Meta limits": listed(self._meta),
            "Headers": str(bool(setting(config, "HEADERS_ENABLED"))),
            "Fail on first breach": str(bool(setting(config, "FAIL_ON_FIRST_BREACH"))),
            "Swallow errors": str(bool(setting(config, "SWALLOW_ERRORS"))),
            # On when enabled, or when fallback limits are listed, as the store has it.
            "In-memory fallback": str(
                self._store.fallback
                if self._store is not None
                else bool(setting(config, "IN_MEMORY_FALLBACK_ENABLED"))
                or bool(setting(config, "IN_MEMORY_FALLBACK"))
            ),
        }

    @property
    def limiter(self) -> Any:
        """The ``limits`` strategy counting this limiter's requests (blocking API)."""
        if self._store is None:
            raise ConfigurationError("The limiter is not initialised; call init_app(app) first.")
        return self._store.limiter

    @property
    def storage(self) -> Any:
        """The ``limits`` storage counting this limiter's requests."""
        if self._store is None:
            raise ConfigurationError("The limiter is not initialised; call init_app(app) first.")
        return self._store.limiter.storage


def request_limit(
    hit: Hit, stats: Any, breached: bool, key_func: Callable[[], str] | None = None
) -> RequestLimit:
    """``hit`` as the app is told of it; ``key_func`` is the limiter's own."""
    source = hit.source
    return RequestLimit(
        limit=hit.item,
        key=hit.item.key_for(*hit.identifiers),
        reset_at=reset_at(stats.reset_time) if stats else 0,
        remaining=stats.remaining if stats else 0,
        breached=breached,
        shared=hit.shared,
        declared=source if isinstance(source, Limit) else None,
        default_key_func=key_func,
    )


def reset_at(reset_time: float) -> int:
    """A window's reset as a whole second no earlier than the real one.

    Truncating would tell a client the window is over up to a second before
    it is, and a client that waits exactly that long is refused again; one
    second more, as Flask-Limiter adds, is never early.
    """
    return int(reset_time) + 1


def _limit_text(limit: Limit) -> str:
    items = limit.static_items
    if items is None:
        return _callable_name(limit.limit_provider)
    return "; ".join(str(item) for item in items)


def _callable_name(func: Any) -> str:
    if func is None:
        return "-"
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


def _without_password(uri: str) -> str:
    """A storage address fit to print: a password in it is masked."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
