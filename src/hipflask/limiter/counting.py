"""Counting a request's plan in the store, and what the count does to the response.

The store's answer and everything that depends on it live together, so the
429, ``current_limit`` and the rate-limit headers speak of the same count.
The gate's check and :meth:`~hipflask.limiter.Limiter.check` ask the store
(``check`` refuses to block an event loop); a breach becomes the 429,
carrying the app's ``on_breach`` answer. The finisher makes the deductions
``deduct_when`` deferred until the response was known, then writes the
headers.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from werkzeug.wrappers import Response as BaseResponse

from hipflask.contexts.globals import current_app
from hipflask.contexts.globals import request
from hipflask.contexts.state import request_state
from hipflask.errors import ConfigurationError
from hipflask.security.ratelimit import RateLimitExceeded

from .inspection import request_limit
from .inspection import reset_at
from .rules import HeaderNames
from .rules import logger

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from hipflask.security.ratelimit import Hit
    from hipflask.security.ratelimit import Outcome
    from hipflask.security.ratelimit import RateLimitStore
    from hipflask.wrappers.request import Request
    from hipflask.wrappers.response import Response

    from .plan import Plan
    from .rules import Limit
    from .rules import RequestLimit

__all__ = ["LimiterCounting", "on_event_loop"]


class _PerRequest:
    """What the check learned, for the finisher of the same request."""

    __slots__ = ("deferred", "outcome", "retry_sent")

    def __init__(self, outcome: Outcome, deferred: list[tuple[Hit, Callable[[Any], bool]]]):
        self.outcome = outcome
        self.deferred = deferred
        #: The Retry-After the refusal itself carries, to tell it from one
        #: the app's own answer set.
        self.retry_sent: str | None = None

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


class LimiterCounting:
    """The counting part of :class:`~hipflask.limiter.Limiter`: the check and its finisher."""

    enabled: bool
    auto_check: bool
    _store: RateLimitStore | None
    _headers_enabled: bool
    _headers: dict[HeaderNames, str]
    _retry_as_date: bool
    _state_key: str
    _checked_key: str
    _on_breach: Callable[[RequestLimit], Any] | None
    _on_meta_breach: Callable[[RequestLimit], Any] | None
    _key_func: Callable[[], str] | None

    if TYPE_CHECKING:

        def _plan(self, req: Request, *, own: bool = False) -> Plan: ...

        @property
        def current_limit(self) -> RequestLimit | None: ...

    def _gate_check(self, req: Request) -> Response | None:
        return self._check(req, self._plan(req))

    async def _gate_check_async(self, req: Request) -> Response | None:
        return await self._check_async(req, self._plan(req))

    def _check(self, req: Request, plan: Plan) -> Response | None:
        """Count ``plan``; a breach raises :class:`RateLimitExceeded` (a gate check)."""
        self._mark_checked()
        hits, deferred, meta = plan
        if not hits and not meta:
            return None
        store: RateLimitStore = self._store  # type: ignore[assignment]  # set when enabled
        outcome = store.check(hits, want_stats=self._headers_enabled, meta=meta)
        self._decide(req, outcome, deferred)
        return None

    async def _check_async(self, req: Request, plan: Plan) -> Response | None:
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
        if not store.is_memory and on_event_loop():
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
        logger.info(
            "Rate limit %s exceeded by %s at endpoint %s.",
            breached.item,
            breached.identifiers[0] if breached.identifiers else "",
            req.endpoint,
        )
        retry = self._retry_after(outcome)
        extensions[self._state_key].retry_sent = str(retry)
        answer: Response | None = None
        # Each refusal's callbacks, as Flask-Limiter calls them for each
        # limit breached (several without fail_on_first_breach), each told
        # of its own limit; a later answer wins over an earlier one's.
        for hit in outcome.refused:
            told = request_limit(hit, _window(outcome, hit), True, self._key_func)
            for callback in self._breach_callbacks(hit.source, meta=outcome.meta_breached):
                made = self._call_on_breach(callback, told)
                if made is not None:
                    answer = made
        raise RateLimitExceeded(
            request_limit(breached, _window(outcome, breached), True, self._key_func),
            description=breached.error_message or str(breached.item),
            retry_after=retry,
            as_json=_wants_json(req),
            negotiated=True,
            response=answer,
        )

    def _breach_callbacks(self, limit: Limit, *, meta: bool) -> list[Callable[[RequestLimit], Any]]:
        """The ``on_breach`` callbacks a refusal by ``limit`` calls, in order."""
        if meta:
            callbacks = [limit.on_breach or self._on_meta_breach]
        elif limit.on_breach is self._on_breach:
            callbacks = [limit.on_breach]
        else:
            # Both, the limiter's first, as Flask-Limiter calls them.
            callbacks = [self._on_breach, limit.on_breach]
        return [callback for callback in callbacks if callback is not None]

    def _call_on_breach(
        self, callback: Callable[[RequestLimit], Any], told: RequestLimit
    ) -> Response | None:
        try:
            rv = callback(told)
        except Exception:
            if self._store is None or not self._store.swallow_errors:
                raise
            # Failing open, as the app chose: the client still gets its
            # 429, and the callback's failure is logged.
            logger.exception("The on_breach callback failed; sending the 429.")
            return None
        return None if rv is None else _breach_answer(rv)

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
        self._add_headers(state.outcome, response, state.retry_sent)

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
        self._add_headers(state.outcome, response, state.retry_sent)

    def _add_headers(
        self, outcome: Outcome, response: Response, retry_sent: str | None = None
    ) -> None:
        if not self._headers_enabled or outcome.stats is None or outcome.current is None:
            return
        names = self._headers
        headers = response.headers
        headers[names[HeaderNames.LIMIT]] = str(outcome.current.item.amount)
        headers[names[HeaderNames.REMAINING]] = str(max(0, outcome.stats.remaining))
        headers[names[HeaderNames.RESET]] = str(reset_at(outcome.stats.reset_time))
        if outcome.breached is not None:
            self._add_retry_after(outcome, headers, retry_sent)

    def _add_retry_after(self, outcome: Outcome, headers: Any, retry_sent: str | None) -> None:
        """``Retry-After`` for the refusal, in the configured form and name.

        A later one the response already carries (an ``errorhandler(429)``
        locking the client out for longer) is kept, as Flask-Limiter keeps
        the later of the two: the client must not come back before either.
        """
        names = self._headers
        stats: Any = outcome.stats
        # The whole second X-RateLimit-Reset names: a date keeps no fraction,
        # and one cut down to the second before the window's reset would
        # send the client back too early.
        when = reset_at(stats.reset_time)
        wait = self._retry_after(outcome)
        existing = headers.get("Retry-After")
        announced = None if existing == retry_sent else _announced(existing)
        if announced is not None:
            when = max(when, math.ceil(announced))
            wait = max(wait, math.ceil(announced - time.time()))
        retry_name = names[HeaderNames.RETRY_AFTER]
        if retry_name.lower() != "retry-after":
            # Renamed: the 429 itself carries a standard Retry-After, which
            # the mapping replaces rather than repeats.
            del headers["Retry-After"]
        if self._retry_as_date:
            from werkzeug.http import http_date

            headers[retry_name] = http_date(when)
        else:
            headers[retry_name] = str(wait)


def _announced(value: str | None) -> float | None:
    """When a ``Retry-After`` value (seconds or an HTTP date) tells the client to come back."""
    if not value:
        return None
    if value.strip().isdigit():
        return time.time() + int(value)
    from werkzeug.http import parse_date

    parsed = parse_date(value)
    return None if parsed is None else parsed.timestamp()


def on_event_loop() -> bool:
    """Whether the caller runs on an event loop, which a blocking store call would stall."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _breach_answer(rv: Any) -> Response | None:
    """What an ``on_breach`` callback returned, as the refusal's response.

    Anything a view may return is taken (Flask-Limiter takes a ``Response``
    only). A value with no status of its own (a string, a dict) keeps the
    429: a client refused must not read a 200. A value that is no response
    at all (``True``) is ignored with a warning, as Flask-Limiter ignores it,
    rather than turn the refusal into a 500.
    """
    if isinstance(rv, BaseResponse):
        return rv  # type: ignore[return-value]  # the app's class or Werkzeug's
    try:
        response: Response = current_app.make_response(rv)
    except TypeError:
        logger.warning("on_breach returned %r, which is not a response; sending the 429.", rv)
        return None
    if not (isinstance(rv, tuple) and len(rv) > 1 and isinstance(rv[1], (int, str))):
        response.status_code = 429
    return response


def _window(outcome: Outcome, hit: Hit) -> Any:
    """The window the store gave for ``hit`` in ``outcome`` (a refusal's is always read)."""
    if hit is outcome.current:
        return outcome.stats
    return next((stats for seen, stats in outcome.evaluated if seen is hit), None)


def _cost_now(hit: Hit) -> Hit:
    """A deferred hit with its cost asked again, once the response is known.

    A callable cost may read what the view found out (``g.cost = ...``);
    Flask-Limiter asks it again when it deducts, after the view.
    """
    cost = getattr(hit.source, "cost", None)
    return replace(hit, cost=cost()) if callable(cost) else hit


def _wants_json(req: Request) -> bool:
    """JSON when the client prefers it to HTML, or sent JSON and has no preference."""
    accept = req.accept_mimetypes
    json_quality = accept["application/json"]
    html_quality = accept["text/html"]
    if json_quality != html_quality:
        return json_quality > html_quality
    return bool(req.is_json)
