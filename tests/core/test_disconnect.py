"""A streamed body stops once its client has gone, under the ASGI adapter and the WSGI front."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import AsyncIterator
from collections.abc import Iterator
from typing import Any

import pytest
from tests.asgi_driver import http_scope

from hipflask import Hipflask
from hipflask.core.sending import WATCH_STREAM_AFTER
from hipflask.serving.buffering import BufferedWSGI

Message = dict[str, Any]


class _LeavingClient:
    """Reads a few chunks, then disconnects; as granian, send() never raises."""

    def __init__(self, chunks_before_leaving: int) -> None:
        self.left = asyncio.Event()
        self.left_at = 0.0
        self.chunks = 0
        self.before = chunks_before_leaving
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        await self.left.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.sent.append(message)
        if message["type"] == "http.response.body" and message.get("body"):
            self.chunks += 1
            if self.chunks == self.before:
                self.left_at = time.monotonic()
                self.left.set()


def _stream_app(app: Hipflask, produced: list[int], closed: list[float]) -> None:
    @app.get("/sync")
    def sync_events() -> Any:
        def events() -> Iterator[bytes]:
            try:
                for number in itertools.count():
                    produced.append(number)
                    time.sleep(0.001)
                    yield b"data: tick\n\n"
            finally:
                closed.append(time.monotonic())

        return app.response_class(events(), mimetype="text/event-stream")

    @app.get("/async")
    async def async_events() -> Any:
        async def events() -> AsyncIterator[bytes]:
            try:
                for number in itertools.count():
                    produced.append(number)
                    await asyncio.sleep(0.001)
                    yield b"data: tick\n\n"
            finally:
                closed.append(time.monotonic())

        return app.response_class(events(), mimetype="text/event-stream")


def _stopped_soon_after(client: _LeavingClient, closed: list[float]) -> bool:
    # Watched from WATCH_STREAM_AFTER seconds into a stream, then stopped at
    # the next chunk: never long after the client left.
    (at,) = closed
    return at - client.left_at < WATCH_STREAM_AFTER + 1.0


@pytest.mark.parametrize("path", ["/sync", "/async"])
def test_an_endless_stream_ends_when_its_asgi_client_leaves(path: str) -> None:
    app = Hipflask("streams")
    app.secret_key = "k" * 32
    produced: list[int] = []
    closed: list[float] = []
    _stream_app(app, produced, closed)
    client = _LeavingClient(chunks_before_leaving=3)

    async def run() -> None:
        await asyncio.wait_for(app(http_scope(path), client.receive, client.send), timeout=10)

    asyncio.run(run())
    app._threads.shutdown()
    assert _stopped_soon_after(client, closed)


def test_an_endless_stream_ends_when_its_client_leaves_the_wsgi_front() -> None:
    app = Hipflask("streams")
    app.secret_key = "k" * 32
    produced: list[int] = []
    closed: list[float] = []
    _stream_app(app, produced, closed)
    front = BufferedWSGI(app, app.config, threads=1)
    client = _LeavingClient(chunks_before_leaving=3)

    async def run() -> None:
        await asyncio.wait_for(front(http_scope("/sync"), client.receive, client.send), timeout=10)

    try:
        asyncio.run(run())
    finally:
        front.threads.shutdown()
    assert _stopped_soon_after(client, closed)


def test_a_stream_whose_client_stays_is_sent_whole() -> None:
    app = Hipflask("streams")
    app.secret_key = "k" * 32

    @app.get("/")
    def finite() -> Any:
        return app.response_class(iter([b"a", b"b", b"c"]))

    for protocol in ("wsgi", "asgi"):
        assert app.test_client(protocol=protocol).get("/").data == b"abc"


def test_a_receive_that_replays_the_body_is_not_watched_forever() -> None:
    # A harness answering every receive() with the request would make a
    # watcher spin: it gives up at the second end of a body, flagging nothing.
    from hipflask.core.disconnect import ClientLink

    calls: list[int] = []

    async def replaying() -> Message:
        calls.append(1)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def run() -> bool:
        watch = ClientLink(replaying)
        watch.watch()
        for _ in range(5):
            await asyncio.sleep(0)
        gone = watch.gone
        watch.close()
        return gone

    assert asyncio.run(run()) is False
    assert len(calls) == 2


def test_a_disconnect_seen_while_the_view_ran_stops_its_stream() -> None:
    # Some servers (hypercorn) report a disconnect once: the watcher started
    # while the job waited for a thread is the one that sees it, and the
    # stream that follows must know.
    app = Hipflask("streams")
    app.secret_key = "k" * 32
    app.config["ASGI_THREAD_POOL_SIZE"] = 1
    release = threading.Event()
    running = threading.Event()
    produced: list[int] = []

    @app.get("/slow")
    def slow() -> str:
        release.wait(5)
        return "slow"

    @app.get("/events")
    def events() -> Any:
        running.set()
        time.sleep(0.1)  # the client leaves while the view runs

        def ticks() -> Iterator[bytes]:
            for number in itertools.count():
                produced.append(number)
                yield b"data: tick\n\n"

        return app.response_class(ticks(), mimetype="text/event-stream")

    reported: list[bool] = []

    async def once_then_nothing() -> Message:
        if reported:
            await asyncio.Event().wait()  # reported once, as hypercorn does
        while not running.is_set():
            await asyncio.sleep(0.005)
        reported.append(True)
        return {"type": "http.disconnect"}

    async def wait_forever() -> Message:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")  # pragma: no cover

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def run() -> None:
        first = asyncio.ensure_future(app(http_scope("/slow"), wait_forever, send))
        await asyncio.sleep(0.02)
        stream = asyncio.ensure_future(app(http_scope("/events"), once_then_nothing, send))
        await asyncio.sleep(0.1)  # queued past WATCH_AFTER: watched
        release.set()
        await asyncio.wait_for(asyncio.gather(first, stream), timeout=10)

    asyncio.run(run())
    app._threads.shutdown()
    assert len(produced) <= 2
