"""``stream_with_context``: a streamed body produced inside its request's context.

A streamed response's body is iterated after the view returned and its
request context was left. The wrappers here re-enter that context around
each chunk, sync or async, and run the request's teardown (and the app
context's, when the request pushed it) once the stream ends or is closed.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterable
from collections.abc import Callable
from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

from . import globals as _globals

if TYPE_CHECKING:
    from .ctx import RequestContext

# Plain names, not ``from`` imports, so that their method calls compile as
# method calls (see hipflask.contexts.globals).
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request

__all__ = ["stream_with_context"]


def stream_with_context(
    generator_or_function: Iterable[Any]
    | AsyncIterable[Any]
    | Callable[..., Iterable[Any] | AsyncIterable[Any]],
) -> Any:
    """Keep the request context active while a streamed response is iterated.

    The body of a streamed response is produced after the view returned and
    its context was left; wrapping the generator re-enters the same context
    for each chunk and delays teardown until the stream ends. Sync and async
    generators (and functions returning them, as a decorator) are accepted.
    """
    if callable(generator_or_function) and not hasattr(generator_or_function, "__next__"):
        function = generator_or_function

        @functools.wraps(function)
        def decorator(*args: Any, **kwargs: Any) -> Any:
            return stream_with_context(function(*args, **kwargs))

        return decorator
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'stream_with_context' can only be used when a request context is active,"
            " such as in a view function."
        )
    ctx._deferred += 1
    # Whether the request pushed its own app context (not a test's outer
    # ``with app.app_context():``), read now: once the view returns, the
    # context is popped and that is no longer known.
    owns_app_context = ctx.pushed_app_context
    if isinstance(generator_or_function, AsyncIterable):
        return _AsyncContextStream(ctx, generator_or_function, owns_app_context)
    return _ContextStream(ctx, generator_or_function, owns_app_context)  # type: ignore[arg-type]


def _reported(ctx: RequestContext, error: BaseException | None) -> BaseException | None:
    """The error a stream's teardown is told of: not a closed generator, nor one the app hides."""
    if error is None or isinstance(error, GeneratorExit):
        return None
    ignore = getattr(ctx.app, "should_ignore_error", None)
    return None if ignore is not None and ignore(error) else error


def _enter(ctx: RequestContext) -> tuple[Any, Any]:
    """Make the request and its app context current for one step of the stream.

    The app context counts as pushed meanwhile, as it is while a view runs:
    code that tells a live context from one a task inherited after teardown
    (the database session's scope) looks at its pushes, and the stream's
    teardown runs in here too.
    """
    app_ctx = ctx._app_ctx
    app_token = _cv_app.set(app_ctx)  # type: ignore[arg-type]
    if app_ctx is not None:
        app_ctx._tokens.append(app_token)
    return _cv_request.set(ctx), app_token


def _exit(ctx: RequestContext, tokens: tuple[Any, Any]) -> None:
    _cv_app.reset(tokens[1])
    _cv_request.reset(tokens[0])
    app_ctx = ctx._app_ctx
    if app_ctx is not None:
        # By identity: under ASGI two streams' steps may interleave on one
        # loop while sharing a test's outer app context.
        app_ctx._tokens.remove(tokens[1])


class _ContextStream:
    """An iterator that enters a request context around each step."""

    def __init__(self, ctx: RequestContext, iterable: Iterable[Any], owns_app: bool) -> None:
        self._ctx = ctx
        self._iterator = iter(iterable)
        self._done = False
        self._owns_app = owns_app

    def __iter__(self) -> _ContextStream:
        return self

    def __next__(self) -> Any:
        if self._done:
            raise StopIteration
        tokens = _enter(self._ctx)
        try:
            try:
                return next(self._iterator)
            except StopIteration:
                pass
            except BaseException as exc:
                # A stream that failed part-way: teardown sees the error, so a
                # transaction the body was reading in is rolled back, not kept.
                self._end(exc)
                raise
            self._end(None)
            raise StopIteration
        finally:
            _exit(self._ctx, tokens)

    def _end(self, error: BaseException | None) -> None:
        """The stream is over: close what it wrapped, as Flask does, then tear down once.

        An iterator object holding a resource (a cursor, a pooled connection)
        is released by its ``close()``; a generator's is a no-op once it has
        ended. An error from ``close()`` is raised unless the stream failed
        already; teardown is told of whichever came first.
        """
        closer = getattr(self._iterator, "close", None)
        try:
            if closer is not None:
                closer()
        except BaseException as exc:
            if error is None:
                error = exc
                raise
        finally:
            self._finish(error)

    def close(self) -> None:
        """Stop the stream early (client gone); teardown still runs once.

        The generator's ``finally`` runs inside the request's context, as its
        steps did (its clean-up reads ``g`` or ``request``); an error raised
        there is the one teardown is told of, and teardown runs even then.
        """
        if self._done:
            return  # ended, and what it wrapped was closed then
        closer = getattr(self._iterator, "close", None)
        if closer is None:
            self._finish()
            return
        error: BaseException | None = None
        tokens = _enter(self._ctx)
        try:
            closer()
        except BaseException as exc:
            error = exc
            raise
        finally:
            _exit(self._ctx, tokens)
            self._finish(error)

    def _finish(self, error: BaseException | None = None) -> None:
        if self._done:
            return
        self._done = True
        ctx = self._ctx
        ctx._deferred -= 1
        if ctx._deferred == 0:
            error = _reported(ctx, error)
            tokens = _enter(ctx)
            try:
                try:
                    ctx.app.do_teardown_request(error)
                finally:
                    # Even when a teardown_request function raised, as
                    # RequestContext.pop runs them.
                    if self._owns_app:
                        ctx.app.do_teardown_appcontext(error)
            finally:
                _exit(self._ctx, tokens)
                ctx.request.close()


class _AsyncContextStream:
    """An async iterator that enters a request context around each step.

    Teardown is awaited on the loop that drives the stream: running async
    teardown functions synchronously there would block on the loop itself.
    """

    def __init__(self, ctx: RequestContext, iterable: AsyncIterable[Any], owns_app: bool) -> None:
        self._ctx = ctx
        self._iterator = iterable.__aiter__()
        self._done = False
        self._owns_app = owns_app

    def __aiter__(self) -> _AsyncContextStream:
        return self

    async def __anext__(self) -> Any:
        if self._done:
            raise StopAsyncIteration
        tokens = _enter(self._ctx)
        try:
            try:
                return await self._iterator.__anext__()
            except StopAsyncIteration:
                pass
            except BaseException as exc:
                await self._end(exc)
                raise
            await self._end(None)
            raise StopAsyncIteration
        finally:
            _exit(self._ctx, tokens)

    async def _end(self, error: BaseException | None) -> None:
        """As :meth:`_ContextStream._end`, with the iterator's ``aclose()``."""
        closer = getattr(self._iterator, "aclose", None)
        try:
            if closer is not None:
                await closer()
        except BaseException as exc:
            if error is None:
                error = exc
                raise
        finally:
            await self._finish(error)

    async def aclose(self) -> None:
        """Stop the stream early (client gone); teardown still runs once.

        As :meth:`_ContextStream.close`: the generator's ``finally`` runs in
        the request's context, and teardown runs, told of its error if any.
        """
        if self._done:
            return  # ended, and what it wrapped was closed then
        closer = getattr(self._iterator, "aclose", None)
        if closer is None:
            await self._finish()
            return
        error: BaseException | None = None
        tokens = _enter(self._ctx)
        try:
            await closer()
        except BaseException as exc:
            error = exc
            raise
        finally:
            _exit(self._ctx, tokens)
            await self._finish(error)

    async def _finish(self, error: BaseException | None = None) -> None:
        if self._done:
            return
        self._done = True
        ctx = self._ctx
        ctx._deferred -= 1
        if ctx._deferred == 0:
            error = _reported(ctx, error)
            tokens = _enter(ctx)
            try:
                await ctx.app._teardown_stream(ctx, self._owns_app, error)
            finally:
                _exit(self._ctx, tokens)
                ctx.request.close()
