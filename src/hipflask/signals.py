"""Signals sent during the life of a request, on blinker.

Sending is skipped entirely when a signal has no receivers (the callers check
``signal.receivers`` first), so unused signals cost one attribute test.
Connect with a sender to receive only one app's signals:
``request_started.connect(func, app)``.

Receivers may be ``async def`` wherever a signal is sent. The request
pipeline awaits them through its driver; signals sent from plain functions
(``flash``, template rendering, context push and pop) go through
:func:`send`, which runs an async receiver to completion even when called
from a view running on the server's event loop.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable
from collections.abc import Coroutine
from typing import Any

from blinker import ANY as ANY
from blinker import NamedSignal as NamedSignal
from blinker import Namespace as Namespace

_signals = Namespace()

template_rendered = _signals.signal("template-rendered")
before_render_template = _signals.signal("before-render-template")
request_started = _signals.signal("request-started")
request_finished = _signals.signal("request-finished")
request_tearing_down = _signals.signal("request-tearing-down")
got_request_exception = _signals.signal("got-request-exception")
appcontext_tearing_down = _signals.signal("appcontext-tearing-down")
appcontext_pushed = _signals.signal("appcontext-pushed")
appcontext_popped = _signals.signal("appcontext-popped")
message_flashed = _signals.signal("message-flashed")


def signal(name: str, doc: str | None = None) -> NamedSignal:
    """Create or fetch an application-defined signal by name.

    The older spelling ``signals.signal("user-registered")`` that tutorials
    teach; equivalent to a blinker ``Namespace().signal``.
    """
    return _signals.signal(name, doc)


signals_available = True


def send(signal: NamedSignal, sender: Any, **kwargs: Any) -> list[tuple[Any, Any]]:
    """Send ``signal`` from sync code; async receivers run to completion.

    Blinker's own ``send`` refuses async receivers and ``send_async`` needs
    an awaiting caller; code such as ``flash()`` or ``render_template()`` is
    neither, yet it is called from async views as often as from sync ones.
    """
    return signal.send(sender, _async_wrapper=_run_to_completion, **kwargs)


def _run_to_completion(
    func: Callable[..., Coroutine[Any, Any, Any]],
) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        coroutine = func(*args, **kwargs)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(coroutine)
        # This thread runs an event loop (an async view under ASGI), which
        # cannot wait on itself: the receiver gets a loop of its own in a
        # short-lived thread, with the caller's context so ``request`` works.
        return _run_in_thread(coroutine)

    return wrapper


def _run_in_thread(coroutine: Coroutine[Any, Any, Any]) -> Any:
    context = contextvars.copy_context()
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = context.run(asyncio.run, coroutine)
        except BaseException as exc:  # re-raised in the sending thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="hipflask-signal")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
