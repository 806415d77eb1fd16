"""How the in-process benchmark calls an app: as a server would, minus the socket.

A WSGI app gets a fresh environ and ``start_response`` per request; an ASGI
app gets a fresh scope and ``receive``/``send`` on one asyncio loop, after the
lifespan start-up a server would send.  Everything that does not depend on
the request is built once per endpoint, so what the clock sees is the
framework, plus a small harness floor that ``floor_wsgi`` and ``floor_asgi``
measure.
"""

from __future__ import annotations

import asyncio
import gc
import io
import sys
import time
import traceback
from collections.abc import Awaitable
from collections.abc import Callable
from itertools import repeat
from pathlib import Path
from typing import Any
from typing import Protocol

from common import MESSAGE
from common import CheckFailed
from common import Endpoint
from common import Reply

LIFESPAN_TIMEOUT = 10.0

SERVER_ADDR = ("127.0.0.1", 8000)
CLIENT_ADDR = ("127.0.0.1", 50123)
HOST_HEADER = f"{SERVER_ADDR[0]}:{SERVER_ADDR[1]}"
USER_AGENT = "hipflask-bench/1.0"


def error_text(exc: BaseException) -> str:
    """One line naming an exception and where in the app it came from."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}{where}"


# --- WSGI -----------------------------------------------------------------


def _no_write(data: bytes) -> None:
    """The legacy ``write`` callable; none of the benched apps uses it."""


class WsgiTarget:
    """One endpoint of one WSGI app, called as a WSGI server calls it.

    The environ is built once and copied per request: a fresh dict per request
    is what every server hands over (and what apps are allowed to mutate), and
    so is a fresh input stream.  Building the header keys again each time would
    measure this harness, not the framework.
    """

    __slots__ = ("_app", "_body", "_environ", "_start", "headers", "status")

    def __init__(self, app: Any, endpoint: Endpoint, cookie: str | None) -> None:
        self._app = app
        self._body = endpoint.body
        self._start = self._start_response
        self.status = ""
        self.headers: list[tuple[str, str]] = []
        environ: dict[str, Any] = {
            "REQUEST_METHOD": endpoint.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": endpoint.path,
            "QUERY_STRING": endpoint.query,
            "SERVER_NAME": SERVER_ADDR[0],
            "SERVER_PORT": str(SERVER_ADDR[1]),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": CLIENT_ADDR[0],
            "REMOTE_PORT": str(CLIENT_ADDR[1]),
            "HTTP_HOST": HOST_HEADER,
            "HTTP_USER_AGENT": USER_AGENT,
            "HTTP_ACCEPT": "*/*",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if endpoint.content_type is not None:
            environ["CONTENT_TYPE"] = endpoint.content_type
            environ["CONTENT_LENGTH"] = str(len(endpoint.body))
        if cookie:
            environ["HTTP_COOKIE"] = cookie
        self._environ = environ

    def _start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        self.status = status
        self.headers = headers
        return _no_write

    def __call__(self) -> bytes:
        environ = self._environ.copy()
        environ["wsgi.input"] = io.BytesIO(self._body)
        result = self._app(environ, self._start)
        try:
            return b"".join(result)
        finally:
            # PEP 3333: the server must call close(); frameworks run teardown
            # work there, so skipping it would flatter them.
            close = getattr(result, "close", None)
            if close is not None:
                close()

    @property
    def status_code(self) -> int:
        return int(self.status[:3]) if self.status[:3].isdigit() else 0


class WsgiDriver:
    """Calls WSGI targets directly on this thread."""

    interface = "wsgi"

    def __init__(self, app: Any) -> None:
        self.app = app

    def start(self) -> None:
        """WSGI has no start-up protocol."""

    def stop(self) -> None:
        """WSGI has no shutdown protocol."""

    def target(self, endpoint: Endpoint, cookie: str | None) -> WsgiTarget:
        return WsgiTarget(self.app, endpoint, cookie)

    def reply(self, target: Any) -> Reply:
        target.status, target.headers = "", []
        body = target()
        headers = [(key.lower(), value) for key, value in target.headers]
        return Reply(target.status_code, headers, body)

    def sample(self, target: Any, number: int) -> tuple[float, int]:
        """Time ``number`` requests; return µs per request and the last status."""
        call = target.__call__
        gc.collect()
        start = time.perf_counter_ns()
        for _ in repeat(None, number):
            call()
        elapsed = time.perf_counter_ns() - start
        return elapsed / number / 1000.0, target.status_code


# --- ASGI -----------------------------------------------------------------

_DISCONNECT = {"type": "http.disconnect"}


class _Exchange:
    """``receive`` and ``send`` for one ASGI request, as a server provides them.

    After the body, ``receive`` blocks until the response is complete and
    then reports a disconnect, as a server does for a client that waits for
    its answer.  Answering "disconnected" at once would make frameworks that
    listen for disconnects (Quart does) cancel the request midway.
    """

    __slots__ = ("_done", "_request", "chunks", "complete", "headers", "status")

    def __init__(self, body: bytes) -> None:
        self._request: dict[str, Any] | None = {
            "type": "http.request",
            "body": body,
            "more_body": False,
        }
        self._done: asyncio.Future[None] | None = None
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.complete = False

    async def receive(self) -> dict[str, Any]:
        message = self._request
        if message is not None:
            self._request = None
            return message
        if not self.complete:
            if self._done is None:
                self._done = asyncio.get_running_loop().create_future()
            await self._done
        return _DISCONNECT

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "http.response.body":
            self.chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                self.complete = True
                if self._done is not None and not self._done.done():
                    self._done.set_result(None)
        elif kind == "http.response.start":
            self.status = message["status"]
            self.headers = message.get("headers", [])


class AsgiTarget:
    """One endpoint of one ASGI app, called as an ASGI server calls it."""

    __slots__ = ("_app", "_body", "_scope", "headers", "status")

    def __init__(self, app: Any, endpoint: Endpoint, cookie: str | None) -> None:
        self._app = app
        self._body = endpoint.body
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        headers = [
            (b"host", HOST_HEADER.encode()),
            (b"user-agent", USER_AGENT.encode()),
            (b"accept", b"*/*"),
        ]
        if endpoint.content_type is not None:
            headers.append((b"content-type", endpoint.content_type.encode()))
            headers.append((b"content-length", str(len(endpoint.body)).encode()))
        if cookie:
            headers.append((b"cookie", cookie.encode("latin-1")))
        self._scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": endpoint.method,
            "scheme": "http",
            "path": endpoint.path,
            "raw_path": endpoint.path.encode(),
            "query_string": endpoint.query.encode(),
            "root_path": "",
            "headers": headers,
            "client": CLIENT_ADDR,
            "server": SERVER_ADDR,
        }

    async def __call__(self) -> bytes:
        exchange = _Exchange(self._body)
        await self._app(self._scope.copy(), exchange.receive, exchange.send)
        self.status = exchange.status
        self.headers = exchange.headers
        return b"".join(exchange.chunks)


class _Lifespan:
    """Runs an ASGI app's lifespan protocol for the duration of the benchmark.

    Frameworks do start-up work there (Quart, for one), so a server-less
    benchmark must send ``lifespan.startup`` just as a server would.  An app
    that raises on the lifespan scope does not support it, which servers
    accept too.
    """

    def __init__(self, app: Any) -> None:
        self._app = app
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._replies: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._task: asyncio.Task[None] | None = None

    async def _send(self, message: dict[str, Any]) -> None:
        phase = message["type"].split(".")[1]
        future = self._replies.get(phase)
        if future is not None and not future.done():
            future.set_result(message)

    async def _run(self) -> None:
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": {},
        }
        await self._app(scope, self._queue.get, self._send)

    async def _phase(self, phase: str, task: asyncio.Task[None]) -> None:
        future = asyncio.get_running_loop().create_future()
        self._replies[phase] = future
        await self._queue.put({"type": f"lifespan.{phase}"})
        done, _ = await asyncio.wait(
            {future, task},
            timeout=LIFESPAN_TIMEOUT,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if future in done:
            message = future.result()
            if message["type"].endswith(".failed"):
                raise CheckFailed(f"lifespan {phase} failed: {message.get('message')}")
        elif task in done:
            # The app ended the lifespan call without answering: it does not
            # speak the protocol, and servers then serve it without one.
            task.exception()
        else:
            raise CheckFailed(f"lifespan {phase} did not finish in {LIFESPAN_TIMEOUT} s")

    async def startup(self) -> None:
        self._task = asyncio.ensure_future(self._run())
        await self._phase("startup", self._task)

    async def shutdown(self) -> None:
        task = self._task
        if task is None or task.done():
            return
        try:
            await self._phase("shutdown", task)
        finally:
            if not task.done():
                task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def _time_async(call: Callable[[], Awaitable[bytes]], number: int) -> int:
    start = time.perf_counter_ns()
    for _ in repeat(None, number):
        await call()
    return time.perf_counter_ns() - start


async def _time_in_flight(call: Callable[[], Awaitable[bytes]], number: int, in_flight: int) -> int:
    """``number`` requests, ``in_flight`` of them at a time, as a loaded server runs them.

    Each of ``in_flight`` clients sends its next request as soon as its last
    answer is complete, as ``wrk``'s connections do.
    """
    share, extra = divmod(number, in_flight)

    async def client(count: int) -> None:
        for _ in repeat(None, count):
            await call()

    start = time.perf_counter_ns()
    await asyncio.gather(*(client(share + (index < extra)) for index in range(in_flight)))
    return time.perf_counter_ns() - start


class AsgiDriver:
    """Calls ASGI targets as coroutines on one shared event loop."""

    interface = "asgi"

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.app = app
        self._loop = loop
        self._lifespan = _Lifespan(app)

    def start(self) -> None:
        self._loop.run_until_complete(self._lifespan.startup())

    def stop(self) -> None:
        self._loop.run_until_complete(self._lifespan.shutdown())

    def target(self, endpoint: Endpoint, cookie: str | None) -> AsgiTarget:
        return AsgiTarget(self.app, endpoint, cookie)

    def reply(self, target: Any) -> Reply:
        body = self._loop.run_until_complete(target())
        headers = [
            (key.decode("latin-1").lower(), value.decode("latin-1"))
            for key, value in target.headers
        ]
        return Reply(target.status, headers, body)

    def sample(self, target: Any, number: int) -> tuple[float, int]:
        """Time ``number`` requests inside one coroutine.

        The clock runs inside the loop, so the cost of entering and leaving
        ``run_until_complete`` is not charged to the framework.
        """
        gc.collect()
        elapsed = self._loop.run_until_complete(_time_async(target.__call__, number))
        return elapsed / number / 1000.0, target.status


class InFlightDriver:
    """An ASGI row measured with many requests in flight at once.

    :class:`AsgiDriver` awaits one request at a time, so every pause of a
    request (a sync view waiting for its worker thread to wake up) is idle
    time on the clock. A server under load is never idle like that: while one
    request waits, the loop runs others, and the thread hand-off delivers
    results in batches. This driver shares an :class:`AsgiDriver`'s app and
    loop (its lifespan is the base driver's) and keeps ``in_flight`` requests
    going; the figure is elapsed time over requests, the cost per request of
    a saturated server.
    """

    interface = "asgi"

    def __init__(self, base: AsgiDriver, in_flight: int) -> None:
        self._base = base
        self._loop = base._loop
        self.in_flight = in_flight

    def start(self) -> None:
        """The base driver ran the lifespan start-up."""

    def stop(self) -> None:
        """The base driver runs the lifespan shutdown."""

    def target(self, endpoint: Endpoint, cookie: str | None) -> AsgiTarget:
        return self._base.target(endpoint, cookie)

    def reply(self, target: Any) -> Reply:
        return self._base.reply(target)

    def sample(self, target: Any, number: int) -> tuple[float, int]:
        """Time ``number`` requests, ``in_flight`` at a time."""
        gc.collect()
        elapsed = self._loop.run_until_complete(
            _time_in_flight(target.__call__, number, self.in_flight)
        )
        return elapsed / number / 1000.0, target.status


class Driver(Protocol):
    interface: str

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def target(self, endpoint: Endpoint, cookie: str | None) -> Any: ...
    def reply(self, target: Any) -> Reply: ...
    def sample(self, target: Any, number: int) -> tuple[float, int]: ...


# --- Harness floor ----------------------------------------------------------

_FLOOR_BODY = MESSAGE.encode()
_FLOOR_HEADERS = [
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Length", str(len(_FLOOR_BODY))),
]
_FLOOR_ASGI_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(k.lower().encode(), v.encode()) for k, v in _FLOOR_HEADERS],
}
_FLOOR_ASGI_BODY = {"type": "http.response.body", "body": _FLOOR_BODY}


def floor_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The least a WSGI app can do: what is left is this harness's own cost."""
    start_response("200 OK", _FLOOR_HEADERS)
    return [_FLOOR_BODY]


async def floor_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The least an ASGI app can do: what is left is this harness's own cost."""
    if scope["type"] != "http":
        return
    await send(_FLOOR_ASGI_START)
    await send(_FLOOR_ASGI_BODY)
