"""The app's session interface: which one, whether it waits on I/O, and opening with it.

A mixin of :class:`~hipflask.core.app.Hipflask` only, kept apart so the app
module stays within its size. Setting ``app.session_interface`` decides,
once, how the pipeline must drive the interface (opened eagerly and awaited,
or lazily on first use of ``session``), so that no request asks again.
"""

from __future__ import annotations

from inspect import isawaitable
from inspect import iscoroutinefunction
from typing import TYPE_CHECKING
from typing import Any

from . import bridge
from . import pipeline

if TYPE_CHECKING:
    from ..wrappers.request import Request

__all__ = ["SessionMethods"]


class SessionMethods:
    """Flask's ``session_interface`` on the app (a base of :class:`~hipflask.core.app.Hipflask`)."""

    _session_interface: Any
    _async_sessions: bool
    _coroutine_sessions: bool
    _session_io: bool

    @property
    def session_interface(self) -> Any:
        """How sessions are opened and saved; signed cookies by default."""
        if self._session_interface is None:
            from ..sessions.cookie import SecureCookieSessionInterface

            self._session_interface = SecureCookieSessionInterface()
        return self._session_interface

    @session_interface.setter
    def session_interface(self, value: Any) -> None:
        self._session_interface = value
        # An interface with async I/O is opened eagerly and awaited (the
        # ``session`` proxy cannot await); decided here, not per request.
        self._async_sessions = _is_async_interface(value)
        self._coroutine_sessions = value is not None and (
            iscoroutinefunction(getattr(value, "open_session", None))
            or iscoroutinefunction(getattr(value, "save_session", None))
        )
        self._session_io = value is not None and pipeline.session_io(value)

    def _open_session(self, request: Request) -> Any:
        interface = self.session_interface
        session = interface.open_session(self, request)
        # A plain dict-based session is never awaitable: the test is only
        # made for other objects (the ABC check is a Python-level call).
        if not isinstance(session, dict) and isawaitable(session):
            # An ``async def open_session`` opened lazily, off the event loop
            # (WSGI, or a sync view's thread under ASGI).
            session = bridge.run_coroutine(session)
        if session is None:
            session = interface.make_null_session(self)
        return session


def _is_async_interface(interface: Any) -> bool:
    if interface is None:
        return False
    return (
        hasattr(interface, "open_session_async")
        or hasattr(interface, "save_session_async")
        or iscoroutinefunction(getattr(interface, "open_session", None))
        or iscoroutinefunction(getattr(interface, "save_session", None))
    )
