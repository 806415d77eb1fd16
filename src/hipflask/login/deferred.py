"""Registry writes of a request on the event loop, performed before its session is saved.

``login_user``, ``logout_user`` and ``logout_everywhere`` are plain
functions (Flask-Login's API), so in an ``async def`` view under ASGI they
cannot await the registry's store, and a blocking Redis or SQL call would
stall every request the loop serves. There they record their writes here
instead and change the session at once; :func:`perform`, a response hook
that runs before the session is saved, awaits the writes.

If a write fails, the request is answered with 503 and the session is put
back as it was before the first recorded write, so the browser is never
told "logged in" for a login the registry does not know, nor "logged out"
while the login still lives. Off the loop (WSGI, sync views) the writes
happen at once, before the session changes, and a failure raises the same
503.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from ..contexts.ctx import has_request_context
from ..contexts.globals import g
from ..contexts.globals import session
from ..contexts.state import request_state
from .login_manager import USER_KEY
from .registry import Flow
from .registry import LoginRegistry
from .registry import RegistryUnavailable
from .remember import OPERATION

#: Where the writes recorded in this request wait, on ``g``.
PENDING = "_hipflask_login_pending"

Apply = Callable[[Any], None]


@dataclass
class _Pending:
    """The writes of one request, and what to put back if one fails."""

    session: dict[str, Any]
    user: Any
    operation: Any
    writes: list[tuple[LoginRegistry, Flow, Apply | None]] = field(default_factory=list)


def on_loop() -> bool:
    """Whether this request runs on the event loop (an async view under ASGI)."""
    return has_request_context() and request_state().on_loop


def write(registry: LoginRegistry, flow: Flow, apply: Apply | None = None) -> Any:
    """Run a registry write now, or record it when the request runs on the loop.

    Call it *before* changing the session. Off the loop it returns what the
    flow returned, and a failing store raises :class:`RegistryUnavailable`
    before anything changed. On the loop it returns ``None`` and
    ``apply(result)`` is called once the write is done, before the session
    is saved.
    """
    if not on_loop():
        return registry.run(flow)
    pending: _Pending | None = g.get(PENDING)
    if pending is None:
        pending = _Pending(dict(session), g.get(USER_KEY), g.get(OPERATION))
        setattr(g, PENDING, pending)
    pending.writes.append((registry, flow, apply))
    return None


def perform(response: Any) -> Any:
    """The response hook: nothing recorded, the response; else a coroutine awaiting the writes."""
    pending: _Pending | None = g.pop(PENDING, None)
    if pending is None:
        return response
    return _perform(pending, response)


async def _perform(pending: _Pending, response: Any) -> Any:
    try:
        for registry, flow, apply in pending.writes:
            result = await registry.arun(flow)
            if apply is not None:
                apply(result)
    except RegistryUnavailable:
        # The session as it was before the first write; then the pipeline
        # answers the 503 (a StoreUnavailable) with the app's own handler in
        # place of this response, as for sync views.
        _restore(pending)
        raise
    return response


def _restore(pending: _Pending) -> None:
    session.clear()
    session.update(pending.session)
    for key, value in ((USER_KEY, pending.user), (OPERATION, pending.operation)):
        if value is None:
            g.pop(key, None)
        else:
            setattr(g, key, value)


__all__ = ["PENDING", "on_loop", "perform", "write"]
