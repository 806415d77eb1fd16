"""A future that a worker's result resumes its awaiting task through, with no extra loop turn.

A sync view's result reaches the event loop in a batch (see
:mod:`hipflask.core.handoff`); the pass that delivers the batch is itself a
callback of the loop, with no task running. Resolving an
:class:`asyncio.Future` there only schedules the awaiting task's wake-up:
``set_result`` hands it to ``loop.call_soon``, which on the standard loop
is Python code (a :class:`asyncio.Handle` made, queued, and run by the next
turn of the loop), a cost paid once per request.

:class:`Handback` is a "future-like object" as :func:`asyncio.isfuture`
documents one: it has ``_asyncio_future_blocking`` and the public methods
of :class:`asyncio.Future`, so a task awaits it as it awaits a future.
:meth:`Handback.resolve` runs its done callbacks at once, each in the
context it was added with, instead of scheduling them: the awaiting task
resumes inside the delivery pass, as it would have a moment later on its
own turn of the loop. Only the usual path is shortened: callbacks of a
cancelled handback are scheduled with ``loop.call_soon``, as a future's are.

What this relies on that asyncio does not document: how a task awaits a
future-like object (both of asyncio's tasks, in C and in Python, as
``tests/core/test_handback.py`` checks): ``get_loop()`` to check the loop,
``_asyncio_future_blocking`` set to False, ``add_done_callback(wake_up,
context=the task's context)``, later ``result()``, and ``cancel(msg)``
when the task is cancelled, so that running that callback is what resumes
the task; and that a task's wake-up may run from any callback of its loop
while no task runs, as ``Handle`` runs it. ``asyncio.gather`` and
``asyncio.shield`` work with a handback except that ``gather`` reads two
private names of :class:`asyncio.Future` (``_make_cancelled_error``,
``_cancel_message``) when a child was cancelled, which a handback lacks:
it is meant to be awaited directly, as the adapters await it.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from collections.abc import Generator
from collections.abc import Sequence
from typing import Any
from typing import Generic
from typing import TypeVar

T = TypeVar("T")

__all__ = ["Handback"]

# States: pending until resolved or cancelled.
_PENDING = "PENDING"
_RETURNED = "RETURNED"
_RAISED = "RAISED"
_CANCELLED = "CANCELLED"

_Callback = tuple[Callable[[Any], object], contextvars.Context]


class Handback(Generic[T]):
    """The result of one job in a worker thread, for one awaiting coroutine.

    Resolved only on the loop, by :meth:`resolve`; ``cancelled()`` may be
    read from any thread (a worker skips a job whose caller gave up). The
    first done callback (the awaiting task's) is kept in two slots, any
    further ones in a list.
    """

    __slots__ = (
        "_asyncio_future_blocking",
        "_callback",
        "_context",
        "_loop",
        "_message",
        "_more",
        "_state",
        "_value",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._state = _PENDING
        self._callback: Callable[[Any], object] | None = None
        self._more: list[_Callback] | None = None
        # Read and set by the awaiting task (see asyncio.isfuture).
        self._asyncio_future_blocking = False
        # _context, _value and _message are set when first needed.

    def resolve(self, ok: bool, value: Any) -> None:
        """On the loop, with no task running: settle and run the done callbacks now.

        ``ok``: ``value`` is the result, else the exception to raise. A
        cancelled handback ignores it, as its caller has gone.
        """
        if self._state is not _PENDING:
            return
        self._state = _RETURNED if ok else _RAISED
        self._value = value
        callback = self._callback
        if callback is None:
            return
        # Every callback is taken before any runs, as a future schedules them
        # all at once: one that removes a callback while done changes nothing.
        self._callback = None
        more = self._more
        self._more = None
        try:
            self._context.run(callback, self)
        except (SystemExit, KeyboardInterrupt):
            # What stops the loop leaves at once; the other callbacks are
            # still owed their call, as a future's scheduled ones get it.
            self._schedule(more or (), 0)
            raise
        except BaseException as exc:
            self._report(exc)
        if more is not None:
            for index, (callback, context) in enumerate(more):
                try:
                    context.run(callback, self)
                except (SystemExit, KeyboardInterrupt):
                    self._schedule(more, index + 1)
                    raise
                except BaseException as exc:
                    self._report(exc)

    def _schedule(self, callbacks: Sequence[_Callback], start: int) -> None:
        """Hand ``callbacks[start:]`` to the loop, each in its own context."""
        for callback, context in callbacks[start:]:
            self._loop.call_soon(callback, self, context=context)

    def _report(self, exc: BaseException) -> None:
        # As the loop reports a failed callback, and goes on.
        self._loop.call_exception_handler(
            {"message": "Exception in a done callback", "exception": exc, "future": self}
        )

    def get_loop(self) -> asyncio.AbstractEventLoop:
        """The loop this handback belongs to."""
        return self._loop

    def done(self) -> bool:
        """Whether it has a result, an exception, or was cancelled."""
        return self._state is not _PENDING

    def cancelled(self) -> bool:
        """Whether it was cancelled (its awaiting task was); read from any thread."""
        return self._state is _CANCELLED

    def result(self) -> T:
        """The result, or raise the exception or the cancellation."""
        if self._state is _RETURNED:
            return self._value  # type: ignore[no-any-return]  # the job's return value
        state = self._state
        if state is _RAISED:
            raise self._value
        if state is _CANCELLED:
            raise self._cancelled_error()
        raise asyncio.InvalidStateError("Result is not ready.")

    def exception(self) -> BaseException | None:
        """The exception, None after a result, or raise the cancellation."""
        state = self._state
        if state is _RAISED:
            return self._value  # type: ignore[no-any-return]  # an exception when raised
        if state is _RETURNED:
            return None
        if state is _CANCELLED:
            raise self._cancelled_error()
        raise asyncio.InvalidStateError("Exception is not set.")

    def add_done_callback(
        self, callback: Callable[[Any], object], *, context: contextvars.Context | None = None
    ) -> None:
        """Call ``callback(self)`` in ``context`` (a copy of the current one) when done."""
        if context is None:
            context = contextvars.copy_context()
        if self._state is not _PENDING:
            self._loop.call_soon(callback, self, context=context)
        elif self._callback is None:
            self._callback = callback
            self._context = context
        elif self._more is None:
            self._more = [(callback, context)]
        else:
            self._more.append((callback, context))

    def remove_done_callback(self, callback: Callable[[Any], object]) -> int:
        """Forget every registration of ``callback``; how many there were."""
        callbacks = self._registered()
        kept = [entry for entry in callbacks if entry[0] != callback]
        self._callback = None
        self._more = kept[1:] or None
        if kept:
            self._callback, self._context = kept[0]
        return len(callbacks) - len(kept)

    def cancel(self, msg: Any = None) -> bool:
        """Cancel it, if still pending: its job is then not run, or its result dropped."""
        if self._state is not _PENDING:
            return False
        self._state = _CANCELLED
        self._message = msg
        callbacks = self._registered()
        self._callback = self._more = None
        for callback, context in callbacks:
            self._loop.call_soon(callback, self, context=context)
        return True

    def _registered(self) -> list[_Callback]:
        """The done callbacks, in the order they were added."""
        if self._callback is None:
            return []
        return [(self._callback, self._context), *(self._more or ())]

    def _cancelled_error(self) -> asyncio.CancelledError:
        message = self._message
        return asyncio.CancelledError() if message is None else asyncio.CancelledError(message)

    def __await__(self) -> Generator[Any, None, T]:
        if self._state is _PENDING:
            self._asyncio_future_blocking = True
            yield self
        if self._state is _RETURNED:
            return self._value  # type: ignore[no-any-return]  # the job's return value
        return self.result()

    __iter__ = __await__

    def __repr__(self) -> str:
        return f"<Handback {self._state}>"
