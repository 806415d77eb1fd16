"""Request bodies that are complete, or refused: the rules both adapters share.

A body is what ``Content-Length`` (or the chunked framing) says it is. A
body cut short, by a client that half-closes or disconnects, or by a broken
chunk that the server reports as the end of the stream, must never be handed
to a view as if it were whole: a form truncated after ``role=user`` would be
stored as complete. The WSGI adapter wraps ``wsgi.input`` so that a short
read is a 400; the ASGI adapter reads the body before the view with
:func:`receive_body`, which also enforces the body timeouts below.

Two settings bound how long a client may take to send a body:

``BODY_READ_TIMEOUT``
    Seconds to wait for the next piece of the body, and the grace period
    before the rate below is checked.
``BODY_MIN_RATE``
    Bytes per second the body must average once the grace period is over.

A client trickling one byte a second (a slow-body attack) is cut off after
the grace period instead of holding its connection and, under WSGI, a thread
for as long as it likes.

The framing headers themselves are checked by
:mod:`hipflask.wrappers.framing`, the same way for both protocols.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
import time
from collections.abc import Generator
from typing import IO
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.exceptions import RequestTimeout
from werkzeug.wsgi import LimitedStream

if TYPE_CHECKING:
    from ..typing import Receive

__all__ = [
    "BODY_INCOMPLETE",
    "BODY_UNREADABLE",
    "BodyTimeouts",
    "ClientGone",
    "RefusingStream",
    "exact_input",
    "read_exactly",
    "receive_body",
    "wsgi_body",
]

BODY_INCOMPLETE = "The request body ended before the length its headers announced."
BODY_UNREADABLE = "The request body could not be read (broken chunked encoding?)."
BODY_TOO_SLOW = "The request body arrived too slowly."

#: A body is spooled to a temporary file past this size.
SPOOL_LIMIT = 1024 * 1024


class _GuardedInput:
    """A server's input stream whose read errors become ``OSError``.

    Servers report a broken body in their own ways: gunicorn raises
    ``InvalidChunkSize`` (not an ``OSError``), others raise on a reset
    connection. Werkzeug's stream turns an ``OSError`` into a 400; anything
    else would escape through the view as a 500.
    """

    __slots__ = ("_stream",)

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read(size)
        except OSError:
            raise
        except Exception as exc:
            raise OSError(BODY_UNREADABLE) from exc

    def close(self) -> None:
        """Nothing to close: the server owns ``wsgi.input`` (the request closes its stream)."""


class _ExactInput(io.RawIOBase):
    """Exactly ``Content-Length`` bytes of ``wsgi.input``; ending sooner is a 400.

    Past the length is the next request on the connection, so nothing past
    it is read. A read error of any kind is the same 400: servers report a
    broken body in their own ways (gunicorn raises ``InvalidChunkSize``,
    others ``OSError``), and none may escape through the view as a 500.
    One object with its own ``read``, rather than Werkzeug's
    ``LimitedStream`` over a guard: a small form is read in one Python call.
    """

    def __init__(self, stream: IO[bytes], length: int) -> None:
        self._input = stream
        self._length = length
        self._remaining = length

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._length - self._remaining

    def read(self, size: int | None = -1) -> bytes:
        remaining = self._remaining
        if size is None or size < 0:
            return self.readall()
        if size > remaining:
            size = remaining
        if size == 0:
            return b""
        data = _read_some(self._input, size)
        self._remaining = remaining - len(data)
        return data

    def readall(self) -> bytes:
        parts = []
        while self._remaining:
            parts.append(self.read(self._remaining))
        return b"".join(parts)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        return size


class _BoundedInput(LimitedStream):
    """A body the server ends itself (chunked), refused with 413 past the limit.

    Werkzeug's maximum-length stream stops reading at the limit and returns
    what it has, so an oversized chunked upload would reach the view cut
    short, as if it were complete. Here reaching the limit looks one byte
    further: more data means the body is too large.
    """

    def on_exhausted(self) -> None:
        if self._stream.read(1):
            raise RequestEntityTooLarge()

    def on_disconnect(self, error: Exception | None = None) -> None:
        if error is not None:
            raise BadRequest(BODY_UNREADABLE)

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted:
            self.on_exhausted()
        return data


class _UnboundedInput(_GuardedInput):
    """A server-terminated body with no size limit at all; only errors are mapped."""

    __slots__ = ()

    def read(self, size: int = -1) -> bytes:
        try:
            return super().read(size)
        except OSError:
            raise BadRequest(BODY_UNREADABLE) from None


def exact_input(stream: IO[bytes], length: int) -> IO[bytes]:
    """A stream giving exactly ``length`` bytes of ``stream``; ending sooner is a 400."""
    return _ExactInput(stream, length)  # type: ignore[return-value]


def read_exactly(stream: IO[bytes], length: int) -> bytes:
    """``length`` bytes of the WSGI input, in as few reads as it allows.

    What reading an :class:`_ExactInput` to its end gives, without the
    stream object: a form or JSON body read whole is the usual request with a
    body, and building, reading and closing a Python stream for it cost it
    more than parsing it. Ending sooner, or failing to read, is the same 400.
    """
    parts: list[bytes] = []
    remaining = length
    while remaining > 0:
        data = _read_some(stream, remaining)
        if len(data) == length:
            return data
        parts.append(data)
        remaining -= len(data)
    return b"".join(parts)


def _read_some(stream: IO[bytes], size: int) -> bytes:
    """One read of at most ``size`` bytes (``size`` > 0) of a body not yet complete.

    Nothing, or an error of any kind, is a 400: servers report a broken body
    in their own ways. More than asked (a broken server) is cut to ``size``:
    past the body is the next request on the connection.
    """
    try:
        data = stream.read(size)
    except Exception as exc:
        raise BadRequest(BODY_INCOMPLETE) from exc
    if not data:
        raise BadRequest(BODY_INCOMPLETE)
    if len(data) > size:
        data = data[:size]
    return data


def wsgi_body(environ: dict[str, Any], length: int | None, limit: int | None) -> IO[bytes]:
    """The WSGI body stream: complete, bounded by ``limit``, or an error when read.

    :param length: the declared ``Content-Length`` (already validated).
    :param limit: ``max_content_length``; a larger declared length was
        refused before this is called.
    """
    if length is not None:
        # Without wsgi.input_terminated this is also the only safe reading:
        # past Content-Length is the next request on the connection.
        return _ExactInput(environ["wsgi.input"], length)  # type: ignore[return-value]
    stream: Any = _GuardedInput(environ["wsgi.input"])
    if "wsgi.input_terminated" not in environ:
        # Neither a length nor a server-ended stream: WSGI says there is no body.
        return LimitedStream(stream, 0)  # type: ignore[return-value]
    if limit is not None:
        return _BoundedInput(stream, limit, is_max=True)  # type: ignore[return-value]
    return _UnboundedInput(environ["wsgi.input"])  # type: ignore[return-value]


# -- ASGI ------------------------------------------------------------------


class RefusingStream(io.RawIOBase):
    """A body stream that raises ``error`` when read, not when opened.

    Under WSGI a body cut short is discovered on reading; a view (or a form
    parser) that never reads it answers as usual. Under ASGI the body was
    read up front; handing over this stream gives the same answers.
    """

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise self.error


class ClientGone(Exception):
    """The client disconnected (or the server reported a broken body) mid-body."""


class BodyTimeouts:
    """How long a client may take to send a body; see the module docstring.

    ``read_timeout`` ``None`` turns both checks off.
    """

    __slots__ = ("min_rate", "read_timeout")

    def __init__(self, read_timeout: float | None, min_rate: float | None) -> None:
        self.read_timeout = read_timeout
        self.min_rate = min_rate

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> BodyTimeouts:
        """The app's ``BODY_READ_TIMEOUT`` and ``BODY_MIN_RATE``."""
        timeout = config.get("BODY_READ_TIMEOUT")
        rate = config.get("BODY_MIN_RATE")
        last = _last_timeouts
        if last is not None and last[0] is timeout and last[1] is rate and cls is BodyTimeouts:
            # Read on every request with a body, so a changed setting applies
            # at once; the settings rarely change, so the last answer is kept.
            return last[2]
        timeouts = cls(
            float(timeout) if timeout else None,
            float(rate) if rate else None,
        )
        if cls is BodyTimeouts:
            _remember_timeouts(timeout, rate, timeouts)
        return timeouts

    def check_rate(self, started: float, size: int) -> None:
        """A 408 when the body averages less than ``min_rate`` after the grace period."""
        if self.read_timeout is None or not self.min_rate:
            return
        elapsed = time.monotonic() - started
        if elapsed > self.read_timeout and size < self.min_rate * elapsed:
            raise RequestTimeout(BODY_TOO_SLOW)


_last_timeouts: tuple[Any, Any, BodyTimeouts] | None = None


def _remember_timeouts(timeout: Any, rate: Any, timeouts: BodyTimeouts) -> None:
    global _last_timeouts
    _last_timeouts = (timeout, rate, timeouts)


class _Resumed:
    """The rest of an awaitable whose first step has already run.

    :func:`start_receive` runs ``receive()`` by hand to learn whether the
    message is already there; when it is not, this hands what it waits on
    to the task and forwards what the task sends or throws back (a
    cancellation by the read timeout), as ``await`` would have.
    """

    __slots__ = ("_signal", "_waiting")

    def __init__(self, waiting: Generator[Any, Any, Any], signal: Any) -> None:
        self._waiting = waiting
        self._signal = signal

    def __await__(self) -> Generator[Any, Any, Any]:
        # What ``yield from`` does (PEP 380), for an awaitable whose iterator
        # may have only ``__next__`` (granian's does): no ``send`` for a
        # plain resumption, and no ``throw`` or ``close`` when it has none.
        waiting = self._waiting
        signal = self._signal
        while True:
            try:
                sent = yield signal
            except GeneratorExit:
                close = getattr(waiting, "close", None)
                if close is not None:
                    close()
                raise
            except BaseException as exc:
                throw = getattr(waiting, "throw", None)
                if throw is None:
                    raise
                try:
                    signal = throw(exc)
                except StopIteration as done:
                    return done.value
            else:
                try:
                    signal = next(waiting) if sent is None else waiting.send(sent)
                except StopIteration as done:
                    return done.value


def start_receive(receive: Receive) -> Any:
    """Run ``receive()`` up to its first wait: the message, or a :class:`_Resumed` to await.

    A small body usually arrives with its headers: the server already holds
    the message, and a caller that finds the whole body in it needs no
    coroutine of its own to read it (see :func:`receive_body`'s ``first``).
    """
    waiting = receive().__await__()
    try:
        signal = next(waiting)
    except StopIteration as done:
        return done.value
    return _Resumed(waiting, signal)


async def _wait_for_message(pending: _Resumed, timeout: float | None) -> Any:
    """The message ``receive()`` is still waiting for, within ``timeout`` seconds."""
    if timeout is None:
        return await pending
    try:
        if _timeout is not None:
            # A deadline on the running task: no extra task per message, as
            # wait_for would create.
            async with _timeout(timeout):
                return await pending
        return await asyncio.wait_for(_resume(pending), timeout)  # pragma: no cover
    except (asyncio.TimeoutError, TimeoutError):
        raise RequestTimeout(BODY_TOO_SLOW) from None


async def _resume(pending: _Resumed) -> Any:  # pragma: no cover - Python 3.10
    # Python 3.10's wait_for runs a coroutine of its own as a task.
    return await pending


_timeout = getattr(asyncio, "timeout", None)


def _append(buffer: IO[bytes] | None, chunk: bytes, more: bool) -> IO[bytes]:
    if buffer is None:
        if not more and len(chunk) <= SPOOL_LIMIT:
            # The whole (small) body came in one message: no file to spool to.
            return io.BytesIO(chunk)
        buffer = tempfile.SpooledTemporaryFile(max_size=SPOOL_LIMIT)  # noqa: SIM115
    buffer.write(chunk)
    return buffer


async def receive_body(
    receive: Receive,
    *,
    length: int | None,
    limit: int | None,
    timeouts: BodyTimeouts,
    first: Any = None,
) -> tuple[IO[bytes] | None, int]:
    """Read a whole ASGI body: the buffer (``None`` when empty) and its size.

    ``first``: what :func:`start_receive` answered, when the caller has
    already started the first ``receive()``.

    :raises ClientGone: the client went away before the body was complete.
    :raises werkzeug.exceptions.BadRequest: fewer bytes than ``length``
        arrived (the server ended the body early).
    :raises werkzeug.exceptions.RequestEntityTooLarge: past ``limit``.
    :raises werkzeug.exceptions.RequestTimeout: the client was too slow.
    """
    buffer: IO[bytes] | None = None
    size = 0
    more = True
    started = time.monotonic()
    try:
        while more:
            # The first step of receive() runs here: a message the server
            # already holds (a small body arrives with its headers) comes
            # back at once, and needs no timer. Arming and cancelling one is
            # a tenth of a small POST's cost.
            message = start_receive(receive) if first is None else first
            first = None
            if type(message) is _Resumed:
                message = await _wait_for_message(message, timeouts.read_timeout)
            if message["type"] == "http.disconnect":
                raise ClientGone
            chunk = message.get("body", b"")
            more = message.get("more_body", False)
            if length is not None and size + len(chunk) >= length:
                # Past Content-Length is not this request's body (a WSGI
                # server would not hand it over either).
                chunk = chunk[: length - size]
                more = False
            if chunk:
                size += len(chunk)
                if limit is not None and size > limit:
                    # Stop reading: the rest is never buffered.
                    raise RequestEntityTooLarge()
                buffer = _append(buffer, chunk, more)
            if more:
                timeouts.check_rate(started, size)
        if length is not None and size != length:
            raise BadRequest(BODY_INCOMPLETE)
    except BaseException:
        if buffer is not None:
            buffer.close()
        raise
    if buffer is not None:
        buffer.seek(0)
    return buffer, size
