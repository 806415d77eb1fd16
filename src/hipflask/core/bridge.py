"""Calls across the sync/async boundary, in one place.

* :func:`drive_sync` / :func:`drive_async` run a pipeline step generator
  (see :mod:`hipflask.core.pipeline`), resolving each coroutine it yields;
  :func:`drive` runs one synchronously unless an event loop is running in
  this thread, and then returns a coroutine finishing it.
* :func:`run_coroutine` runs a coroutine from sync code on a per-thread event
  loop that is created once and reused: creating a loop per call would cost
  more than most async views do.
* :class:`ThreadRunner` (from :mod:`hipflask.core.handoff`) runs sync code
  from the event loop in bounded worker threads, with the caller's context
  variables copied in, so ``request`` works there. It is imported on first
  use: a WSGI worker, or an ASGI app without sync views, never starts one.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import os
import threading
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Coroutine
from collections.abc import Generator
from collections.abc import Iterator
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

if TYPE_CHECKING:
    from .handoff import ThreadRunner as ThreadRunner

T = TypeVar("T")

_local = threading.local()


class _ThreadLoop:
    """Owns one thread's event loop and closes it when the thread ends.

    The thread-local slot is cleared when its thread exits; without this the
    loop would be dropped unclosed, leaking its self-pipe sockets until a
    garbage collection finds it (with a ``ResourceWarning``). Threaded WSGI
    servers start and end threads all the time.
    """

    __slots__ = ("loop", "pid")

    def __init__(self) -> None:
        # Created in an empty context: the loop's self-pipe reader keeps the
        # context it was created in for the thread's life, and the first
        # async view runs inside a request context, which would keep that
        # request and its app alive for as long as the thread lives.
        self.loop = contextvars.Context().run(asyncio.new_event_loop)
        self.pid = os.getpid()

    def __del__(self) -> None:
        # A process forked from another thread drops this thread's slot (the
        # child keeps only the forking thread), and the loop's epoll is shared
        # with the parent: closing it there would take the parent's self-pipe
        # out of the parent's epoll, and the parent's loop would never again
        # wake for a result handed over from another thread (an executor
        # job, an async database driver's): its next such await would hang.
        if os.getpid() != self.pid:
            return
        if not self.loop.is_closed() and not self.loop.is_running():
            self.loop.close()


def _thread_loop() -> asyncio.AbstractEventLoop:
    holder: _ThreadLoop | None = getattr(_local, "holder", None)
    if holder is None or holder.loop.is_closed():
        holder = _local.holder = _ThreadLoop()
    return holder.loop


def _forget_inherited_loop() -> None:
    """In a forked child: the forking thread makes a loop of its own when it needs one.

    The inherited loop's epoll and self-pipe are the parent's too: used here,
    it would take the parent's wake-ups and register the child's sockets in
    the parent's epoll. It is dropped unclosed (see ``_ThreadLoop.__del__``).
    """
    vars(_local).pop("holder", None)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_loop)


def run_coroutine(awaitable: Awaitable[T]) -> T:
    """Run an awaitable to completion from sync code in this thread.

    Refuses to run inside a running event loop: blocking the loop to wait on
    itself would deadlock. Async views under ASGI never come here; they are
    awaited on the server's loop.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        if inspect.iscoroutine(awaitable):
            # Never awaited now; closing it spares a second, misleading warning.
            awaitable.close()
        raise RuntimeError(
            "Cannot run a coroutine synchronously inside a running event loop"
            " (this code runs in an async function or an async view): await it there"
            " instead."
        )
    loop = _thread_loop()
    coroutine = awaitable if inspect.iscoroutine(awaitable) else _wrap_awaitable(awaitable)
    result: T = loop.run_until_complete(coroutine)
    return result


async def _wrap_awaitable(awaitable: Awaitable[T]) -> T:
    return await awaitable


def drive_sync(step: Generator[Awaitable[Any], Any, T]) -> T:
    """Run a pipeline step to completion in this thread."""
    try:
        awaitable = step.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    return _finish_sync(step, awaitable)


def drive(step: Generator[Awaitable[Any], Any, T]) -> T | Coroutine[Any, Any, T]:
    """Run a pipeline step in this thread, or hand back a coroutine finishing it.

    For Flask's public error methods, which an error handler may call to pass
    an error on (``return current_app.handle_http_exception(Forbidden())``).
    Under ASGI an async view's error handlers are called on the server's event
    loop, where an async handler further along cannot be run to completion
    synchronously. There the rest of the step is returned as a coroutine: the
    pipeline awaits a coroutine an error handler returns, so the handler that
    passed the error on answers with what the next one gives. Everywhere else
    the result is a plain value, as in Flask.
    """
    try:
        awaitable = step.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    if _loop_is_running():
        return _finish_async(step, awaitable)
    return _finish_sync(step, awaitable)


def _loop_is_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _finish_sync(step: Generator[Awaitable[Any], Any, T], awaitable: Awaitable[Any]) -> T:
    try:
        while True:
            try:
                result = run_coroutine(awaitable)
            except BaseException as exc:  # sent back into the step, which decides
                awaitable = step.throw(exc)
            else:
                awaitable = step.send(result)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def _finish_async(step: Generator[Awaitable[Any], Any, T], awaitable: Awaitable[Any]) -> T:
    try:
        while True:
            try:
                result = await awaitable
            except BaseException as exc:  # sent back into the step, which decides
                awaitable = step.throw(exc)
            else:
                awaitable = step.send(result)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def drive_async(step: Generator[Awaitable[Any], Any, T]) -> T:
    """Run a pipeline step on the running event loop."""
    try:
        awaitable = step.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    return await _finish_async(step, awaitable)


def ensure_sync(func: Callable[..., Any]) -> Callable[..., Any]:
    """Return ``func`` if it is sync, else a sync wrapper running it to completion."""
    if inspect.iscoroutinefunction(func):
        return async_to_sync(func)
    return func


def async_to_sync(func: Callable[..., Coroutine[Any, Any, T]]) -> Callable[..., T]:
    """Wrap an async function so sync code can call it (per-thread event loop)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        return run_coroutine(func(*args, **kwargs))

    return wrapper


def iterate_async_sync(iterable: Any) -> Iterator[Any]:
    """Iterate an async iterable from sync code (an async streamed body under WSGI)."""
    iterator = iterable.__aiter__()
    try:
        while True:
            try:
                chunk = run_coroutine(iterator.__anext__())
            except StopAsyncIteration:
                return
            yield chunk.encode() if isinstance(chunk, str) else chunk
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            run_coroutine(aclose())


def __getattr__(name: str) -> Any:
    if name == "ThreadRunner":
        from .handoff import ThreadRunner

        return ThreadRunner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
