"""Sync work handed from the event loop to worker threads, cheaply.

A Flask-style app served as ASGI runs every plain ``def`` view (with its
hooks: the whole sync pipeline, in one hop) in a worker thread, so a blocking
view never stalls the loop. ``loop.run_in_executor`` does that at a price
paid on every request: a :class:`concurrent.futures.Future` and a work item,
the executor's thread accounting, a second (asyncio) future chained to the
first through callbacks, and one loop wake-up per finished call.

:class:`ThreadRunner` keeps the hop and drops the rest:

* jobs go into one :class:`queue.SimpleQueue` (C code, no Python lock) that
  the workers block on;
* a worker puts each result on its loop's :class:`_Inbox`, a deque, and wakes
  the loop only when the inbox was empty: results that finish while the loop
  is busy are delivered together, one wake-up per batch;
* a worker that goes straight on to another queued job holds its result
  instead of waking the loop (for at most :data:`HOLD_RESULTS`, a timer on
  the loop's side): waking the loop means a write to its socket, which
  releases the GIL, and on a busy core the loop takes it at once, for one
  result. Held, the queue is served in one stretch and its results
  delivered together: a queue of 30 µs views costs about 40% less;
* a request's job answers through a :class:`~hipflask.core.handback.Handback`,
  which resumes the awaiting task as the batch is delivered: an asyncio
  future would only schedule that, a Python-level ``call_soon`` and one
  more turn of the loop per request;
* the first job starts the first thread; more start only while jobs wait
  and a worker has been stuck in one call for a while (a view blocked on
  I/O), at most ``max_workers`` of them (the app's ``ASGI_THREAD_POOL_SIZE``),
  and they stay for the life of the app. Views that return in microseconds
  are served by one or two threads however many requests are in flight:
  Python runs one thread at a time, and forty threads taking turns at the
  GIL with the loop cost more than they give.

The caller's context variables are copied into the job, so ``request``,
``session`` and ``g`` work in the thread as on the loop.
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from .handback import Handback

if TYPE_CHECKING:
    from .disconnect import ClientLink

T = TypeVar("T")

__all__ = ["GONE", "GROW_CHECK", "HOLD_RESULTS", "WATCH_AFTER", "ThreadRunner"]

#: Seconds between the checks that add a thread while jobs wait (see
#: :meth:`ThreadRunner._grow`), and how long a worker must have been in one
#: call to count as stuck. Twice Python's default thread switch interval: a
#: worker that is only waiting for its turn at the GIL gets it sooner.
GROW_CHECK = 0.01

#: A job: the inbox to answer on, the future, the context, the call,
#: whether it still runs when its awaiting coroutine was cancelled first, and
#: the request's link to its client (None: not a request's work).
_Job = tuple[
    "_Inbox",
    "asyncio.Future[Any] | Handback[Any]",
    contextvars.Context,
    Callable[..., Any],
    tuple[Any, ...],
    bool,
    "ClientLink | None",
]

#: What :meth:`ThreadRunner.run_for_client` answers for a job dropped
#: because its client left while it waited for a thread.
GONE: Any = object()

#: Seconds a request's job waits for a thread before its client is watched.
#: Jobs of fast views wait microseconds and are never watched (a watcher is
#: a task, a receive() call and a wake-up); a job still queued this long is
#: behind slow or blocked views, where a client that hung up costs a thread.
WATCH_AFTER = 0.05

#: Seconds at most that a result waits for the loop while its worker serves
#: the next queued job: the loop's timer delivers it then, should that job
#: block. Results of views that keep their worker busy reach the loop
#: together when the queue is served, well within this.
HOLD_RESULTS = 0.001


class _Inbox:
    """Results waiting for one event loop, delivered in batches.

    Workers append ``(future, ok, value)`` and schedule :meth:`deliver` only
    when none is pending. :meth:`deliver` clears the flag *before* it empties
    the deque, so a result appended meanwhile either is taken by this pass or
    schedules the next one: none is ever left behind.

    A result may also be held (appended without a wake-up) while the loop's
    flush timer is armed (:meth:`arm`); the timer delivers it at the latest.
    ``_armed`` is read and cleared under ``_lock``, so a result is held only
    while a timer that will deliver it is still to fire.
    """

    __slots__ = (
        "_armed",
        "_hold",
        "_lock",
        "_loop",
        "_pending",
        "_results",
        "_sweeping",
        "_waiting",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        hold: float = HOLD_RESULTS,
        lock: threading.Lock | None = None,
    ) -> None:
        self._loop = loop
        self._results: deque[tuple[asyncio.Future[Any] | Handback[Any], bool, Any]] = deque()
        self._pending = False
        self._hold = hold
        self._armed = False
        # The runner's own lock: a worker accounts for its job and holds its
        # result in one locked stretch.
        self._lock = threading.Lock() if lock is None else lock
        # Links of queued request jobs, watched if still queued at the sweep.
        self._waiting: deque[ClientLink] = deque()
        self._sweeping = False

    def wait(self, link: ClientLink) -> None:
        """On the loop: watch ``link`` if its job is still queued in :data:`WATCH_AFTER`."""
        waiting = self._waiting
        # Threads take jobs in the order they were queued: the links at the
        # front whose jobs were taken are let go of now, so the deque holds
        # about the queue's length, not every request of the last 50 ms
        # (keeping those alive would cost every request in garbage collection).
        while waiting and waiting[0].taken:
            waiting.popleft()
        waiting.append(link)
        if not self._sweeping:
            self._sweeping = True
            self._loop.call_later(WATCH_AFTER, self._sweep)

    def _sweep(self) -> None:
        self._sweeping = False
        waiting = self._waiting
        while waiting:
            link = waiting.popleft()
            if not link.taken:
                link.watch()

    def arm(self) -> None:
        """On the loop, as a job queues behind busy workers: let its results be held.

        One timer at a time, started at most once per :data:`HOLD_RESULTS`.
        """
        if not self._armed:
            self._armed = True
            self._loop.call_later(self._hold, self._flush)

    def _flush(self) -> None:
        with self._lock:
            self._armed = False
        self.deliver()

    def post(self, future: asyncio.Future[Any] | Handback[Any], ok: bool, value: Any) -> None:
        """Called in a worker thread: hand one result to the loop, waking it if needed.

        A worker that goes on to another queued job holds its result
        instead, under ``_lock``, while a timer is armed (see
        :meth:`ThreadRunner._work`).
        """
        self._results.append((future, ok, value))
        if not self._pending:
            self._pending = True
            try:
                self._loop.call_soon_threadsafe(self.deliver)
            except RuntimeError:
                # The loop closed while the job ran: nobody awaits the result.
                self._pending = False

    def deliver(self) -> None:
        """Called on the loop: resolve every future that has a result.

        A :class:`~hipflask.core.handback.Handback` resumes its awaiting
        task here and now, so this must run as a callback of the loop, never
        inside a task: the loop's wake-up and the flush timer are the only
        callers.
        """
        self._pending = False
        results = self._results
        try:
            while results:
                future, ok, value = results.popleft()
                if isinstance(future, Handback):
                    future.resolve(ok, value)
                elif future.cancelled():
                    continue
                elif ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
        except BaseException:
            # A task resumed here let out what stops the loop (SystemExit,
            # KeyboardInterrupt): the rest of the batch is for the next pass.
            if results:
                self._loop.call_soon(self.deliver)
            raise


class ThreadRunner:
    """A bounded set of worker threads for sync work started from the event loop.

    No thread starts until the first job, so WSGI-only apps never start any.
    ``max_workers`` may be a function returning the size, read when the
    first thread starts: an app passes one reading its config, which is
    usually filled in after the app object exists.
    """

    def __init__(self, max_workers: int | Callable[[], int], hold: float = HOLD_RESULTS) -> None:
        self._max_workers = max_workers
        self._hold = hold
        self._size: int | None = None
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        # Workers waiting for a job and not yet promised to one.
        self._idle = 0
        # Jobs in the queue that no worker is promised to yet.
        self._unclaimed = 0
        # When each worker started its current job (0.0: between jobs).
        self._busy_since: list[float] = []
        # The loop on which a growth check is scheduled, if any.
        self._grow_loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._inboxes: dict[asyncio.AbstractEventLoop, _Inbox] = {}
        # Bumped by shutdown: a worker of an earlier generation is on its way
        # out and must not count itself idle for the new ones.
        self._generation = 0

    @property
    def max_workers(self) -> int:
        """The bound: at most this many sync calls run at once."""
        size = self._max_workers
        return int(size() if callable(size) else size)

    @property
    def thread_count(self) -> int:
        """How many worker threads have started (none before the first job)."""
        return len(self._threads)

    def _inbox(self, loop: asyncio.AbstractEventLoop) -> _Inbox:
        inbox = self._inboxes.get(loop)
        if inbox is None:
            with self._lock:
                # Drop the inboxes of closed loops (tests run many loops).
                for old in [old for old in self._inboxes if old.is_closed()]:
                    del self._inboxes[old]
                inbox = self._inboxes[loop] = _Inbox(loop, self._hold, self._lock)
        return inbox

    def _reserve(self, loop: asyncio.AbstractEventLoop) -> bool:
        """Promise the next job a worker, or leave it queued for a busy one.

        An idle worker takes it; the very first job starts the first thread.
        Otherwise the job waits for a busy worker, and a growth check runs
        shortly (:meth:`_grow`): workers that finish their views in
        microseconds keep up with any queue on their own, and more threads
        would only take turns at the GIL with them and with the loop.
        """
        # acquire/release rather than ``with``: half the cost, on every job.
        lock = self._lock
        lock.acquire()
        try:
            if self._idle > 0:
                self._idle -= 1
                return False
            if self._size is None:
                self._size = max(1, self.max_workers)
            if self._threads:
                self._unclaimed += 1
                if self._grow_loop is not loop and len(self._threads) < self._size:
                    self._grow_loop = loop
                    loop.call_later(GROW_CHECK, self._grow, loop)
                return True
            thread = self._new_thread()
        finally:
            lock.release()
        thread.start()
        return False

    def _new_thread(self) -> threading.Thread:
        # Called with the lock held.
        index = len(self._threads)
        thread = threading.Thread(
            target=self._work,
            args=(self._generation, index),
            name=f"hipflask-sync-{index}",
            daemon=True,
        )
        self._threads.append(thread)
        self._busy_since.append(0.0)
        return thread

    def _grow(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the loop: a thread for each worker stuck in one job, while jobs wait.

        A worker that has been in the same call for longer than
        :data:`GROW_CHECK` is blocked (I/O, a lock, a sleep) or slow; queued
        jobs then get threads of their own, up to the bound. The number of
        new threads is the number of stuck workers, so a pool whose every
        view blocks doubles each check until the queue is served.
        """
        started: list[threading.Thread] = []
        with self._lock:
            if self._grow_loop is loop:
                self._grow_loop = None
            size = self._size or 1
            stuck_before = time.monotonic() - GROW_CHECK
            stuck = sum(1 for since in self._busy_since if 0.0 < since < stuck_before)
            for _ in range(min(stuck, self._unclaimed, size - len(self._threads))):
                self._unclaimed -= 1
                started.append(self._new_thread())
            if self._unclaimed and len(self._threads) < size and self._grow_loop is None:
                self._grow_loop = loop
                loop.call_later(GROW_CHECK, self._grow, loop)
        for thread in started:
            thread.start()

    def _work(self, generation: int, index: int) -> None:
        get = self._jobs.get
        acquire = self._lock.acquire
        release = self._lock.release
        busy_since = self._busy_since
        clock = time.monotonic
        while True:
            job = get()
            if job is None:
                return
            inbox, future, context, func, args, always, link = job
            # Dropped before waiting again, so that an idle worker does not
            # keep the last request (and its response) alive.
            job = None
            ok = True
            value: Any = None
            # A request whose client left (its task cancelled) while the job
            # waited in the queue is not run at all, as an executor's
            # queued work is not; reading the flag from this thread is a
            # plain read of a finished future's state.
            skipped = not always and future.cancelled()
            if link is not None:
                if link.gone:
                    # Left while the job waited, as its watcher saw: not
                    # run, and answered, so the awaiting coroutine ends too.
                    value = GONE
                link.taken = True
                link = None
            if not skipped and value is not GONE:
                busy_since[index] = clock()
                try:
                    value = context.run(func, *args)
                except BaseException as exc:  # handed to the awaiting coroutine
                    ok = False
                    value = _future_safe(exc)
                busy_since[index] = 0.0
            # The call (and the app and request in its arguments) is dropped
            # before the result is posted: once the awaiting coroutine has
            # it, nothing in this idle thread may still hold the request.
            context = func = args = None  # type: ignore[assignment]
            # Accounted before posting: the loop thread wakes for the result
            # and needs the GIL, so this thread goes straight from the post
            # to waiting (which releases it).
            # One locked stretch for the accounting and, when the result
            # may be held, for holding it: the inbox shares this lock.
            held = False
            acquire()
            try:
                if generation == self._generation:
                    if self._unclaimed:
                        self._unclaimed -= 1  # the next get() takes a queued job
                        if not skipped and inbox._armed:
                            # Held for the armed timer or the next wake-up.
                            inbox._results.append((future, ok, value))
                            held = True
                    else:
                        self._idle += 1
            finally:
                release()
            if not skipped and not held:
                inbox.post(future, ok, value)
            future = value = None  # type: ignore[assignment]

    def run(self, func: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Start ``func(*args)`` in a worker with a copy of the current context.

        Called on the event loop; await the returned future for the result.
        A plain function handing back the future, not a coroutine awaiting
        it: no coroutine frame per call, and the job is queued (and the
        context copied) at the call, not at the first await.
        """
        return self._submit(func, args, False)

    def run_for_client(self, link: ClientLink, func: Callable[..., T], *args: Any) -> Handback[T]:
        """:meth:`run` for a request's work, dropped if its client leaves while it waits.

        A thread that is free takes the job at once, and nothing more is
        done. A job that must wait for one (every thread busy with slow
        views, or a flood of requests whose clients hang up at once) and is
        still waiting after :data:`WATCH_AFTER` seconds has its client
        watched (``link``): when the client has gone by the time a thread
        takes the job, it is not run, and the future answers :data:`GONE`.
        Servers that do not cancel a request's task when its client leaves
        (granian) would otherwise run every such job, holding the threads
        from the clients still waiting. The watcher goes on until the caller
        closes ``link``, so a disconnect during the view is not lost either.

        The answer is a :class:`~hipflask.core.handback.Handback`, to be
        awaited directly (its module says why, and what it relies on).
        """
        loop = asyncio.get_running_loop()
        inbox = self._inboxes.get(loop) or self._inbox(loop)
        future: Handback[T] = Handback(loop)
        if self._reserve(loop):
            if not inbox._armed:
                inbox.arm()
            inbox.wait(link)
        self._jobs.put((inbox, future, contextvars.copy_context(), func, args, False, link))
        return future

    def run_always(self, func: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """:meth:`run` for clean-up that must happen even if the caller is cancelled.

        A job started with :meth:`run` is dropped when its coroutine is
        cancelled before a worker takes it; closing a response body must
        not be.
        """
        return self._submit(func, args, True)

    def _submit(
        self, func: Callable[..., T], args: tuple[Any, ...], always: bool
    ) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        inbox = self._inboxes.get(loop) or self._inbox(loop)
        if self._reserve(loop):
            inbox.arm()
        self._jobs.put((inbox, future, contextvars.copy_context(), func, args, always, None))
        return future

    async def iterate(self, iterable: Iterable[T]) -> AsyncIterator[T]:
        """Iterate a sync iterable in a worker (a streamed body that may block)."""
        iterator = iter(iterable)
        try:
            while True:
                done, value = await self.run(_next_or_done, iterator)
                if done:
                    return
                yield value  # type: ignore[misc]  # not None when not done
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                await self.run_always(close)

    def shutdown(self) -> None:
        """Stop the worker threads after the running jobs finish.

        The runner can be used again afterwards: threads start on demand.
        """
        with self._lock:
            threads, self._threads = self._threads, []
            # A fresh list: old workers still write to theirs on the way out.
            self._busy_since = []
            self._idle = 0
            self._unclaimed = 0
            self._grow_loop = None
            self._size = None
            self._generation += 1
        for _thread in threads:
            self._jobs.put(None)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join()


def _next_or_done(iterator: Iterator[T]) -> tuple[bool, T | None]:
    try:
        return False, next(iterator)
    except StopIteration:
        return True, None


def _future_safe(exc: BaseException) -> BaseException:
    """``exc``, or a ``RuntimeError`` from it when a future would refuse it.

    ``Future.set_exception`` raises ``TypeError`` for a ``StopIteration``
    (a view's ``next()`` on an exhausted iterator): raised in
    :meth:`_Inbox.deliver`, it would leave that caller waiting for good and
    the rest of the batch undelivered. Wrapped as a generator's is (PEP 479).
    """
    if isinstance(exc, StopIteration):
        error = RuntimeError("A function run in a worker thread raised StopIteration.")
        error.__cause__ = exc
        return error
    return exc
