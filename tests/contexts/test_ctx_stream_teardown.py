"""Streams ended early or by an error: cleaned up in their context and torn down once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from collections.abc import Iterator
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import Response
from hipflask import g
from hipflask import request
from hipflask import stream_with_context
from hipflask.testing.client import HipflaskClient


def test_stream_closed_early_still_tears_down_once(app: Hipflask) -> None:
    events: list[str] = []
    app.teardown_request(lambda exc: events.append("teardown"))
    with app.test_request_context():

        def generate() -> Iterator[str]:
            yield "a"
            yield "b"

        stream = stream_with_context(generate())
    assert events == []  # the stream still needs the request
    assert next(stream) == "a"
    stream.close()
    stream.close()
    assert events == ["teardown"]
    with pytest.raises(StopIteration):
        next(stream)


@pytest.mark.parametrize("fails", [False, True])
def test_a_stream_closed_early_cleans_up_in_its_context_and_tears_down_once(
    app: Hipflask, client: HipflaskClient, fails: bool
) -> None:
    # A client that leaves an endless stream: the generator's finally runs
    # in the request's context (clean-up reads g and request), and teardown
    # runs once, told of an error the clean-up raised.
    events: list[str] = []
    app.teardown_request(lambda exc: events.append(f"teardown {exc!r}"))

    @app.route("/events")
    def feed() -> Any:
        g.rid = "r1"

        @stream_with_context
        def generate() -> Iterator[str]:
            try:
                while True:
                    yield "data: x\n\n"
            finally:
                events.append(f"finally {g.rid} {request.path}")
                if fails:
                    raise RuntimeError("cleanup failed")

        return Response(generate(), mimetype="text/event-stream")

    response = client.get("/events")
    assert next(iter(response.response)) == b"data: x\n\n"
    if fails:
        with contextlib.suppress(RuntimeError):
            response.close()
    else:
        response.close()

    expected = "RuntimeError('cleanup failed')" if fails else "None"
    assert events == ["finally r1 /events", f"teardown {expected}"]


@pytest.mark.parametrize("fails", [False, True])
def test_an_async_stream_closed_early_cleans_up_in_its_context(app: Hipflask, fails: bool) -> None:
    events: list[str] = []
    app.teardown_request(lambda exc: events.append(f"teardown {exc!r}"))
    with app.test_request_context("/events"):
        g.rid = "r2"

        async def generate() -> AsyncIterator[str]:
            try:
                while True:
                    yield "x"
            finally:
                events.append(f"finally {g.rid} {request.path}")
                if fails:
                    raise RuntimeError("cleanup failed")

        stream = stream_with_context(generate())

    async def leave_early() -> None:
        assert await stream.__anext__() == "x"
        if fails:
            with pytest.raises(RuntimeError, match="cleanup failed"):
                await stream.aclose()
        else:
            await stream.aclose()

    asyncio.run(leave_early())
    expected = "RuntimeError('cleanup failed')" if fails else "None"
    assert events == ["finally r2 /events", f"teardown {expected}"]


def test_stream_error_tears_down(app: Hipflask) -> None:
    events: list[object] = []
    app.teardown_request(lambda exc: events.append(repr(exc)))
    with app.test_request_context():

        def generate() -> Iterator[str]:
            yield "a"
            raise ValueError("mid-stream")

        stream = stream_with_context(generate())
    assert next(stream) == "a"
    with pytest.raises(ValueError, match="mid-stream"):
        next(stream)
    # Told of the error, as Flask's context exit is: a rollback must see it.
    assert events == ["ValueError('mid-stream')"]


class _Cursor:
    """An iterator object holding a resource, released by ``close()``."""

    def __init__(self, rows: list[str], events: list[str]) -> None:
        self._rows = iter(rows)
        self._events = events

    def __iter__(self) -> _Cursor:
        return self

    def __next__(self) -> str:
        row = next(self._rows)
        if row == "boom":
            raise RuntimeError("lost the connection")
        return row

    def close(self) -> None:
        self._events.append(f"closed in {request.path}")


class _AsyncCursor:
    """The same, read with ``async for`` and released by ``aclose()``."""

    def __init__(self, rows: list[str], events: list[str]) -> None:
        self._rows = iter(rows)
        self._events = events

    def __aiter__(self) -> _AsyncCursor:
        return self

    async def __anext__(self) -> str:
        try:
            return next(self._rows)
        except StopIteration:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        self._events.append(f"closed in {request.path}")


def test_a_wrapped_iterator_object_is_closed_when_its_stream_ends(
    app: Hipflask, client: HipflaskClient
) -> None:
    # As in Flask: an iterator holding a resource (a cursor, a pooled
    # connection) is released by its close(), in the request's context,
    # before teardown; sync and async ones, ended normally or by an error.
    events: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append(f"teardown ({type(exc).__name__})")

    @app.route("/rows")
    def rows() -> Any:
        return Response(stream_with_context(_Cursor(["a", "b"], events)))

    @app.route("/async-rows")
    def async_rows() -> Any:
        return Response(stream_with_context(_AsyncCursor(["c", "d"], events)))

    @app.route("/broken")
    def broken() -> Any:
        return Response(stream_with_context(_Cursor(["a", "boom"], events)))

    assert client.get("/rows").text == "ab"
    assert events == ["closed in /rows", "teardown (NoneType)"]
    events.clear()
    assert client.get("/async-rows").text == "cd"
    assert events == ["closed in /async-rows", "teardown (NoneType)"]
    events.clear()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with contextlib.suppress(RuntimeError):
        client.get("/broken").get_data()
    assert events == ["closed in /broken", "teardown (RuntimeError)"]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_stream_tears_the_app_context_down_too(
    app: Hipflask, client: HipflaskClient, kind: str
) -> None:
    # Where a request's database session is closed (teardown_appcontext): a
    # stream that skipped it kept one connection per request until the pool ran out.
    events: list[str] = []
    app.teardown_request(lambda exc: events.append("request"))
    app.teardown_appcontext(lambda exc: events.append("app"))

    @app.route("/stream")
    async def stream() -> Any:
        async def agenerate() -> AsyncIterator[str]:
            yield "a"

        def generate() -> Iterator[str]:
            yield "a"

        return stream_with_context(agenerate() if kind == "async" else generate())

    assert client.get("/stream").text == "a"
    assert events == ["request", "app"]


@pytest.mark.parametrize("teardown", ["def", "async def"])
@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("view", ["def", "async def"])
def test_a_stream_never_sent_to_a_head_request_still_tears_down(
    app: Hipflask, client: HipflaskClient, kind: str, view: str, teardown: str
) -> None:
    # A HEAD answer's body is never read: the stream is closed unsent, and its
    # request's teardown (a database session's release) must still run, an
    # async one too (never on the event loop from sync code).
    events: list[str] = []
    if teardown == "def":
        app.teardown_request(lambda exc: events.append("request"))
        app.teardown_appcontext(lambda exc: events.append("app"))
    else:

        @app.teardown_request
        async def request_teardown(exc: BaseException | None) -> None:
            await asyncio.sleep(0)
            events.append("request")

        @app.teardown_appcontext
        async def app_teardown(exc: BaseException | None) -> None:
            await asyncio.sleep(0)
            events.append("app")

    def make() -> Any:
        async def agenerate() -> AsyncIterator[str]:
            events.append("generated")
            yield "a"

        def generate() -> Iterator[str]:
            events.append("generated")
            yield "a"

        return stream_with_context(agenerate() if kind == "async" else generate())

    async def async_view() -> Any:
        return make()

    app.add_url_rule("/stream", view_func=make if view == "def" else async_view)

    response = client.head("/stream")
    response.close()

    assert response.status_code == 200
    assert events == ["request", "app"]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_failing_stream_teardown_still_tears_the_app_context_down(
    app: Hipflask, client: HipflaskClient, kind: str
) -> None:
    events: list[str] = []

    @app.teardown_request
    def failing(exc: BaseException | None) -> None:
        events.append("request")
        raise RuntimeError("teardown failed")

    app.teardown_appcontext(lambda exc: events.append("app"))

    @app.route("/stream")
    def stream() -> Any:
        async def agenerate() -> AsyncIterator[str]:
            yield "a"

        def generate() -> Iterator[str]:
            yield "a"

        return stream_with_context(agenerate() if kind == "async" else generate())

    with pytest.raises(RuntimeError, match="teardown failed"):
        client.get("/stream").get_data()
    assert events == ["request", "app"]


def test_async_stream_closed_early_still_tears_down_once(app: Hipflask) -> None:
    events: list[str] = []
    app.teardown_request(lambda exc: events.append("teardown"))
    with app.test_request_context():

        async def generate() -> AsyncIterator[str]:
            yield "a"
            yield "b"

        stream = stream_with_context(generate())
    assert events == []

    async def consume() -> list[str]:
        first = await stream.__anext__()
        await stream.aclose()
        await stream.aclose()
        with pytest.raises(StopAsyncIteration):
            await stream.__anext__()
        return [first]

    assert asyncio.run(consume()) == ["a"]
    assert events == ["teardown"]


def test_async_stream_error_tears_down(app: Hipflask) -> None:
    events: list[str] = []
    app.teardown_request(lambda exc: events.append(repr(exc)))
    with app.test_request_context():

        async def generate() -> AsyncIterator[str]:
            yield "a"
            raise ValueError("mid-stream")

        stream = stream_with_context(generate())

    async def consume() -> None:
        assert await stream.__anext__() == "a"
        with pytest.raises(ValueError, match="mid-stream"):
            await stream.__anext__()

    asyncio.run(consume())
    assert events == ["ValueError('mid-stream')"]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_stream_that_fails_tells_teardown_over_both_protocols(
    app: Hipflask, client: HipflaskClient, kind: str
) -> None:
    seen: list[str] = []
    app.teardown_request(lambda exc: seen.append(f"request {exc!r}"))
    app.teardown_appcontext(lambda exc: seen.append(f"app {exc!r}"))

    @app.route("/stream")
    def stream() -> Any:
        async def agenerate() -> AsyncIterator[str]:
            yield "a"
            raise LookupError("gone")

        def generate() -> Iterator[str]:
            yield "a"
            raise LookupError("gone")

        return stream_with_context(agenerate() if kind == "async" else generate())

    with pytest.raises(LookupError):
        client.get("/stream").get_data()
    assert seen == ["request LookupError('gone')", "app LookupError('gone')"]
