"""Declared limits: what ``@limiter.limit(...)`` and ``default_limits`` record.

A declaration is kept as written (a string or a callable) and turned into
:class:`~hipflask.security.ratelimit.Hit` objects per request, because
Flask-Limiter lets the limit string, the key, the cost and the exemption
depend on the request. Static strings are parsed once, at declaration, so a
typo fails at import time rather than on the first request.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from hipflask._extras import require
from hipflask.contexts.globals import request
from hipflask.contexts.state import request_state
from hipflask.errors import ConfigurationError
from hipflask.security.ratelimit import Hit
from hipflask.security.ratelimit import parse_limits
from hipflask.security.ratelimit_errors import RateLimitStringError

__all__ = [
    "ApplicationLimit",
    "ExemptionScope",
    "HeaderNames",
    "Limit",
    "MetaLimit",
    "RequestLimit",
    "is_static_endpoint",
]

logger = logging.getLogger("hipflask.limiter")

#: Where the limits a callable gave for the current request are kept, so
#: that it is called (and a bad value logged) once per request.
_DYNAMIC = "hipflask.limiter.dynamic"


class ExemptionScope(enum.Flag):
    """Which limits ``@limiter.exempt(flags=...)`` lifts (Flask-Limiter's names)."""

    NONE = 0
    APPLICATION = enum.auto()
    META = enum.auto()
    DEFAULT = enum.auto()
    DESCENDENTS = enum.auto()
    ANCESTORS = enum.auto()


class HeaderNames(enum.Enum):
    """The rate-limit headers, for ``header_name_mapping``."""

    RESET = "X-RateLimit-Reset"
    REMAINING = "X-RateLimit-Remaining"
    LIMIT = "X-RateLimit-Limit"
    RETRY_AFTER = "Retry-After"


@dataclass(frozen=True)
class RequestLimit:
    """A limit as it applied to the current request (Flask-Limiter's ``RequestLimit``).

    What ``limiter.current_limit`` and ``current_limits`` return, what
    ``on_breach`` receives, and ``RateLimitExceeded.limit``: an error handler
    written for Flask-Limiter reads ``e.limit.limit`` (the ``limits`` item),
    ``e.limit.key`` or ``e.limit.error_message``, so the declaration's options
    are readable here too, under Flask-Limiter's names.
    """

    limit: Any
    key: str
    #: When the window resets, rounded up to a whole second (the header's value).
    reset_at: int
    remaining: int
    breached: bool
    #: One budget under a name (``shared_limit``, application limits).
    shared: bool = False
    #: The declaration the limit came from, None for one made by hand.
    declared: Limit | None = field(default=None, compare=False, repr=False)
    #: The limiter's key function, which counted the request when the
    #: declaration names none of its own.
    default_key_func: Callable[[], str] | None = field(default=None, compare=False, repr=False)

    @property
    def item(self) -> Any:
        """The ``limits`` item, under the name the breached limit had before."""
        return self.limit

    @property
    def window(self) -> Any:
        """``(reset_time, remaining)`` as the ``limits`` library's ``WindowStats``.

        Flask-Limiter's ``window``, which ``reset_at`` and ``remaining`` are
        read from. The reset time is :attr:`reset_at`, the whole second the
        headers announce: at most a second after the store's own timestamp,
        so a client told to wait until then is never early.
        """
        stats = require("limits", extra="limiter").WindowStats
        return stats(float(self.reset_at), self.remaining)

    @property
    def error_message(self) -> str | Callable[[], str] | None:
        """The declared ``error_message``, as written (a string or a callable)."""
        return self.declared.error_message if self.declared is not None else None

    @property
    def key_func(self) -> Callable[[], str] | None:
        """The key function the request was counted by: the declared one, else the limiter's.

        Always a callable for a limit the limiter counted, as Flask-Limiter's
        is, so a handler may call it to name the client refused.
        """
        declared = self.declared.key_function if self.declared is not None else None
        return declared or self.default_key_func

    @property
    def meta_limits(self) -> tuple[str | Callable[[], str] | Limit, ...]:
        """The meta limits declared on this limit (none for most)."""
        if self.declared is None or not self.declared.meta_limits:
            return ()
        return tuple(self.declared.meta_limits)

    @property
    def scope(self) -> str | Callable[[str], str] | None:
        """The declared ``scope``."""
        return self.declared.scope if self.declared is not None else None

    @property
    def methods(self) -> Sequence[str] | None:
        """The declared ``methods`` (lower case), None for every method."""
        return self.declared.methods if self.declared is not None else None

    @property
    def per_method(self) -> bool:
        """Whether each method has a budget of its own."""
        return self.declared.per_method if self.declared is not None else False

    @property
    def cost(self) -> int | Callable[[], int]:
        """The declared ``cost``."""
        return self.declared.cost if self.declared is not None else 1

    @property
    def override_defaults(self) -> bool:
        """Whether the limit replaces the defaults."""
        return self.declared.override_defaults if self.declared is not None else True

    @property
    def exempt_when(self) -> Callable[[], bool] | None:
        """The declared ``exempt_when``."""
        return self.declared.exempt_when if self.declared is not None else None

    @property
    def deduct_when(self) -> Callable[[Any], bool] | None:
        """The declared ``deduct_when``."""
        return self.declared.deduct_when if self.declared is not None else None

    @property
    def on_breach(self) -> Callable[[Any], Any] | None:
        """The declared per-limit ``on_breach``."""
        return self.declared.on_breach if self.declared is not None else None


@dataclass(eq=False)
class Limit:
    """One declared limit and the options it was declared with.

    The fields keep Flask-Limiter's names and order, so
    ``default_limits=[Limit("100/day", key_function=...)]`` ports as written.
    """

    limit_provider: str | Callable[[], str]
    key_function: Callable[[], str] | None = None
    scope: str | Callable[[str], str] | None = None
    cost: int | Callable[[], int] = 1
    shared: bool = False
    methods: Sequence[str] | None = None
    per_method: bool = False
    error_message: str | Callable[[], str] | None = None
    exempt_when: Callable[[], bool] | None = None
    deduct_when: Callable[[Any], bool] | None = None
    on_breach: Callable[[Any], Any] | None = None
    override_defaults: bool = True
    #: Limits on how often a client may breach this one (Flask-Limiter 4's
    #: ``meta_limits``); keyword-only here, after the fields hipflask had.
    meta_limits: Sequence[str | Callable[[], str] | Limit] | None = field(
        default=None, kw_only=True
    )
    _items: list[Any] | None = field(default=None, init=False, repr=False)
    _meta: list[Limit] = field(default_factory=list, init=False, repr=False)
    #: A default, application or meta limit: nothing stands in for it, so a
    #: callable giving garbage is an error rather than a limit skipped.
    _strict: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.limit_provider, str):
            self._items = parse_limits(self.limit_provider)
        if self.methods is not None:
            self.methods = [method.lower() for method in self.methods]
        if self.meta_limits:
            # Each breach is counted against them and a client over one is
            # refused: a bad callable value must not leave that unguarded.
            self._meta = as_limits(self.meta_limits, strict=True, scope="meta", shared=True)

    def applies_to(self, method: str) -> bool:
        """Whether requests with ``method`` count against this declaration.

        One that does not (``methods=["POST"]`` on a GET) does not stand in
        for the default limits either: they apply, as in Flask-Limiter. A
        ``HEAD`` counts as the ``GET`` it is answered by.
        """
        if self.methods is None:
            return True
        method = method.lower()
        return method in self.methods or _counted_method(method) in self.methods

    def current_items(self) -> list[Any] | None:
        """The parsed limits for the current request; None when a callable gave no limit.

        A callable is read per request (a plan from the database, a header).
        An empty value is no limit for this request, as in Flask-Limiter. A
        bad value of a view's or blueprint's limit is logged and the
        declaration counts as absent, so the defaults apply in its place, as
        there. A default, application or meta limit has nothing in its
        place: its bad value raises :class:`ConfigurationError`, a 500 as in
        Flask-Limiter but saying which callable and value, rather than leave
        every request unlimited.
        """
        if self._items is not None:
            return self._items
        found: dict[int, list[Any] | None] = request_state().extensions.setdefault(_DYNAMIC, {})
        if id(self) not in found:
            value = self.limit_provider()  # type: ignore[operator]
            found[id(self)] = self._parse(value) if value else None
        return found[id(self)]

    def _parse(self, value: str) -> list[Any] | None:
        try:
            return parse_limits(value)
        except ConfigurationError as exc:
            if self._strict:
                provider = self.limit_provider
                name = getattr(provider, "__qualname__", None) or repr(provider)
                raise RateLimitStringError(
                    f"The rate limit callable {name} returned {value!r}: {exc} A default,"
                    " application or meta limit has no other limit to stand in for it, so"
                    " the request is refused rather than counted against none; fix the"
                    " value, or set RATELIMIT_SWALLOW_ERRORS to log and skip it."
                ) from exc
            logger.error("Rate limit skipped: %r is not a rate limit.", value)
            return None

    def usable(self, method: str | None) -> bool:
        """Whether this declaration counts requests with ``method`` now.

        One that does not (another method's, or a callable that gave no
        limit) does not stand in for the defaults. ``None``: any request
        (tools asking outside a request).
        """
        return method is None or (self.applies_to(method) and self.current_items() is not None)

    def hits(self, default_key: Callable[[], str], scope: str, prefix: str) -> list[Hit]:
        """The :class:`Hit` objects this declaration adds to the current request."""
        if not self.applies_to(request.method):
            return []
        if self.exempt_when is not None and self.exempt_when():
            return []
        items = self.current_items()
        if items is None:
            return []
        key = (self.key_function or default_key)()
        if not key:
            # No one to count (no API key sent, say): counting every such
            # request under one empty key would make strangers share a
            # budget. The limit is skipped, as in Flask-Limiter.
            logger.warning("Rate limit skipped: the key function returned %r.", key)
            return []
        identifiers = self.identifiers(key, scope, prefix, request.method, request.endpoint or "")
        # A cost of 0 written as a number is 1, as Flask-Limiter reads it
        # (``cost or 1``): a typo'd zero must not make every request free. A
        # callable may still return 0 to let a request through uncounted.
        cost = self.cost() if callable(self.cost) else (self.cost or 1)
        message = self.error_message() if callable(self.error_message) else self.error_message
        deduct = self.deduct_when is None
        meta: tuple[Hit, ...] = ()
        if self._meta:
            # Keyed as this limit is unless a meta limit has a key of its own.
            own_key = self.key_function or default_key
            meta = tuple(hit for limit in self._meta for hit in limit.hits(own_key, "meta", prefix))
        return [
            Hit(item, identifiers, cost, deduct, message, self, self.shared, meta) for item in items
        ]

    def identifiers(
        self, key: str, scope: str, prefix: str, method: str, endpoint: str | None = None
    ) -> tuple[str, ...]:
        """The store key parts for ``key`` under this declaration.

        Shared: the scope is the budget's name. Otherwise a declared scope
        subdivides the route's budget, as Flask-Limiter combines them. A
        callable scope is given the request's ``endpoint`` (``scope`` when
        none is given, outside a request), as there, even where the budget
        is named by a ``request_identifier``.
        """
        if self.scope is not None:
            if callable(self.scope):
                named = self.scope(scope if endpoint is None else endpoint)
            else:
                named = self.scope
            scope = named if self.shared else f"{scope}:{named}"
        if self.per_method:
            # In the scope, upper case, as Flask-Limiter keys it: the store
            # keys and ``RequestLimit.key`` read the same.
            scope = f"{scope}:{_counted_method(method).upper()}"
        identifiers: tuple[str, ...] = (key, scope)
        if prefix:
            identifiers = (prefix, *identifiers)
        return identifiers

    def same_as(self, other: Limit) -> bool:
        """Whether ``other`` declares the same limit with the same options.

        An app factory run twice declares every limit twice; a repeat is the
        same limit, not a second budget (Flask-Limiter keeps a set).
        Callables compare by identity, as they do there.
        """
        return self._signature() == other._signature()

    def _signature(self) -> tuple[Any, ...]:
        methods = tuple(self.methods) if self.methods is not None else None
        return (
            self.limit_provider, self.key_function, self.scope, self.cost, self.shared,
            methods, self.per_method, self.error_message, self.exempt_when,
            self.deduct_when, self.on_breach, self.override_defaults,
            tuple(self.meta_limits) if self.meta_limits else None,
        )  # fmt: skip

    @property
    def static_items(self) -> list[Any] | None:
        """The parsed limits, or None when they depend on the request (a callable)."""
        return self._items


@dataclass(eq=False)
class ApplicationLimit(Limit):
    """A limit on the whole app, shared by every route (``application_limits=[...]``).

    Flask-Limiter's class: its scope is ``"global"`` unless given, and it is
    always shared.
    """

    scope: str | Callable[[str], str] | None = field(default="global", kw_only=True)
    shared: bool = field(default=True, init=False)
    # Flask-Limiter has meta_limits at the next position: these are keyword
    # arguments, so a positional call written for it fails instead of
    # filling the wrong field.
    exempt_when: Callable[[], bool] | None = field(default=None, kw_only=True)
    deduct_when: Callable[[Any], bool] | None = field(default=None, kw_only=True)
    on_breach: Callable[[Any], Any] | None = field(default=None, kw_only=True)
    override_defaults: bool = field(default=True, init=False)


@dataclass(eq=False)
class MetaLimit(Limit):
    """A bound on how often a client may breach the other limits (``meta_limits=[...]``).

    Flask-Limiter's class: its scope is ``"meta"`` unless given, and it is
    always shared.
    """

    key_function: Callable[[], str] | None = field(default=None, kw_only=True)
    scope: str | Callable[[str], str] | None = field(default="meta", kw_only=True)
    shared: bool = field(default=True, init=False)
    deduct_when: Callable[[Any], bool] | None = field(default=None, init=False)
    override_defaults: bool = field(default=True, init=False)
    # A meta limit has none of its own, as in Flask-Limiter.
    meta_limits: Sequence[str | Callable[[], str] | Limit] | None = field(default=None, init=False)


def _counted_method(method: str) -> str:
    """The method, lower case, whose budget a request with ``method`` draws from.

    A ``HEAD`` runs the ``GET`` view and answers with its status and
    headers: counted apart (Flask-Limiter matches ``methods=["GET"]`` and
    keys ``per_method`` by the method as sent), it would be a second budget,
    or none, for probing what the ``GET`` limit guards (a token in the URL,
    200 or 404).
    """
    method = method.lower()
    return "get" if method == "head" else method


def as_limits(
    values: Sequence[str | Callable[[], str] | Limit] | str | Callable[[], str] | Limit | None,
    *,
    strict: bool = False,
    **options: Any,
) -> list[Limit]:
    """Normalise ``default_limits``-style lists (strings, callables, :class:`Limit`).

    One of them alone is a list of one, as a ``RATELIMIT_DEFAULT``,
    ``_APPLICATION`` or ``_META`` setting may hold it in Flask-Limiter.
    ``strict``: a callable among them that returns garbage raises rather
    than being skipped (see :meth:`Limit.current_items`).
    """
    if values is None:
        return []
    if isinstance(values, (str, Limit)) or callable(values):
        values = [values]
    limits = [value if isinstance(value, Limit) else Limit(value, **options) for value in values]
    for limit in limits:
        limit._strict = strict
    return limits


def is_static_endpoint(endpoint: str | None) -> bool:
    """Whether ``endpoint`` is the app's or a blueprint's static files (never limited).

    A page's stylesheets, scripts and images would otherwise each count
    against the default and application limits, as Flask-Limiter never
    counts them.
    """
    return endpoint is not None and endpoint.rpartition(".")[2] == "static"
