"""The security gate: what runs before every view and after every response.

Before the view: the Host check (``TRUSTED_HOSTS``) and cross-origin
protection for unsafe methods. After: the header policy. Policies are built
from the config once, at the first request, so the per-request cost is a
method test and a few header appends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import Forbidden
from werkzeug.sansio.utils import get_host

from .headers import HeaderPolicy
from .origin import OriginPolicy

if TYPE_CHECKING:
    from ..wrappers.request import Request
    from ..wrappers.response import Response

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

ORDER_HOST = 100
ORDER_PREFLIGHT = 150
ORDER_ORIGIN = 200
ORDER_RATE_LIMIT = 300
ORDER_CSRF = 400
ORDER_AUTH = 500
ORDER_CORS_HEADERS = 100
ORDER_RATE_LIMIT_HEADERS = 200
ORDER_CACHE = 300
ORDER_HEADERS = 900


class SecurityGate:
    """Per-app security checks; see the module docstring."""

    __slots__ = ("_checks", "_config", "_finishers", "_headers", "_origin", "_trusted_hosts")

    def __init__(self, app: Any) -> None:
        self._config = app.config
        self._headers: HeaderPolicy | None = None
        self._origin: OriginPolicy | None = None
        self._trusted_hosts: list[str] | None = None
        self._checks: dict[str, tuple[int, Any]] = {}
        self._finishers: dict[str, tuple[int, Any]] = {}

    def add_check(self, name: str, check: Any, *, order: int, check_async: Any = None) -> None:
        """Run ``check(request)`` before the view, in ascending ``order``."""
        self._checks[name] = (order, check)

    def add_finisher(
        self, name: str, finisher: Any, *, order: int, finisher_async: Any = None
    ) -> None:
        """Run ``finisher(request, response)`` on every response."""
        self._finishers[name] = (order, finisher)

    def _build(self) -> None:
        self._headers = HeaderPolicy.from_config(self._config)
        self._origin = OriginPolicy.from_config(self._config)
        self._trusted_hosts = self._config.get("TRUSTED_HOSTS")

    def reset(self) -> None:
        """Forget the built policies (after changing security settings in tests)."""
        self._headers = None
        self._origin = None

    def check_host(self, request: Request) -> None:
        """Refuse a Host header outside ``TRUSTED_HOSTS`` with 400.

        A forged Host poisons absolute URLs: password-reset links and cache
        keys built from it would point at the attacker's server.
        """
        if self._headers is None:
            self._build()
        trusted = self._trusted_hosts
        if trusted:
            request.trusted_hosts = trusted
            request.host = get_host(
                request.scheme, request.headers.get("host"), request.server, trusted
            )

    def check(self, request: Request) -> Any:
        """Refuse cross-origin unsafe requests with 403 (a CSRF defence needing no tokens)."""
        if self._origin is None:
            self._build()
        if self._trusted_hosts:
            self.check_host(request)
        if request.method not in _SAFE_METHODS:
            reason = self._origin.check(  # type: ignore[union-attr]
                request.method, request.headers, request.scheme, request.host
            )
            if reason is not None:
                raise Forbidden(reason)
        for _order, check in sorted(self._checks.values(), key=lambda item: item[0]):
            rv = check(request)
            if rv is not None:
                return rv
        return None

    def finish(self, request: Request, response: Response) -> None:
        """Add the policy headers the response did not set itself."""
        policy = self._headers
        if policy is None:
            self._build()
            policy = self._headers
        nonce = request.__dict__.get("csp_nonce")
        # The policy's values were validated when it was built, so they go
        # straight into the header list instead of through Headers.extend's
        # per-item validation (a quarter of a small request's cost).
        for _order, finisher in sorted(self._finishers.values(), key=lambda item: item[0]):
            finisher(request, response)
        target = getattr(response.headers, "_list", response.headers)
        policy.apply(target, request.scheme == "https", nonce)  # type: ignore[union-attr]
