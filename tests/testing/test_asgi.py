"""The test client streams a response and runs anywhere, under both protocols.

Under WSGI (and in Flask) these hold because the body is the app's own
iterable; under ASGI because the app runs on the client's loop in a thread
of its own, handing its body over as it sends it.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from hipflask import Hipflask
from hipflask import Response
from hipflask import g
from hipflask.testing.asgi import CALLED_FROM_ITS_LOOP
from hipflask.testing.client import HipflaskClient

#: Chunks a stream may make before the test has read them: a client that
#: collected the whole body first would make them all (and fail the test
#: rather than hang on an endless stream).
READ_AHEAD_LIMIT = 50


class Events:
    """An endless event stream that records how far it ran and whether it was closed."""

    def __init__(self) -> None:
        self.made: list[int] = []
        self.closed = threading.Event()

    def stream(self) -> Iterator[str]:
        try:
            for number in itertools.count():
                if number > READ_AHEAD_LIMIT:
                    raise AssertionError("The stream was read ahead of the test.")
                self.made.append(number)
                yield f"data: {number}\n\n"
        finally:
            self.closed.set()


@pytest.fixture
def events(app: Hipflask) -> Events:
    events = Events()

    @app.route("/events")
    def stream() -> Response:
        return Response(events.stream(), mimetype="text/event-stream")

    return events


# --- streamed responses -------------------------------------------------------------------


def test_an_endless_stream_is_read_chunk_by_chunk_and_closed(
    client: HipflaskClient, events: Events
) -> None:
    response = client.get("/events")
    chunks = iter(response.response)

    assert response.status_code == 200
    assert [next(chunks) for _ in range(3)] == [b"data: 0\n\n", b"data: 1\n\n", b"data: 2\n\n"]
    assert not events.closed.is_set()
    response.close()
    # Closing the response stopped the app and closed its generator.
    assert events.closed.is_set()
    assert events.made == [0, 1, 2]


def test_the_app_makes_the_next_chunk_when_the_test_reads_on(
    client: HipflaskClient, events: Events
) -> None:
    response = client.get("/events")
    chunks = iter(response.response)

    # The first chunk is made before get() returns, as Werkzeug's client reads it.
    assert events.made == [0]
    next(chunks)
    assert events.made == [0]
    next(chunks)
    assert events.made == [0, 1]
    response.close()


def test_a_dropped_stream_is_closed(client: HipflaskClient, events: Events) -> None:
    client.get("/events")
    gc.collect()

    assert events.closed.is_set()


def test_an_error_part_way_through_a_stream_is_raised_when_the_body_is_read(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/broken")
    def broken() -> Response:
        def stream() -> Iterator[bytes]:
            yield b"fine"
            raise LookupError("part-way")

        return Response(stream())

    response = client.get("/broken")

    assert response.status_code == 200
    with pytest.raises(LookupError, match="part-way"):
        _ = response.data


def test_the_bodys_close_runs_when_the_response_is_closed(
    app: Hipflask, client: HipflaskClient
) -> None:
    calls: list[str] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield b"a"
            yield b"b"

        def close(self) -> None:
            calls.append("closed")

    @app.route("/body")
    def body() -> Response:
        return Response(Body())

    response = client.get("/body")
    assert calls == []
    assert list(response.response) == [b"a", b"b"]
    assert calls == []
    response.close()

    assert calls == ["closed"]


def test_buffered_reads_and_closes_the_whole_stream(app: Hipflask, client: HipflaskClient) -> None:
    closed: list[bool] = []

    @app.route("/short")
    def short() -> Response:
        def stream() -> Iterator[bytes]:
            try:
                yield from (b"a", b"b", b"c")
            finally:
                closed.append(True)

        return Response(stream())

    response = client.get("/short", buffered=True)

    assert closed == [True]
    assert response.data == b"abc"


@pytest.mark.parametrize(
    ("body", "chunks"),
    [("", [b""]), ("whole", [b"whole"]), (["a", "b"], [b"a", b"b"])],
    ids=["empty", "whole", "streamed"],
)
def test_the_chunks_are_the_bodys(
    app: Hipflask, client: HipflaskClient, body: str | list[str], chunks: list[bytes]
) -> None:
    @app.route("/")
    def index() -> Response:
        return Response(iter(body) if isinstance(body, list) else body)

    assert list(client.get("/").response) == chunks


def test_a_stream_is_read_after_its_client_was_dropped(app: Hipflask, protocol: str) -> None:
    @app.route("/count")
    def count() -> Response:
        return Response(str(number) for number in range(5))

    response = app.test_client(protocol=protocol).get("/count")
    gc.collect()

    assert response.data == b"01234"


# --- where the client can be used ---------------------------------------------------------


def test_the_client_works_inside_a_running_event_loop(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> str:
        return "sync view"

    async def an_async_test() -> str:
        return client.get("/").text

    assert asyncio.run(an_async_test()) == "sync view"


def test_async_views_run_on_the_clients_loop_from_a_running_loop(app: Hipflask) -> None:
    @app.route("/")
    async def index() -> str:
        await asyncio.sleep(0)
        return "async view"

    client = app.test_client(protocol="asgi")

    async def an_async_test() -> str:
        return client.get("/").text

    assert asyncio.run(an_async_test()) == "async view"


def test_several_threads_share_a_client(app: Hipflask, client: HipflaskClient) -> None:
    inside = threading.Barrier(2, timeout=5)

    @app.route("/<int:number>")
    def index(number: int) -> str:
        if number < 2:
            inside.wait()  # two requests in the app at once
        return str(number)

    with ThreadPoolExecutor(4) as pool:
        texts = list(pool.map(lambda number: client.get(f"/{number}").text, range(8)))

    assert texts == [str(number) for number in range(8)]


def test_the_view_shares_an_app_context_the_test_pushed(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.route("/")
    def index() -> str:
        return str(g.get("from_test"))

    with app.app_context():
        g.from_test = "seen"
        assert client.get("/").text == "seen"


def test_a_view_calling_its_own_asgi_client_is_refused(app: Hipflask) -> None:
    client = app.test_client(protocol="asgi")

    @app.route("/outer")
    async def outer() -> str:
        return client.get("/inner").text

    @app.route("/inner")
    async def inner() -> str:
        return "inner"

    with pytest.raises(RuntimeError) as caught:
        client.get("/outer")

    assert str(caught.value) == CALLED_FROM_ITS_LOOP


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit])
@pytest.mark.parametrize("kind", ["def", "async def"])
def test_a_view_raising_a_base_exception_raises_it_in_the_test(
    protocol: str, error: type[BaseException], kind: str
) -> None:
    # As under WSGI and in Flask; under ASGI asyncio lets these out of the
    # loop, which left the test waiting for a response forever.
    app = Hipflask(__name__)

    if kind == "def":

        @app.get("/stop")
        def stop() -> str:
            raise error()

    else:

        @app.get("/stop")
        async def stop() -> str:
            raise error()

    @app.get("/")
    def index() -> str:
        return "still here"

    client = app.test_client(protocol=protocol)
    with pytest.raises(error):
        client.get("/stop")

    assert client.get("/").get_data(as_text=True) == "still here"
