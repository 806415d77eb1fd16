"""The app's serving lifecycle: start and stop, the first request, where requests run.

A mixin of :class:`~hipflask.core.app.Hipflask` only, kept apart so the app
module stays within its size. It holds what happens over the life of a
server rather than within one request: the ``before_serving``,
``after_serving`` and ``before_first_request`` hooks and when they run,
which requests may run on the ASGI event loop rather than in the thread
pool (made here, on first use), and the teardown of what ends on the loop
(an ``async with`` app context, an async streamed body).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from . import bridge
from . import pipeline
from .scaffold import Scaffold
from .scaffold import setupmethod
from .views import is_async_view

if TYPE_CHECKING:
    import threading

    from ..contexts.ctx import AppContext
    from ..contexts.ctx import RequestContext
    from ..wrappers.request import Request
    from .config import Config
    from .handoff import ThreadRunner

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["LifecycleMethods"]


class LifecycleMethods(Scaffold):
    """The app's serving hooks and loop decisions (a base of :class:`~hipflask.core.app.Hipflask`).

    ``self`` is always the app, which the type checker cannot see through a
    mixin (hence the ``arg-type`` ignores where the pipeline is handed it).
    """

    config: Config
    before_first_request_funcs: list[Callable[[], Any]]
    before_serving_funcs: list[Callable[[], Any]]
    after_serving_funcs: list[Callable[[], Any]]
    app_context: Callable[[], AppContext]
    _served_startup: bool
    _got_first_request: bool
    _first_request_lock: threading.Lock
    _unrouted_loop: bool | None
    _async_views: dict[Any, bool]

    @functools.cached_property
    def _threads(self) -> ThreadRunner:
        # Created on first use, not in __init__: ASGI_THREAD_POOL_SIZE is
        # usually set after the app is created (from_object, from_prefixed_env).
        from .handoff import ThreadRunner

        return ThreadRunner(int(self.config["ASGI_THREAD_POOL_SIZE"]))

    @setupmethod
    def before_first_request(self, f: F) -> F:
        """Run ``f()`` once, before the first request (thread-safe).

        Kept for the code tutorials still teach; prefer doing setup in the app
        factory, which runs before the server accepts connections.
        """
        self.before_first_request_funcs.append(f)
        return f

    @setupmethod
    def before_serving(self, f: F) -> F:
        """Run ``f()`` (sync or async) when the server starts, in an app context.

        Under ASGI this is the lifespan startup; under WSGI, where servers
        send no such event, it runs before the first request.
        """
        self.before_serving_funcs.append(f)
        return f

    @setupmethod
    def after_serving(self, f: F) -> F:
        """Run ``f()`` when the server shuts down (ASGI lifespan shutdown).

        WSGI servers send no such event; ``hipflask serve``'s WSGI workers
        run it as they stop (:mod:`hipflask.serving.worker_exit`).
        """
        self.after_serving_funcs.append(f)
        return f

    async def _serving_hooks(self, starting: bool) -> None:
        funcs = self.before_serving_funcs if starting else self.after_serving_funcs
        with self.app_context():
            await bridge.drive_async(pipeline.run_hooks(funcs))
        if starting:
            self._served_startup = True

    def _unrouted_on_loop(self) -> bool:
        """Whether a request that matched no route (404, 405) may run on the ASGI loop.

        It can when the app has no ``before_request`` functions or URL value
        preprocessors of its own (the only hooks such a request runs before
        its error handler), or when every view but the static files' is
        ``async def``: such an app already runs its sync hooks and error
        handlers on the loop, around each of those views, so a 404 blocks it
        no more, and a scanner's 404s cost no thread hand-off. An app with
        ``def`` views may have hooks and handlers that block like them (a
        database lookup), and its unrouted requests run in the thread pool.
        """
        known = self._unrouted_loop
        if known is not None:
            return known
        known = not (
            any(self.before_request_funcs.values()) or any(self.url_value_preprocessors.values())
        ) or all(
            is_async_view(view) or _serves_static_files(view)
            for view in self.view_functions.values()
        )
        # Kept once setup methods refuse, as the hook chains are.
        if self._got_first_request:
            self._unrouted_loop = known
        return known

    def _run_first_request_hooks(self, ctx: RequestContext) -> pipeline.Step:
        lock = self._first_request_lock
        if ctx.state.on_loop:
            # This thread runs the event loop, and the request running the
            # hooks may be suspended on this very loop: blocking here would
            # stop it for good. Wait in the thread pool instead, without taking
            # the lock there, so that a cancelled wait cannot leave it taken.
            while not lock.acquire(blocking=False):
                yield self._threads.run(_wait_until_free, lock)
        else:
            lock.acquire()
        try:
            if not self._got_first_request:
                if not self._served_startup:
                    yield from pipeline.run_hooks(self.before_serving_funcs)
                yield from pipeline.run_hooks(self.before_first_request_funcs)
                self._got_first_request = True
        finally:
            self._first_request_lock.release()

    def _is_async_view(self, request: Request) -> bool:
        rule = request.url_rule
        if rule is None:
            return False
        view = self.view_functions.get(rule.endpoint)
        try:
            return self._async_views[view]
        except KeyError:
            result = self._async_views[view] = is_async_view(view)
            return result

    async def _teardown_appcontext_async(self, exc: BaseException | None) -> None:
        """``teardown_appcontext`` functions, awaited (``async with app.app_context()``)."""
        if pipeline.has_appcontext_teardown(self):  # type: ignore[arg-type]
            await bridge.drive_async(pipeline.teardown_appcontext(self, exc))  # type: ignore[arg-type]

    async def _teardown_stream(
        self, ctx: RequestContext, owns_app_context: bool, error: BaseException | None = None
    ) -> None:
        """Tear down a request whose async streamed body has just ended.

        Its context was popped when the view returned, so whether it pushed
        its own app context is told by the stream, which saw it then.
        ``error`` is what ended the stream early, if anything.
        """
        try:
            if pipeline.has_teardown(self, ctx):  # type: ignore[arg-type]
                await bridge.drive_async(pipeline.teardown(self, ctx, error))  # type: ignore[arg-type]
        finally:
            # Even when a teardown_request function raised, as
            # RequestContext.pop runs them.
            if owns_app_context and pipeline.has_appcontext_teardown(self):  # type: ignore[arg-type]
                await bridge.drive_async(pipeline.teardown_appcontext(self, error))  # type: ignore[arg-type]


def _wait_until_free(lock: threading.Lock) -> None:
    with lock:
        pass


def _serves_static_files(view: Any) -> bool:
    """Whether ``view`` is an app's or a blueprint's ``send_static_file``."""
    owner = getattr(view, "__self__", None)
    return isinstance(owner, Scaffold) and view.__func__ is getattr(
        type(owner), "send_static_file", None
    )
