"""stream_with_context: the request kept for sync and async generators, or refused without one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from collections.abc import Iterator
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import request
from hipflask import stream_with_context
from hipflask.testing.client import HipflaskClient


def test_stream_with_context_keeps_the_request(app: Hipflask, client: HipflaskClient) -> None:
    events: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append("teardown")

    @app.route("/")
    def index() -> Any:
        def generate() -> Iterator[str]:
            events.append("streaming")
            yield "hello "
            yield request.args["name"]

        return stream_with_context(generate())

    response = client.get("/?name=ann")
    assert response.text == "hello ann"
    assert events == ["streaming", "teardown"]


def test_stream_with_context_as_a_decorator(app: Hipflask, client: HipflaskClient) -> None:
    @app.route("/")
    def index() -> Any:
        @stream_with_context
        def generate() -> Iterator[str]:
            yield request.method
            yield " "
            yield request.path

        return generate()

    assert client.get("/").text == "GET /"


def test_stream_with_context_wraps_async_generators(app: Hipflask, client: HipflaskClient) -> None:
    events: list[str] = []

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        events.append(f"teardown after {request.path}")

    @app.route("/stream")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[str]:
            events.append("streaming")
            yield "hello "
            await asyncio.sleep(0)
            yield request.args["name"]

        return stream_with_context(generate())

    @app.route("/decorated")
    def decorated() -> Any:
        @stream_with_context
        async def generate() -> AsyncIterator[str]:
            yield request.method

        return generate()

    assert client.get("/stream?name=ann").text == "hello ann"
    assert events == ["streaming", "teardown after /stream"]
    assert client.get("/decorated").text == "GET"


def test_stream_with_context_needs_a_request() -> None:
    with pytest.raises(RuntimeError, match="'stream_with_context' can only be used"):
        stream_with_context(iter(["x"]))
