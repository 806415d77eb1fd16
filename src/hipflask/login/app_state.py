"""What a login manager opens for one app: its throttle and its login registry.

Kept on the app (in ``app.extensions``), not on the manager: Flask-Login's
factory pattern shares one ``LoginManager`` between apps, each with its own
settings and stores. Closed at the server's shutdown, as the rate limiter's
and the sessions' stores are.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ..contexts.globals import current_app
from .registry import LoginRegistry
from .throttle import LoginThrottle

__all__ = ["APP_STATE", "STATE_LOCK", "AppState", "app_state", "close_stores"]

APP_STATE = "hipflask.login.state"
STATE_LOCK = threading.Lock()


_log = logging.getLogger("hipflask.login")


class AppState:
    """The throttle and the login registry (with the setting it was opened for) of one app."""

    __slots__ = ("registry", "retired", "throttle")

    def __init__(self) -> None:
        self.registry: tuple[Any, LoginRegistry | None] | None = None
        self.throttle: LoginThrottle | None = None
        #: Registry stores a new ``LOGIN_REGISTRY_STORE`` replaced, and
        #: whether they were opened from a URL (then they are the app's to close).
        self.retired: list[tuple[Any, bool]] = []

    def replace_registry(self, entry: tuple[Any, LoginRegistry | None]) -> None:
        """Make ``entry`` the registry, retiring the one opened for an older setting.

        A store opened from a URL belongs to no one else: its blocking
        connections are closed now (a login check caught in flight by it
        answers 503, as for any store failure, and changes nothing), and its
        async ones, which only their event loop can close, at the server's
        shutdown. A store the app passed in is the app's: only its
        connections on the serving loop are closed at shutdown, as the
        current registry's are.
        """
        old = self.registry
        self.registry = entry
        if old is None or old[1] is None or old[1] is entry[1]:
            return
        store = old[1].store
        owned = isinstance(old[0], str)
        self.retired.append((store, owned))
        if owned:
            try:
                store.close()
            except Exception as exc:  # closing is housekeeping: the new one is in place
                _log.warning("Closing the replaced login registry store failed: %r", exc)

    async def aclose(self) -> None:
        """Close the async connections the stores opened on the running loop.

        Run at the server's shutdown (an ``after_serving`` hook), as the
        rate limiter and the sessions close theirs: each loop has its own
        connections, which nothing else closes before the loop goes away.
        """
        if self.throttle is not None:
            await self.throttle.aclose()
        registry = self.registry[1] if self.registry is not None else None
        if registry is not None:
            await registry.store.aclose()
        retired, self.retired = self.retired, []
        for store, owned in retired:
            await store.aclose()
            if owned:
                store.close()  # what a request caught in flight opened again


async def close_stores(app: Any) -> None:
    """The ``after_serving`` hook: close what the app's throttle and registry opened."""
    state: AppState | None = app.extensions.get(APP_STATE)
    if state is not None:
        await state.aclose()


def app_state() -> AppState:
    """The current app's state, made on first use."""
    extensions = current_app.extensions
    state = extensions.get(APP_STATE)
    if state is None:
        # Threads serving an app's first requests must share one state: a
        # throttle made twice would lose the failures counted in the other.
        with STATE_LOCK:
            state = extensions.setdefault(APP_STATE, AppState())
    return state  # type: ignore[no-any-return]
