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


class SecurityGate:
    """Per-app security checks; see the module docstring."""

    __slots__ = ("_config", "_headers", "_origin", "_trusted_hosts")

    def __init__(self, app: Any) -> None:
        self._config = app.config
        self._headers: HeaderPolicy | None = None
        self._origin: OriginPolicy | None = None
        self._trusted_hosts: list[str] | None = None

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

    def check(self, request: Request) -> None:
        """Refuse cross-origin unsafe requests with 403 (a CSRF defence needing no tokens)."""
        if self._origin is None:
            self._build()
        if self._trusted_hosts:
            self.check_host(request)
        if request.method in _SAFE_METHODS:
            return
        reason = self._origin.check(  # type: ignore[union-attr]
            request.method, request.headers, request.scheme, request.host
        )
        if reason is not None:
            raise Forbidden(reason)

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
        target = getattr(response.headers, "_list", response.headers)
        policy.apply(target, request.scheme == "https", nonce)  # type: ignore[union-attr]
