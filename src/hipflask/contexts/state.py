"""Typed per-request state, kept on the request context.

What the framework and its suites need to remember about one request (the
bound URL adapter, whether it runs on the event loop, the CSP nonce, the
origin a CORS policy approved) lives here, in named slots, rather than in
ad-hoc keys of ``request.__dict__``: a typo there is a silent bug, and a
request subclass with ``__slots__`` would have no ``__dict__`` at all.

Suites keep values of their own in :attr:`RequestState.extensions`, keyed
by the suite's name, or on ``g`` as Flask extensions do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any

from . import globals as _globals

if TYPE_CHECKING:
    from werkzeug.routing import MapAdapter

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_request = _globals._cv_request

__all__ = ["RequestState", "request_state"]


class RequestState:
    """What one request carries besides the request object itself.

    The defaults are class attributes and an instance stores only what a
    request changes, so making one costs no Python call: most requests
    change nothing.
    """

    #: Served on the server's event loop (an async view under ASGI):
    #: blocking calls are not allowed, async drivers are used.
    on_loop: bool = False
    #: Set by the test client to keep the context after the request.
    preserve_context: Callable[[Any], None] | None = None
    #: An ``Origin`` approved for this route by a policy such as CORS; the
    #: cross-origin check lets exactly this origin through.
    allowed_origin: str | None = None
    #: The Content Security Policy nonce, made on first use.
    csp_nonce: str | None = None
    #: The URL map bound to this request, made on first use.
    url_adapter: MapAdapter | None = None
    #: The security gate answered the request in the app's stead: one of
    #: its checks (its own host and cross-origin ones, or a suite's: a rate
    #: limit, CSRF, the login throttle, a CORS preflight) refused or
    #: answered it before any ``before_request`` hook ran, or a session
    #: interface opened before the gate refused it (its store's 503). The app's
    #: ``after_request`` hooks still run on the answer, as in Flask, but one
    #: failing there (reading what its ``before_request`` partner would have
    #: put on ``g``) is logged and leaves the answer as it was, rather than
    #: turning it into a 500 (:mod:`hipflask.core.gate_hooks`).
    answered_by_gate: bool = False
    #: The name of the gate finisher that raised while this request's
    #: response was being finished: the error page's finishing resumes
    #: after it rather than running it again
    #: (:meth:`~hipflask.security.gate.SecurityGate.finish_after_failure`).
    failed_finisher: str | None = None
    _extensions: dict[str, Any] | None = None

    @property
    def extensions(self) -> dict[str, Any]:
        """Per-request values of suites and extensions, keyed by their name."""
        extensions = self._extensions
        if extensions is None:
            extensions = self._extensions = {}
        return extensions

    def __repr__(self) -> str:
        return f"<RequestState on_loop={self.on_loop} allowed_origin={self.allowed_origin!r}>"


def request_state() -> RequestState:
    """The state of the request being handled.

    :raises RuntimeError: outside a request context.
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "request_state() needs an active request context: call it from a"
            " view, a hook or a security check, or inside"
            " 'with app.test_request_context():'."
        )
    state: RequestState = ctx.state
    return state
