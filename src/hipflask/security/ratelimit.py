"""Rate limiting core: count requests in a store, decide, and survive the store failing.

Brute-forcing a login, scraping an API or flooding an expensive view all
need many requests; a budget per client and window makes them slow enough
to fail. The counting itself is the ``limits`` library's (fixed window,
moving window, sliding window counter; memory, Redis, Memcached stores);
what lives here is the part every user of it needs: one evaluation of the
limits that apply to a request, written once as a generator of store
operations and driven either synchronously or on the event loop, and one
answer to "the store is down" (fail open with a logged warning, fall back
to memory, or fail closed with 503).

:mod:`hipflask.limiter` (Flask-Limiter's API) builds on it; anything else
that throttles (login attempts) can use :class:`RateLimitStore` directly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections.abc import Callable
from collections.abc import Generator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import ServiceUnavailable
from werkzeug.exceptions import TooManyRequests

from hipflask._extras import require

if TYPE_CHECKING:
    from limits import RateLimitItem
    from limits.util import WindowStats

__all__ = [
    "Hit",
    "Outcome",
    "RateLimitExceeded",
    "RateLimitStore",
    "StoreUnavailable",
    "parse_limits",
]

logger = logging.getLogger("hipflask.ratelimit")

#: The longest wait before trying a failed store again.
_MAX_BACKOFF = 60.0


def parse_limits(value: str) -> list[RateLimitItem]:
    """Parse ``"5 per minute; 100/day"`` into ``limits`` items, or say what is wrong."""
    limits = require("limits", extra="limiter")
    from .ratelimit_errors import RateLimitStringError

    try:
        return list(limits.parse_many(value))
    except ValueError as exc:
        raise RateLimitStringError(
            f"{value!r} is not a rate limit; write it like '5 per minute',"
            " '100/day' or '10 per second; 1000 per hour'."
        ) from exc


@dataclass(frozen=True)
class Hit:
    """One limit to apply to the current request, under one key.

    ``deduct`` False means "test, do not count yet": Flask-Limiter's
    ``deduct_when`` counts a request only once its response is known.
    """

    item: RateLimitItem
    identifiers: tuple[str, ...]
    cost: int = 1
    deduct: bool = True
    error_message: str | None = None
    #: The declaration this hit came from, for the caller's own bookkeeping.
    source: Any = None
    #: One budget under a name several routes share: the headers describe
    #: it only when the request met no limit of its own route.
    shared: bool = False
    #: Limits on how often a client may breach this one: tested before the
    #: request is counted, and counted when this limit refuses it.
    meta: tuple[Hit, ...] = ()


@dataclass
class Outcome:
    """What the store said about a request's limits."""

    breached: Hit | None = None
    current: Hit | None = None
    stats: WindowStats | None = None
    failed_open: bool = False
    #: Every limit looked at, with its window when the caller asked for stats.
    evaluated: list[tuple[Hit, WindowStats | None]] = field(default_factory=list)
    #: The refusal came from a meta limit: the client breached too often.
    meta_breached: bool = False
    #: Every limit that refused the request, shortest unit first: more than
    #: one only without ``fail_on_first_breach``.
    refused: list[Hit] = field(default_factory=list)


class RateLimitExceeded(TooManyRequests):
    """429, with ``Retry-After``; a JSON body when the client asked for JSON.

    ``limit`` is the breached limit, as Flask-Limiter's exception carries it,
    so ``@app.errorhandler(429)`` handlers written for it keep working. Raised
    by an app as there (``RateLimitExceeded(limiter.current_limit)``, with a
    response second), the limit's ``error_message``, else the limit itself,
    is the description.
    """

    def __init__(
        self,
        limit: Any = None,
        response: Any = None,
        *,
        description: str | None = None,
        retry_after: int | None = None,
        as_json: bool = False,
        negotiated: bool = False,
    ) -> None:
        self.limit = limit
        if description is None:
            description = _described(limit)
        super().__init__(
            description or "Too many requests.", response=response, retry_after=retry_after
        )
        self.as_json = as_json
        #: JSON or HTML was chosen from the request's ``Accept`` and body type
        #: (the limiter's refusals): the answer says so in ``Vary``, so that a
        #: shared cache keeps a JSON client's refusal from a browser.
        self.negotiated = negotiated

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        headers = super().get_headers(*args, **kwargs)
        if self.as_json:
            headers = [
                ("Content-Type", "application/json")
                if name.lower() == "content-type"
                else (name, value)
                for name, value in headers
            ]
        if self.negotiated:
            headers.append(("Vary", "Accept, Content-Type"))
        return headers

    def get_body(self, *args: Any, **kwargs: Any) -> str:
        if not self.as_json:
            return super().get_body(*args, **kwargs)
        body: dict[str, Any] = {"error": "too_many_requests", "message": self.description}
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        return json.dumps(body)


def _described(limit: Any) -> str | None:
    """A limit's ``error_message`` (called when callable), else the limit's own text."""
    message = getattr(limit, "error_message", None)
    if callable(message):
        message = message()
    if message:
        return str(message)
    item = getattr(limit, "limit", None)
    return None if item is None else str(item)


class StoreUnavailable(ServiceUnavailable):
    """503: the rate-limit store is down and the app is set to fail closed."""

    description = "The service cannot check its request limits right now; please try again shortly."


_Op = tuple[str, Hit]


def evaluate(
    hits: Sequence[Hit],
    *,
    want_stats: bool,
    first_breach: bool,
    meta: Sequence[Hit] = (),
) -> Generator[_Op, Any, Outcome]:
    """The decision, as a sequence of store operations a driver performs.

    Yields ``("hit" | "test" | "stats", hit)`` and receives the store's
    answer, so the sync and the async driver share every line of logic.
    ``hits`` are counted shortest unit first, and with ``first_breach`` the
    first refusal ends the count. Without it, ``breached`` is still the
    first (shortest) refusal, but ``current``, whose window the headers and
    ``Retry-After`` announce, is the last: a client that waited out only
    the shortest window would be refused again.

    ``meta`` are limits on how often a client may breach the others: they
    are tested first (a client over them is refused outright, whatever the
    route), and counted once each time a request breaches a limit, so a
    client hammering past its budget is shut out for the meta window
    instead of retrying the moment a short window resets.
    """
    outcome = Outcome()
    if (yield from _meta_refuses(_with_own_meta(meta, hits), outcome)):
        return outcome
    seen: list[Hit] = []
    refused = outcome.refused
    for hit in _counting_order(hits):
        op = "hit" if hit.deduct else "test"
        allowed = yield (op, hit)
        seen.append(hit)
        if not allowed:
            refused.append(hit)
            if first_breach:
                break
    if refused:
        outcome.breached = refused[0]
        outcome.current = refused[-1]
        # The app's meta limits, and those of the limits that refused it.
        for hit in _with_own_meta(meta, refused):
            yield ("hit", hit)
    elif seen:
        # Nothing breached: the route's own limit of the smallest unit (the
        # first of equal ones), as Flask-Limiter reports it.
        outcome.current = min([hit for hit in seen if not hit.shared] or seen, key=_unit)
    # A refusal always needs its window, for Retry-After; through the same
    # driver, so the async path never falls back to a blocking call.
    if (want_stats or outcome.breached is not None) and outcome.current is not None:
        outcome.stats = yield ("stats", outcome.current)
    for hit in seen:
        # The other windows only when asked (each is a store round trip),
        # and the refusals' always, for what the app is told of them.
        if hit is outcome.current:
            outcome.evaluated.append((hit, outcome.stats))
        elif want_stats or any(hit is each for each in refused):
            outcome.evaluated.append((hit, (yield ("stats", hit))))
        else:
            outcome.evaluated.append((hit, None))
    return outcome


def _with_own_meta(meta: Sequence[Hit], hits: Sequence[Hit]) -> Sequence[Hit]:
    """``meta`` and the meta limits ``hits`` carry, each once."""
    if not any(hit.meta for hit in hits):
        return meta
    every = list(meta)
    for hit in hits:
        for own in hit.meta:
            if not any(own is known for known in every):
                every.append(own)
    return every


def _meta_refuses(meta: Sequence[Hit], outcome: Outcome) -> Generator[_Op, Any, bool]:
    """Test the meta limits first; a client over one is refused, whatever the route."""
    for hit in meta:
        if not (yield ("test", hit)):
            outcome.breached = outcome.current = hit
            outcome.refused.append(hit)
            outcome.meta_breached = True
            outcome.stats = yield ("stats", hit)
            outcome.evaluated.append((hit, outcome.stats))
            return True
    return False


def _counting_order(hits: Sequence[Hit]) -> Sequence[Hit]:
    """The shortest unit first (equal ones in the order given), as Flask-Limiter counts.

    A request the per-second limit refuses then stops there, and is not
    charged to the per-minute budget, which would otherwise run out for
    requests that were never served.
    """
    return sorted(hits, key=_unit) if len(hits) > 1 else hits


def _unit(hit: Hit) -> int:
    # The unit's length (a minute for "10 per 5 minutes"), as limits orders items.
    return int(hit.item.GRANULARITY.seconds)


def _storage_options(uri: str, options: dict[str, Any] | None) -> dict[str, Any]:
    merged = dict(options or {})
    if not uri.startswith("memory://"):
        # A store failure must surface as one exception type the fail-open /
        # fail-closed logic catches, whatever the driver raises.
        merged.setdefault("wrap_exceptions", True)
    return merged


class RateLimitStore:
    """A store of counters behind ``storage_uri``, with both drivers and failover.

    :param swallow_errors: on a store failure, log a warning and let the
        request through (fail open). False fails closed with 503.
    :param fallback: on a store failure, count in this process's memory
        instead until the store answers again (Flask-Limiter's
        ``in_memory_fallback``); takes precedence over ``swallow_errors``.
    """

    def __init__(
        self,
        storage_uri: str = "memory://",
        strategy: str = "fixed-window",
        storage_options: dict[str, Any] | None = None,
        *,
        swallow_errors: bool = False,
        fallback: bool = False,
        fallback_items: Sequence[RateLimitItem] | Callable[[], Sequence[RateLimitItem]] = (),
        fail_on_first_breach: bool = True,
    ) -> None:
        limits = require("limits", extra="limiter")
        strategies = require("limits.strategies", extra="limiter")
        from .ratelimit_errors import RateLimitConfigurationError

        if strategy not in strategies.STRATEGIES:
            raise RateLimitConfigurationError(
                f"RATELIMIT_STRATEGY {strategy!r} is unknown; use one of"
                f" {', '.join(sorted(strategies.STRATEGIES))}."
            )
        if storage_uri.startswith("async+"):
            raise RateLimitConfigurationError(
                f"RATELIMIT_STORAGE_URI {storage_uri!r}: give the URI without 'async+'"
                f" ({storage_uri[len('async+') :]!r}); the async driver is used on the"
                " event loop by itself."
            )
        self.uri = storage_uri
        self.strategy = strategy
        self._options = _storage_options(storage_uri, storage_options)
        self.is_memory = storage_uri.startswith("memory://")
        self.is_redis = storage_uri.startswith(("redis://", "rediss://"))
        try:
            storage = limits.storage.storage_from_string(storage_uri, **self._options)
        except Exception as exc:
            # Whatever the driver raises while building the store from the URI
            # (an unknown scheme, a missing client, a cluster URI without
            # nodes, options it does not take) is a setting it cannot use.
            raise RateLimitConfigurationError(
                f"RATELIMIT_STORAGE_URI {storage_uri!r} cannot be used: {exc}. Use"
                " 'memory://' (one process) or 'redis://host:6379' (shared); the"
                " Redis client comes with pip install 'hipflask[limiter]'."
            ) from exc
        self.limiter = strategies.STRATEGIES[strategy](storage)
        self.swallow_errors = swallow_errors
        self.fallback = fallback or bool(fallback_items)
        # A callable gives the limits per request (Flask-Limiter takes
        # callables there), read when the fallback counts one.
        self.fallback_items: Sequence[RateLimitItem] | Callable[[], Sequence[RateLimitItem]] = (
            fallback_items if callable(fallback_items) else tuple(fallback_items)
        )
        self.first_breach = fail_on_first_breach
        self._memory: Any = None
        self._async: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
        self._down_until = 0.0
        self._failures = 0
        self._errors: tuple[type[BaseException], ...] = (limits.errors.StorageError,)

    # -- the drivers -------------------------------------------------------------

    def check(
        self, hits: Sequence[Hit], *, want_stats: bool = True, meta: Sequence[Hit] = ()
    ) -> Outcome:
        """Count ``hits`` against the store, blocking; for WSGI and threads."""
        if not self._is_down():
            try:
                outcome = self._drive(self.limiter, hits, want_stats, meta)
            except self._errors as exc:
                self._mark_down(exc)
            else:
                self._failures = 0
                return outcome
        return self._degraded(hits, want_stats, meta)

    async def check_async(
        self, hits: Sequence[Hit], *, want_stats: bool = True, meta: Sequence[Hit] = ()
    ) -> Outcome:
        """Count ``hits`` without blocking the event loop (ASGI).

        An in-memory store is called directly: it does no I/O, and one set
        of counters must serve both protocols.
        """
        if self.is_memory:
            return self.check(hits, want_stats=want_stats, meta=meta)
        if not self.is_redis:
            # Other stores (Memcached, MongoDB) keep their blocking client,
            # in a worker thread so the loop stays free.
            return await asyncio.to_thread(self.check, hits, want_stats=want_stats, meta=meta)
        if not self._is_down():
            try:
                outcome = await self._drive_async(self._async_limiter(), hits, want_stats, meta)
            except self._errors as exc:
                self._mark_down(exc)
            else:
                self._failures = 0
                return outcome
        return self._degraded(hits, want_stats, meta)

    def clear(self, hits: Sequence[Hit]) -> None:
        """Forget what was counted under ``hits``, blocking.

        A store that fails keeps its counts: logged, never raised, since
        the caller (a login that succeeded) has nothing better to do.
        """
        try:
            for hit in hits:
                self.limiter.clear(hit.item, *hit.identifiers)
        except self._errors as exc:
            self._mark_down(exc)

    async def clear_async(self, hits: Sequence[Hit]) -> None:
        """:meth:`clear` without blocking the event loop."""
        if not self.is_redis:
            await asyncio.to_thread(self.clear, hits)
            return
        try:
            limiter = self._async_limiter()
            for hit in hits:
                await limiter.clear(hit.item, *hit.identifiers)
        except self._errors as exc:
            self._mark_down(exc)

    def _drive(
        self, limiter: Any, hits: Sequence[Hit], want_stats: bool, meta: Sequence[Hit] = ()
    ) -> Outcome:
        steps = evaluate(hits, want_stats=want_stats, first_breach=self.first_breach, meta=meta)
        try:
            op, hit = next(steps)
            while True:
                op, hit = steps.send(_perform(limiter, op, hit))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    async def _drive_async(
        self, limiter: Any, hits: Sequence[Hit], want_stats: bool, meta: Sequence[Hit] = ()
    ) -> Outcome:
        steps = evaluate(hits, want_stats=want_stats, first_breach=self.first_breach, meta=meta)
        try:
            op, hit = next(steps)
            while True:
                op, hit = steps.send(await _perform(limiter, op, hit))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    def _async_limiter(self) -> Any:
        """One async limiter per event loop: async clients are bound to their loop."""
        loop = asyncio.get_running_loop()
        found = self._async.get(loop)
        if found is None:
            limits = require("limits", extra="limiter")
            strategies = require("limits.aio.strategies", extra="limiter")
            # redis-py's asyncio client (one Redis driver for both
            # protocols), on a pool of ours so aclose() can release it.
            redis = require("redis.asyncio", extra="limiter")
            # Connection options (timeouts, TLS) go to the pool; the storage
            # keeps its own (key prefix, error wrapping).
            own = {"wrap_exceptions", "key_prefix"}
            connection = {k: v for k, v in self._options.items() if k not in own}
            pool = redis.ConnectionPool.from_url(self.uri, **connection)
            options = {k: v for k, v in self._options.items() if k in own}
            options.update(implementation="redispy", connection_pool=pool)
            storage = limits.storage.storage_from_string(f"async+{self.uri}", **options)
            found = (strategies.STRATEGIES[self.strategy](storage), pool)
            self._async[loop] = found
        return found[0]

    async def aclose(self) -> None:
        """Close the connections the async driver opened on the running loop.

        Registered as an ``after_serving`` hook by the limiter, so a server
        shutting down does not leave sockets for the garbage collector.
        """
        found = self._async.pop(asyncio.get_running_loop(), None)
        if found is not None:
            await found[1].disconnect()

    # -- failure -----------------------------------------------------------------

    def _is_down(self) -> bool:
        return self._down_until > time.monotonic()

    def _mark_down(self, exc: BaseException) -> None:
        # Exponential back-off: a dead store is not asked again on every
        # request, which would add a connect timeout to each of them.
        self._failures += 1
        delay = min(2.0 ** (self._failures - 1), _MAX_BACKOFF)
        self._down_until = time.monotonic() + delay
        logger.warning(
            "Rate-limit store %s failed (%s); %s for %.0f s.",
            self.uri,
            exc,
            "counting in memory"
            if self.fallback
            else (
                "letting requests through" if self.swallow_errors else "refusing requests with 503"
            ),
            delay,
        )

    def _degraded(self, hits: Sequence[Hit], want_stats: bool, meta: Sequence[Hit] = ()) -> Outcome:
        if self.fallback:
            return self._drive(self._memory_limiter(), self._fallback_hits(hits), want_stats, meta)
        if self.swallow_errors:
            return Outcome(failed_open=True)
        raise StoreUnavailable(retry_after=max(1, int(self._down_until - time.monotonic())))

    def _fallback_hits(self, hits: Sequence[Hit]) -> list[Hit]:
        found = self.fallback_items
        items = found() if callable(found) else found
        if not items or not hits:
            return list(hits)
        # Like default limits: per client and per route, under keys of their own.
        key = ("fallback", *hits[0].identifiers)
        return [Hit(item, key, source=hits[0].source) for item in items]

    def _memory_limiter(self) -> Any:
        if self._memory is None:
            limits = require("limits", extra="limiter")
            strategies = require("limits.strategies", extra="limiter")
            storage = limits.storage.MemoryStorage()
            self._memory = strategies.STRATEGIES[self.strategy](storage)
        return self._memory

    def reset(self) -> None:
        """Forget every counter (tests; or after changing limits).

        The in-memory fallback's counters go first, so they are gone even
        when the store itself cannot be reached (which then raises).
        """
        if self._memory is not None:
            self._memory.storage.reset()
        self.limiter.storage.reset()


def _perform(limiter: Any, op: str, hit: Hit) -> Any:
    if op == "hit":
        return limiter.hit(hit.item, *hit.identifiers, cost=hit.cost)
    if op == "test":
        return limiter.test(hit.item, *hit.identifiers, cost=hit.cost)
    return limiter.get_window_stats(hit.item, *hit.identifiers)
