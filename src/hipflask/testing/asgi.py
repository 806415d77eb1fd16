"""The test client's ASGI side: ``app.test_client(protocol="asgi")``.

Werkzeug's client speaks WSGI; :class:`ASGIShim` is the WSGI callable it
calls instead of the app. It turns each environ into an ASGI scope and runs
``app.asgi_app`` on an event loop of the client's own, in a thread of its
own, as a server would:

* The body streams. ``client.get()`` returns once the app has sent its
  headers and first chunk, and each later chunk is made when the test reads
  on (a server's backpressure makes an app wait the same way). An endless
  stream (server-sent events) can be read and closed, and an error part-way
  through a stream is raised where the body is read, as under WSGI.
* Closing the response is the client leaving: the app's next ``send``
  raises and ``receive`` returns ``http.disconnect``. ``close()`` returns
  once the app has stopped, its generator closed.
* No thread of the test runs the loop, so the client works from several
  threads at once and inside a running event loop (an ``async`` test).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import weakref
from typing import TYPE_CHECKING
from typing import Any

from ..core.asgi import PRESERVE_CONTEXT_KEY as ASGI_PRESERVE_KEY
from ..core.asgi_scope import ENVIRON_EXTRAS_KEY
from ..core.wsgi import PRESERVE_CONTEXT_KEY as WSGI_PRESERVE_KEY
from ..wrappers.response import STATUS_LINES

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from concurrent.futures import Future

    from ..core.app import Hipflask

__all__ = ["CALLED_FROM_ITS_LOOP", "NO_RESPONSE", "STOPPED", "ASGIShim", "scope_from_environ"]

NO_RESPONSE = "The app returned without sending a response (no 'http.response.start' message)."
STOPPED = "The test client was closed while the app was still answering this request."
CALLED_FROM_ITS_LOOP = (
    "The ASGI test client was called from its own event loop (an async view or hook"
    " calling the client that serves it), which would wait for itself forever. Use"
    " another client, or call the code under test directly."
)

#: Seconds a closing client waits for the requests still running (each told
#: its client left) before it cancels them.
_WIND_DOWN_SECONDS = 5.0


class ASGIShim:
    """A WSGI callable that runs each request through the app's ASGI adapter.

    The loop and its thread start with the first request and stop with
    :meth:`close`, or when the client is garbage-collected: one loop for the
    client's life, as a server has, so what an app binds to the loop (a
    connection pool) survives from one request to the next.
    """

    def __init__(self, app: Hipflask) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._runner: _LoopThread | None = None
        self._stop_runner: weakref.finalize[Any, Any] | None = None

    @property
    def _loop(self) -> asyncio.AbstractEventLoop | None:
        """The running loop, if any (tests close what they opened on it)."""
        runner = self._runner
        return runner.loop if runner is not None else None

    def _runner_now(self) -> _LoopThread:
        with self._lock:
            if self._runner is None:
                runner = _LoopThread()
                self._runner = runner
                self._stop_runner = weakref.finalize(self, runner.stop)
            elif threading.current_thread() is self._runner.thread:
                raise RuntimeError(CALLED_FROM_ITS_LOOP)
            return self._runner

    def _run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run a coroutine on the client's loop and return its result."""
        return self._runner_now().submit(coro).result()

    def close(self) -> None:
        """Stop the loop: streams still open are disconnected, then the loop is closed."""
        with self._lock:
            stop, self._stop_runner, self._runner = self._stop_runner, None, None
        if stop is not None:
            stop()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> _ResponseBody:
        scope = scope_from_environ(environ)
        preserve = environ.get(WSGI_PRESERVE_KEY)
        if preserve is not None:
            scope[ASGI_PRESERVE_KEY] = preserve
        extras = _environ_extras(environ)
        if extras:
            scope[ENVIRON_EXTRAS_KEY] = extras
        body = _read_rewound(environ["wsgi.input"])
        runner = self._runner_now()
        exchange = _Exchange(runner, scope, body)
        # app.asgi_app as it is now: middleware installed after the client
        # was made still sees the client's requests.
        runner.submit(exchange.serve(self.app.asgi_app)).add_done_callback(exchange.ended)
        start = exchange.start()
        status = start["status"]
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]]
        # The status line the WSGI adapter would have sent (Werkzeug's
        # phrases), so a test sees the same ``status`` under either protocol.
        start_response(STATUS_LINES.get(status, f"{status} UNKNOWN"), headers)
        return _ResponseBody(exchange, self)


class _LoopThread:
    """An event loop running in a daemon thread of its own until :meth:`stop`."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        #: The requests running on the loop; read and changed on the loop only.
        self.requests: dict[asyncio.Task[Any], _Exchange] = {}
        self.thread = threading.Thread(
            target=self._serve, name="hipflask-test-client-loop", daemon=True
        )
        self.thread.start()

    def submit(self, coro: Coroutine[Any, Any, Any]) -> Future[Any]:
        # The task runs in a copy of the calling thread's context (the
        # callback scheduling it copies it, as the task copies the
        # callback's), so an app context the test pushed is the view's too,
        # as when the test's own thread ran the loop.
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def stop(self) -> None:
        """Stop the loop and wait until it is closed (unless called on it)."""
        try:
            self.loop.call_soon_threadsafe(self.loop.stop)
        except RuntimeError:
            return  # closed already
        if threading.current_thread() is not self.thread:
            self.thread.join()

    def _serve(self) -> None:
        loop = self.loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
            loop.run_until_complete(self._wind_down())
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    async def _wind_down(self) -> None:
        """End what still runs, as a server's shutdown does, so nothing is left half-done."""
        requests = list(self.requests)
        for exchange in self.requests.values():
            exchange.disconnect()
        if requests:
            await asyncio.wait(requests, timeout=_WIND_DOWN_SECONDS)
        # Tasks the app started (and requests that did not stop) are cancelled.
        rest = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)
        await self.loop.shutdown_asyncgens()


class _Disconnected(OSError):
    """Raised by ``send`` once the test closed the response (ASGI: ``OSError`` on a gone client)."""


class _Ended:
    """The app's coroutine has returned, or raised ``error``."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


class _Exchange:
    """One request between the app, on the client's loop, and the test reading its response.

    The app's messages reach the test through a thread-safe queue. A
    message of a streamed body carries a future the app waits on until the
    test reads on (or, after the last one, closes the response).
    """

    def __init__(self, runner: _LoopThread, scope: dict[str, Any], body: bytes) -> None:
        self._runner = runner
        self._loop = runner.loop
        self._scope = scope
        self._body: bytes | None = body
        self._outbox: queue.SimpleQueue[tuple[dict[str, Any], Any] | _Ended] = queue.SimpleQueue()
        # The app's side, on the loop.
        self._gone = asyncio.Event()
        self._waiting: asyncio.Future[None] | None = None
        self._streaming = False
        # The test's side.
        self._resume: asyncio.Future[None] | None = None
        self._complete = False
        self.finished = False

    # -- the app's side, on the loop ---------------------------------------------------

    async def serve(self, asgi_app: Any) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._runner.requests[task] = self
        try:
            await asgi_app(self._scope, self._receive, self._send)
        except _Disconnected:
            pass  # the test closed the response: the app stopped as it should
        except (KeyboardInterrupt, SystemExit) as exc:
            # asyncio lets these out of the loop, which would stop the
            # client's loop and leave the test waiting for a response
            # forever: the test's thread raises it instead, as under WSGI.
            self._outbox.put(_Ended(exc))
        finally:
            if task is not None:
                self._runner.requests.pop(task, None)

    async def _receive(self) -> dict[str, Any]:
        if self._body is not None:
            body, self._body = self._body, None
            return {"type": "http.request", "body": body, "more_body": False}
        # Past the body a server's receive() waits for the client to leave.
        await self._gone.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict[str, Any]) -> None:
        if self._gone.is_set():
            raise _Disconnected("The test closed the response.")
        more = message.get("more_body", False)
        if message["type"] != "http.response.body" or not (more or self._streaming):
            # The headers, or a whole body in one message: nothing to wait for.
            self._outbox.put((message, None))
            return
        self._streaming = True
        # Like a server's backpressure: the next chunk is made when the test
        # reads on, as a WSGI body's next chunk is. After the last one the
        # app waits for the test to close the response, when a WSGI body is
        # closed (its close() and call_on_close() functions run then).
        resume = self._loop.create_future()
        self._waiting = resume
        self._outbox.put((message, resume))
        try:
            await resume
        finally:
            self._waiting = None
        if more and self._gone.is_set():
            raise _Disconnected("The test closed the response.")

    def disconnect(self) -> None:
        """What a server does when the client leaves: ``send`` raises, ``receive`` says so."""
        self._gone.set()
        if self._waiting is not None:
            _settle(self._waiting)

    def ended(self, future: Future[Any]) -> None:
        """The request's coroutine is done (in whatever thread completed it)."""
        error = RuntimeError(STOPPED) if future.cancelled() else future.exception()
        self._outbox.put(_Ended(error))

    # -- the test's side ---------------------------------------------------------------

    def start(self) -> dict[str, Any]:
        """The ``http.response.start`` message; what the app raised before it is raised."""
        while (item := self._take()) is not None:
            message, _resume = item
            if message["type"] == "http.response.start":
                return message
        raise RuntimeError(NO_RESPONSE)

    def read(self) -> bytes | None:
        """The next chunk of the body, or ``None`` at its end."""
        while not self.finished and not self._complete:
            if self._resume is not None:
                resume, self._resume = self._resume, None
                self._on_loop(_settle, resume)
            item = self._take()
            if item is None:
                return None
            message, resume = item
            if message["type"] != "http.response.body":
                continue
            body: bytes = message.get("body", b"")
            self._resume = resume
            if message.get("more_body", False):
                return body
            self._complete = True
            if resume is None:
                # A whole body in one message: the app's end (closing the
                # response) has run by the time the test sees it.
                self._until_ended()
                return body
            # The empty message that only ends a stream is not a chunk.
            return body or None
        return None

    def close(self) -> None:
        """Stop the app if it is still sending, and wait until it has ended."""
        if self.finished:
            return
        self._resume = None
        self._on_loop(self.disconnect)
        self._until_ended()

    def abandon(self) -> None:
        """The response was dropped: end the app as :meth:`close` would.

        A WSGI body's generator is closed when the response is collected,
        its file with it; a test may count on that under ASGI too. On the
        loop's own thread (a collection that happened to run there) the app
        is only told, since waiting there would wait forever.
        """
        if self.finished:
            return
        if threading.current_thread() is self._runner.thread:
            self.disconnect()
            return
        self.close()

    def _take(self) -> tuple[dict[str, Any], Any] | None:
        """The next message the app sent; ``None`` once it has ended, or its error raised."""
        item = self._outbox.get()
        if isinstance(item, _Ended):
            self.finished = True
            if item.error is not None:
                raise item.error
            return None
        return item

    def _until_ended(self) -> None:
        while self._take() is not None:
            pass

    def _on_loop(self, callback: Any, *args: Any) -> None:
        # A closed loop has no app left to tell: its end is in the outbox.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(callback, *args)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class _ResponseBody:
    """The response body as the WSGI iterable Werkzeug's client reads, chunk by chunk.

    A response dropped unread ends its app when it is collected, as a WSGI
    body's generator is closed then.
    """

    __slots__ = ("__weakref__", "_exchange", "_shim")

    def __init__(self, exchange: _Exchange, shim: ASGIShim) -> None:
        self._exchange = exchange
        # The loop stops when the client is collected: a response read after
        # its client was dropped (``app.test_client().get(...)``) keeps it.
        self._shim = shim
        # At exit the loop's own shutdown ends what still runs.
        weakref.finalize(self, exchange.abandon).atexit = False

    def __iter__(self) -> _ResponseBody:
        return self

    def __next__(self) -> bytes:
        chunk = self._exchange.read()
        if chunk is None:
            raise StopIteration
        return chunk

    def close(self) -> None:
        self._exchange.close()


def scope_from_environ(environ: dict[str, Any]) -> dict[str, Any]:
    """The ASGI ``http`` scope a server would make for the request the environ describes."""
    headers: list[tuple[bytes, bytes]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
            headers.append((name.encode("latin-1"), _wire_bytes(str(value))))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers.append((key.replace("_", "-").lower().encode(), _wire_bytes(str(value))))
    path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
    root_path = environ.get("SCRIPT_NAME", "").encode("latin-1").decode("utf-8", "replace")
    remote = environ.get("REMOTE_ADDR")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": environ.get("SERVER_PROTOCOL", "HTTP/1.1").split("/", 1)[-1],
        "method": environ["REQUEST_METHOD"],
        "scheme": environ.get("wsgi.url_scheme", "http"),
        "path": root_path + path,
        # As a server receives it: still percent-encoded (Werkzeug's builder
        # keeps that form in RAW_URI).
        "raw_path": (
            environ.get("RAW_URI", "").partition("?")[0]
            or environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        ).encode("latin-1"),
        "root_path": root_path,
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
        "headers": headers,
        "server": (
            environ.get("SERVER_NAME", "localhost"),
            int(environ.get("SERVER_PORT", 80)),
        ),
        "client": (remote, int(environ.get("REMOTE_PORT", 0) or 0)) if remote else None,
    }


#: Environ keys the scope carries (or the adapter derives from it).
_FROM_SCOPE = frozenset(
    (
        "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "SERVER_NAME",
        "SERVER_PORT", "SERVER_PROTOCOL", "REMOTE_ADDR", "REMOTE_PORT", "CONTENT_TYPE",
        "CONTENT_LENGTH", "RAW_URI", "REQUEST_URI",
    )
)  # fmt: skip


def _environ_extras(environ: dict[str, Any]) -> dict[str, Any]:
    """What a test put in the environ that no scope field holds (``REMOTE_USER``, own keys)."""
    return {
        key: value
        for key, value in environ.items()
        if key not in _FROM_SCOPE
        and not key.startswith(("HTTP_", "wsgi.", "werkzeug.", "hipflask."))
    }


def _wire_bytes(value: str) -> bytes:
    """A header value as a client would put it on the wire.

    A test may give text that latin-1 cannot hold (``Host: ☃.test``); a real
    client sends it UTF-8 encoded, and the app must answer that with a 400.
    """
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode()


def _read_rewound(stream: Any) -> bytes:
    """Read the whole body, then rewind it.

    Werkzeug's client resends the same input stream when it follows a 307 or
    308 redirect, so the body must still be there for the second request.
    """
    if stream is None:
        return b""
    start = stream.tell() if stream.seekable() else None
    body: bytes = stream.read()
    if start is not None:
        stream.seek(start)
    return body
