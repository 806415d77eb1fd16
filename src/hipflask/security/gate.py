"""The security gate: ordered checks before every view, finishers on every response.

The core registers its own parts: the Host check (``TRUSTED_HOSTS``) and
cross-origin protection for unsafe methods before the view, cache safety
(:mod:`hipflask.security.cache`) and the header policy after it. Suites
(CSRF tokens, rate limits, CORS, authentication) register theirs with
:meth:`SecurityGate.add_check` and :meth:`SecurityGate.add_finisher`, each
at a fixed place in the order (the ``ORDER_*`` constants), so the core
never imports a suite.

A check receives the routed request. It raises an ``HTTPException`` to
refuse, returns a response to answer without running the view (a CORS
preflight), or returns ``None`` to let the request through. Either answer
comes before any ``before_request`` hook; the app's ``after_request`` hooks
run on it, guarded (see :meth:`SecurityGate.run_checks`). A finisher adds
headers to the response, error pages included.

Policies are built from the config at the first request. With only the
built-in parts registered (:attr:`SecurityGate.is_simple`) the pipeline
calls :meth:`check` and :meth:`finish` directly: the per-request cost is a
method test and a few header appends.
"""

from __future__ import annotations

from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import Forbidden
from werkzeug.exceptions import HTTPException

from ..contexts import globals as _globals
from ..wrappers import layout
from ..wrappers.peek import may_carry_origin
from ..wrappers.sendable import UnsendableHeaderError
from ..wrappers.sendable import drop_unsendable
from .cache import finish_cache
from .cache import finish_cache_in
from .cache import keep_nonce_private
from .headers import HeaderPolicy
from .hosts import canonical_host
from .hosts import canonical_trusted_hosts
from .hosts import trusted_host
from .origin import WITHOUT_CREDENTIALS
from .origin import OriginPolicy
from .origin import refusal_without_credentials

if TYPE_CHECKING:
    from ..contexts.state import RequestState
    from ..wrappers.request import Request
    from ..wrappers.response import Response

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_request = _globals._cv_request

__all__ = [
    "ORDER_AUTH",
    "ORDER_CACHE",
    "ORDER_CORS_HEADERS",
    "ORDER_CSRF",
    "ORDER_HEADERS",
    "ORDER_HOST",
    "ORDER_ORIGIN",
    "ORDER_PREFLIGHT",
    "ORDER_RATE_LIMIT",
    "ORDER_RATE_LIMIT_HEADERS",
    "Check",
    "Finisher",
    "SecurityGate",
]

# Checks, in the order they run.
ORDER_HOST = 100
ORDER_PREFLIGHT = 150  # answers CORS preflights before anything can refuse them
ORDER_ORIGIN = 200
ORDER_RATE_LIMIT = 300
ORDER_CSRF = 400
ORDER_AUTH = 500

# Finishers, in the order they run.
ORDER_CORS_HEADERS = 100
ORDER_RATE_LIMIT_HEADERS = 200
ORDER_CACHE = 300
ORDER_HEADERS = 900

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

Check = Callable[["Request"], "Response | None"]
AsyncCheck = Callable[["Request"], Awaitable["Response | None"]]
Finisher = Callable[["Request", "Response"], None]
AsyncFinisher = Callable[["Request", "Response"], Awaitable[None]]
Step = Generator[Awaitable[Any], Any, Any]


@dataclass(frozen=True)
class _Part:
    name: str
    order: int
    func: Callable[..., Any]
    func_async: Callable[..., Awaitable[Any]] | None


class SecurityGate:
    """Per-app security checks and finishers; see the module docstring."""

    __slots__ = (
        "_checks",
        "_config",
        "_finishers",
        "_headers",
        "_origin",
        "_trusted_hosts",
        "bare_headers",
        "is_simple",
        "passes_safe_methods",
    )

    def __init__(self, app: Any) -> None:
        self._config = app.config
        self._headers: HeaderPolicy | None = None
        self._origin: OriginPolicy | None = None
        self._trusted_hosts: list[str] | None = None
        # Built-in parts included, so a registered part can run between them.
        self._checks: tuple[_Part, ...] = (_BUILTIN_HOST, _BUILTIN_ORIGIN)
        self._finishers: tuple[_Part, ...] = (_BUILTIN_CACHE, _BUILTIN_HEADERS)
        #: Only the built-in parts are registered: the pipeline takes the
        #: direct path (:meth:`check`, :meth:`finish`) instead of the lists.
        self.is_simple = True
        #: The built-in checks have nothing to do for a safe method (GET,
        #: HEAD, OPTIONS, TRACE): the policies are built and no
        #: ``TRUSTED_HOSTS`` is set. The direct request path skips
        #: :meth:`check` for such requests.
        self.passes_safe_methods = False
        #: The policy headers for a response carrying only its constructor's
        #: ``Content-Type`` and ``Content-Length``, to a request that sent no
        #: credential and opened no session, as ``(plain, https)`` tuples:
        #: then :meth:`finish` does nothing but append them. ``None`` until
        #: the policies are built, or when it does more (a per-response nonce).
        self.bare_headers: tuple[tuple[tuple[str, str], ...], ...] | None = None

    # -- registration ------------------------------------------------------

    def add_check(
        self,
        name: str,
        check: Check,
        *,
        order: int,
        check_async: AsyncCheck | None = None,
    ) -> None:
        """Run ``check(request)`` before every view, at ``order`` among the checks.

        The built-in parts are ``hipflask.trusted_hosts`` (``ORDER_HOST``),
        ``hipflask.cross_origin`` (``ORDER_ORIGIN``) and, among finishers,
        ``hipflask.cache`` (``ORDER_CACHE``) and ``hipflask.headers``
        (``ORDER_HEADERS``); their names cannot be taken.

        ``check_async`` is awaited instead when the request runs on the
        event loop (an async view under ASGI), so a check that talks to a
        store never blocks the loop. Registering a name again replaces it.
        """
        _refuse_builtin(name)
        self._checks = _insert(self._checks, _Part(name, order, check, check_async))
        self.is_simple = False

    def add_finisher(
        self,
        name: str,
        finisher: Finisher,
        *,
        order: int,
        finisher_async: AsyncFinisher | None = None,
    ) -> None:
        """Run ``finisher(request, response)`` on every response, at ``order``."""
        _refuse_builtin(name)
        self._finishers = _insert(self._finishers, _Part(name, order, finisher, finisher_async))
        self.is_simple = False

    def remove(self, name: str) -> None:
        """Unregister a check or finisher by name (nothing happens if absent)."""
        if name in _BUILTIN_NAMES:
            raise ValueError(f"{name!r} is a built-in part of the gate and cannot be removed.")
        self._checks = tuple(part for part in self._checks if part.name != name)
        self._finishers = tuple(part for part in self._finishers if part.name != name)
        self.is_simple = len(self._checks) == 2 and len(self._finishers) == 2

    @property
    def check_names(self) -> tuple[str, ...]:
        """The registered checks, built-in ones included, in the order they run."""
        return tuple(part.name for part in self._checks)

    @property
    def finisher_names(self) -> tuple[str, ...]:
        """The registered finishers, built-in ones included, in the order they run."""
        return tuple(part.name for part in self._finishers)

    # -- policies ------------------------------------------------------------

    def _build(self) -> None:
        self._headers = HeaderPolicy.from_config(self._config)
        self._origin = OriginPolicy.from_config(self._config)
        trusted = self._config.get("TRUSTED_HOSTS")
        # Compared as DNS compares names: in lower case, without one trailing dot.
        self._trusted_hosts = canonical_trusted_hosts(trusted) if trusted else trusted
        self.passes_safe_methods = not self._trusted_hosts
        self.bare_headers = self._headers.bare_pairs()

    def reset(self) -> None:
        """Forget the built policies (after changing security settings in tests)."""
        self._headers = None
        self._origin = None
        self.passes_safe_methods = False
        self.bare_headers = None

    @property
    def header_policy(self) -> HeaderPolicy:
        """The header policy built from the config (built on first use)."""
        if self._headers is None:
            self._build()
        return self._headers  # type: ignore[return-value]

    def set_header_policy(self, policy: HeaderPolicy) -> None:
        """Replace the header policy (an extension mapping its settings onto it)."""
        if self._headers is None:
            self._build()
        self._headers = policy
        self.bare_headers = policy.bare_pairs()

    # -- the built-in parts -------------------------------------------------

    def check_host(self, request: Request) -> None:
        """Refuse a Host header outside ``TRUSTED_HOSTS`` with 400.

        A forged Host poisons absolute URLs: password-reset links and cache
        keys built from it would point at the attacker's server.
        """
        if self._headers is None:
            self._build()
        # TRUSTED_HOSTS, or else Werkzeug's attribute on a request class;
        # names compare case-insensitively and without a trailing dot, as in DNS
        # (``LOCALHOST`` and ``example.com.`` are those hosts).
        trusted = self._trusted_hosts or request.trusted_hosts
        if trusted:
            if trusted is not self._trusted_hosts:
                trusted = canonical_trusted_hosts(trusted)
            request.trusted_hosts = trusted
            host = request.headers.get("host")
            request.host = trusted_host(
                request.scheme,
                canonical_host(host) if host is not None else None,
                request.server,
                trusted,
            )

    def check(self, request: Request, state: RequestState | None = None) -> None:
        """The built-in checks: trusted hosts, then cross-origin refusal (403).

        Refusing cross-origin unsafe requests is a CSRF defence that needs no
        tokens. An origin that a policy approved for this route (CORS) is let
        through, and only that origin.
        """
        if self._origin is None:
            self._build()
        try:
            if self._trusted_hosts or request.trusted_hosts:
                self.check_host(request)
            if request.method not in _SAFE_METHODS:
                self.check_origin(request, state)
        except HTTPException:
            _answered(state)
            raise

    def check_origin(self, request: Request, state: RequestState | None = None) -> None:
        """Refuse an unsafe request from another origin with 403."""
        if request.method in _SAFE_METHODS or not may_carry_origin(request):
            # Neither Origin nor Sec-Fetch-Site: the check would let it through.
            return
        if self._origin is None:
            self._build()
        allowed = state.allowed_origin if state is not None else None
        if allowed is not None and request.headers.get("Origin") == allowed:
            return
        reason = self._origin.check_lazily(  # type: ignore[union-attr]
            request.method, request.headers, request.scheme, lambda: request.host
        )
        if reason is not None:
            listed = state.extensions.get(WITHOUT_CREDENTIALS) if state is not None else None
            if listed is not None and request.headers.get("Origin") == listed:
                reason = refusal_without_credentials(request.method)
            raise Forbidden(reason)

    def finish(
        self,
        request: Request,
        response: Response,
        state: RequestState | None = None,
        ctx: Any = None,
        credentials: tuple[str | None, str | None] | None = None,
    ) -> None:
        """The built-in finishers: cache safety, then the policy headers.

        ``ctx`` is the request context, when the caller has it at hand, and
        ``credentials`` the request's ``credential_headers`` when it has
        just read them.
        """
        if ctx is None:
            finish_cache(request, response)
        else:
            finish_cache_in(ctx, request, response, credentials)
        self.finish_headers(request, response, state)

    def finish_headers(
        self, request: Request, response: Response, state: RequestState | None = None
    ) -> None:
        """Add the policy headers the response did not set itself.

        On a response for which a nonce was made, the nonce rule of
        :func:`~hipflask.security.cache.keep_nonce_private` follows: here
        when these headers are the last finisher, else after the last one
        (:meth:`run_finishers`), which may still change the policy. A nonce
        the policy makes for its header is kept as the request's
        ``csp_nonce``, so later finishers send that one.
        """
        policy = self._headers
        if policy is None:
            self._build()
            policy = self._headers
        nonce = state.csp_nonce if state is not None else None
        # The policy's values were validated when it was built, so they go
        # straight into the header list instead of through Headers.extend's
        # per-item validation (a quarter of a small request's cost).
        headers = response.headers
        target = getattr(headers, "_list", headers) if layout.FAST else headers
        sent = policy.apply(target, request.scheme == "https", nonce)  # type: ignore[union-attr]
        # A response with no nonce pays for these two tests only: nothing
        # is looked up unless a nonce was made (csp_nonce() or the policy).
        if sent is not None or nonce is not None:
            if nonce is None and state is not None:
                state.csp_nonce = sent
            if self.is_simple:
                keep_nonce_private(request, response)

    def finish_after_failure(
        self,
        request: Request,
        response: Response,
        state: RequestState,
        report: Callable[[str], None],
        *,
        finished: bool = False,
    ) -> Step:
        """Finish an error response whose finishing failed (a pipeline step).

        An ``after_request`` hook or a finisher raised while the error page
        was being finished, so the finishers it came before have not run on
        the page. They run here, so the page carries what a normal page of
        the endpoint carries: a suite's headers (CORS for an allowed origin,
        a view's own Talisman policy) and the nonce rule, or the page the app
        could not finish would be the one that can be framed, or whose nonce
        a shared cache hands out.

        The finisher that raised (``state.failed_finisher``) and those before
        it ran on this page already and are not run again; ``finished`` says
        every finisher ran (the failure came after them). The built-in cache
        and header parts only add what the response lacks, so they always
        run. A finisher that raises here is reported with its name
        (``report`` is called inside the ``except``) and the others still run.
        """
        skip = len(self._finishers) if finished else self._failed_index(state)
        for index, part in enumerate(self._finishers):
            if index < skip and part.func is not _builtin:
                continue
            try:
                if part is _BUILTIN_HEADERS:
                    self._headers_despite(request, response, state)
                elif part is _BUILTIN_CACHE:
                    finish_cache(request, response)
                elif part.func_async is not None and state.on_loop:
                    yield part.func_async(request, response)
                else:
                    rv = part.func(request, response)
                    if isinstance(rv, Awaitable):
                        yield rv
            except Exception:
                report(part.name)
        if not self.is_simple and state.csp_nonce is not None:
            keep_nonce_private(request, response)

    def _failed_index(self, state: RequestState) -> int:
        """How many finishers ran on the response before the one that raised, plus it."""
        failed = state.failed_finisher
        for index, part in enumerate(self._finishers):
            if part.name == failed:
                return index + 1
        return 0

    def _headers_despite(self, request: Request, response: Response, state: RequestState) -> None:
        try:
            self.finish_headers(request, response, state)
        except UnsendableHeaderError:
            # A hook that put a value no server can send on every response
            # put it on this one too: sent as it is, uvicorn would drop the
            # connection and gunicorn answer its own 500 in place of the app's.
            drop_unsendable(response.headers)
            self.finish_headers(request, response, state)

    # -- the full lists --------------------------------------------------------

    def run_checks(self, request: Request, state: RequestState) -> Step:
        """Every check in order (a pipeline step); a returned response ends the gate.

        Whatever a part refuses (an ``HTTPException``) or answers (a
        returned response) is marked answered in the app's stead
        (``RequestState.answered_by_gate``), the suites' parts and an app's
        own alike: no ``before_request`` hook has run yet. The app's
        ``after_request`` hooks run on the answer, as in Flask, but a hook
        that reads what its ``before_request`` partner put on ``g`` (a
        request timer) fails there: the mark makes that failure logged and
        the 429, 400 or redirect sent as it was, not a 500
        (:mod:`hipflask.core.gate_hooks`). The same refusal raised later,
        from a view (``csrf.protect()``, a view's own ``@limiter.limit``),
        is the view's, with Flask's rules.
        """
        if self._origin is None:
            self._build()
        try:
            for part in self._checks:
                if part is _BUILTIN_ORIGIN:
                    self.check_origin(request, state)
                    continue
                if part is _BUILTIN_HOST:
                    if self._trusted_hosts or request.trusted_hosts:
                        # TRUSTED_HOSTS, or Werkzeug's attribute on a request
                        # class, as in check().
                        self.check_host(request)
                    continue
                if part.func_async is not None and state.on_loop:
                    rv = yield part.func_async(request)
                else:
                    rv = part.func(request)
                    if isinstance(rv, Awaitable):
                        rv = yield rv
                if rv is not None:
                    _answered(state)
                    return rv
        except HTTPException:
            # Raised by a part, or thrown back in by the driver from an
            # awaited one (an async check on the event loop).
            _answered(state)
            raise
        return None

    def run_finishers(self, request: Request, response: Response, state: RequestState) -> Step:
        """Every finisher in order (a pipeline step), then the nonce rule.

        The rule (:func:`~hipflask.security.cache.keep_nonce_private`) sees
        the response as it leaves: a finisher after the policy headers (an
        extension's per-view policy) may have put a nonce in or taken it out.
        """
        try:
            for part in self._finishers:
                if part is _BUILTIN_HEADERS:
                    self.finish_headers(request, response, state)
                elif part is _BUILTIN_CACHE:
                    finish_cache(request, response)
                elif part.func_async is not None and state.on_loop:
                    yield part.func_async(request, response)
                else:
                    rv = part.func(request, response)
                    if isinstance(rv, Awaitable):
                        yield rv
        except Exception:
            # The error page's finishing resumes after it (finish_after_failure).
            state.failed_finisher = part.name
            raise
        if state.csp_nonce is not None:
            keep_nonce_private(request, response)


def _answered(state: RequestState | None) -> None:
    """Record that the gate refused or answered the request in the app's stead.

    The one place that sets ``RequestState.answered_by_gate``, for the
    built-in checks and every registered one.
    """
    if state is None:
        ctx = _cv_request.get(None)
        state = ctx.state if ctx is not None else None
    if state is not None:
        state.answered_by_gate = True


def _builtin(*args: Any) -> None:  # pragma: no cover - a marker, never called
    """Stands for the gate's own parts in the ordered lists."""


_BUILTIN_HOST = _Part("hipflask.trusted_hosts", ORDER_HOST, _builtin, None)
_BUILTIN_ORIGIN = _Part("hipflask.cross_origin", ORDER_ORIGIN, _builtin, None)
_BUILTIN_CACHE = _Part("hipflask.cache", ORDER_CACHE, _builtin, None)
_BUILTIN_HEADERS = _Part("hipflask.headers", ORDER_HEADERS, _builtin, None)


def _insert(parts: tuple[_Part, ...], part: _Part) -> tuple[_Part, ...]:
    kept = [existing for existing in parts if existing.name != part.name]
    kept.append(part)
    # Stable: parts at the same order run in registration order.
    return tuple(sorted(kept, key=lambda existing: existing.order))


_BUILTIN_NAMES = frozenset(
    part.name for part in (_BUILTIN_HOST, _BUILTIN_ORIGIN, _BUILTIN_CACHE, _BUILTIN_HEADERS)
)


def _refuse_builtin(name: str) -> None:
    if name in _BUILTIN_NAMES:
        raise ValueError(f"{name!r} names a built-in part of the gate; choose another name.")
