"""Calls across the sync/async boundary."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import inspect
import threading
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Generator
from collections.abc import Iterator
from typing import Any

import pytest

from hipflask import Hipflask
from hipflask.core import bridge

Step = Generator[Awaitable[Any], Any, Any]


async def double(value: int) -> int:
    await asyncio.sleep(0)
    return value * 2


async def fail(message: str) -> None:
    await asyncio.sleep(0)
    raise ValueError(message)


def adding_step() -> Step:
    first = yield double(1)
    second = yield double(first)
    return first + second


def recovering_step(log: list[str]) -> Step:
    try:
        yield fail("first")
    except ValueError as exc:
        log.append(f"caught {exc}")
    value = yield double(5)
    return value


def failing_step() -> Step:
    yield fail("not caught")
    return "unreachable"


def sync_only_step() -> Step:
    return "no awaiting"
    yield  # pragma: no cover - makes this a generator


# --- drivers ------------------------------------------------------------------------


def test_drive_sync_feeds_each_result_back_into_the_step() -> None:
    assert bridge.drive_sync(adding_step()) == 6


def test_drive_async_feeds_each_result_back_into_the_step() -> None:
    assert asyncio.run(bridge.drive_async(adding_step())) == 6


def test_drive_sync_throws_errors_into_the_step_which_may_recover() -> None:
    log: list[str] = []

    assert bridge.drive_sync(recovering_step(log)) == 10
    assert log == ["caught first"]


def test_drive_async_throws_errors_into_the_step_which_may_recover() -> None:
    log: list[str] = []

    assert asyncio.run(bridge.drive_async(recovering_step(log))) == 10
    assert log == ["caught first"]


def test_drive_sync_propagates_an_error_the_step_does_not_handle() -> None:
    with pytest.raises(ValueError, match="not caught"):
        bridge.drive_sync(failing_step())


def test_drive_async_propagates_an_error_the_step_does_not_handle() -> None:
    with pytest.raises(ValueError, match="not caught"):
        asyncio.run(bridge.drive_async(failing_step()))


def test_step_that_never_yields_returns_directly() -> None:
    assert bridge.drive_sync(sync_only_step()) == "no awaiting"
    assert asyncio.run(bridge.drive_async(sync_only_step())) == "no awaiting"


def test_drive_without_a_running_loop_returns_the_value() -> None:
    assert bridge.drive(adding_step()) == 6
    assert bridge.drive(sync_only_step()) == "no awaiting"


def test_drive_on_a_running_loop_returns_a_coroutine_only_when_the_step_awaits() -> None:
    async def on_the_loop() -> tuple[Any, Any]:
        plain = bridge.drive(sync_only_step())
        deferred = bridge.drive(adding_step())
        assert inspect.iscoroutine(deferred)
        return plain, await deferred

    assert asyncio.run(on_the_loop()) == ("no awaiting", 6)


def test_drive_on_a_running_loop_throws_errors_into_the_step() -> None:
    log: list[str] = []

    async def on_the_loop() -> Any:
        return await bridge.drive(recovering_step(log))

    assert asyncio.run(on_the_loop()) == 10
    assert log == ["caught first"]


def test_drive_without_a_loop_throws_errors_into_the_step() -> None:
    log: list[str] = []

    assert bridge.drive(recovering_step(log)) == 10
    with pytest.raises(ValueError, match="not caught"):
        bridge.drive(failing_step())


# --- run_coroutine ---------------------------------------------------------------------


def test_run_coroutine_returns_the_result() -> None:
    assert bridge.run_coroutine(double(21)) == 42


def test_run_coroutine_accepts_any_awaitable() -> None:
    class Ready:
        def __await__(self) -> Generator[Any, None, str]:
            return "ready"
            yield  # pragma: no cover - makes this a generator

    assert bridge.run_coroutine(Ready()) == "ready"


def test_run_coroutine_refuses_inside_a_running_loop_with_a_clear_message() -> None:
    coroutine = double(1)

    async def inside() -> None:
        bridge.run_coroutine(coroutine)

    with pytest.raises(RuntimeError, match=r"inside a running event loop.*await it"):
        asyncio.run(inside())
    # Closed, not left to warn that it was never awaited.
    assert inspect.getcoroutinestate(coroutine) == inspect.CORO_CLOSED


def test_run_coroutine_reuses_one_loop_per_thread() -> None:
    async def current_loop() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    first = bridge.run_coroutine(current_loop())
    second = bridge.run_coroutine(current_loop())
    other: list[asyncio.AbstractEventLoop] = []
    thread = threading.Thread(target=lambda: other.append(bridge.run_coroutine(current_loop())))
    thread.start()
    thread.join()

    assert first is second
    assert other[0] is not first


def test_thread_loop_is_closed_when_its_thread_ends() -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    async def current_loop() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    thread = threading.Thread(target=lambda: loops.append(bridge.run_coroutine(current_loop())))
    thread.start()
    thread.join()
    gc.collect()  # an unclosed loop would warn (and fail the test) here

    assert loops[0].is_closed()


def test_closed_thread_loop_is_replaced() -> None:
    async def current_loop() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    def run() -> None:
        first = bridge.run_coroutine(current_loop())
        first.close()
        second = bridge.run_coroutine(current_loop())
        results.extend([first, second])

    results: list[asyncio.AbstractEventLoop] = []
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()

    assert results[0] is not results[1]
    assert results[0].is_closed()


# --- ensure_sync / async_to_sync ----------------------------------------------------------


def test_ensure_sync_returns_a_sync_function_itself() -> None:
    def plain(value: int) -> int:
        return value

    assert bridge.ensure_sync(plain) is plain


def test_ensure_sync_wraps_an_async_function() -> None:
    wrapped = bridge.ensure_sync(double)

    assert wrapped is not double
    assert wrapped(4) == 8
    assert wrapped.__name__ == "double"


def test_async_to_sync_passes_arguments_and_errors() -> None:
    async def combine(a: int, *, b: int) -> int:
        if b < 0:
            raise ValueError("negative")
        return a + b

    sync_combine = bridge.async_to_sync(combine)

    assert sync_combine(1, b=2) == 3
    with pytest.raises(ValueError, match="negative"):
        sync_combine(1, b=-1)


def test_app_exposes_ensure_sync_and_async_to_sync(app: Hipflask) -> None:
    def plain() -> str:
        return "plain"

    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(double)(2) == 4
    assert app.async_to_sync(double)(3) == 6


# --- ThreadRunner -------------------------------------------------------------------------


def test_thread_runner_starts_no_threads_until_used() -> None:
    runner = bridge.ThreadRunner(2)

    assert runner.thread_count == 0
    runner.shutdown()  # harmless when nothing started
    assert runner.thread_count == 0


def test_thread_runner_runs_in_a_named_worker_with_the_callers_context() -> None:
    variable: contextvars.ContextVar[str] = contextvars.ContextVar("variable")
    runner = bridge.ThreadRunner(1)

    def where() -> tuple[str, str]:
        return threading.current_thread().name, variable.get()

    async def run() -> tuple[str, str]:
        variable.set("from the caller")
        return await runner.run(where)

    name, value = asyncio.run(run())
    runner.shutdown()

    assert name.startswith("hipflask-sync")
    assert value == "from the caller"


def test_thread_runner_size_may_be_given_as_a_function_read_at_first_use() -> None:
    sizes = {"now": 1}
    runner = bridge.ThreadRunner(lambda: sizes["now"])
    sizes["now"] = 3

    async def run() -> None:
        await runner.run(lambda: None)

    asyncio.run(run())

    assert runner.max_workers == 3
    assert runner.thread_count == 1
    runner.shutdown()
    assert runner.thread_count == 0


def test_thread_runner_iterates_in_the_pool_and_closes_the_iterable() -> None:
    events: list[str] = []
    runner = bridge.ThreadRunner(1)

    def generate() -> Iterator[str]:
        try:
            events.append(threading.current_thread().name)
            yield "a"
            yield "b"
        finally:
            events.append("closed")

    async def collect() -> list[str]:
        return [chunk async for chunk in runner.iterate(generate())]

    chunks = asyncio.run(collect())
    runner.shutdown()

    assert chunks == ["a", "b"]
    assert events[0].startswith("hipflask-sync")
    assert events[1] == "closed"


def test_thread_runner_iterates_an_iterable_without_close() -> None:
    runner = bridge.ThreadRunner(1)

    async def collect() -> list[int]:
        return [item async for item in runner.iterate([1, 2, 3])]

    assert asyncio.run(collect()) == [1, 2, 3]
    runner.shutdown()


# --- iterate_async_sync ---------------------------------------------------------------------


def test_iterate_async_sync_encodes_text_chunks() -> None:
    async def generate() -> AsyncIterator[Any]:
        yield "text"
        await asyncio.sleep(0)
        yield b"bytes"

    assert list(bridge.iterate_async_sync(generate())) == [b"text", b"bytes"]


def test_iterate_async_sync_closes_the_async_generator_when_stopped_early() -> None:
    events: list[str] = []

    async def generate() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"x"
        finally:
            events.append("closed")

    iterator = bridge.iterate_async_sync(generate())
    assert next(iterator) == b"x"
    iterator.close()  # type: ignore[attr-defined]

    assert events == ["closed"]


def test_iterate_async_sync_accepts_an_async_iterable_without_aclose() -> None:
    class Countdown:
        def __init__(self) -> None:
            self.left = 2

        def __aiter__(self) -> Countdown:
            return self

        async def __anext__(self) -> bytes:
            if not self.left:
                raise StopAsyncIteration
            self.left -= 1
            return b"%d" % self.left

    assert list(bridge.iterate_async_sync(Countdown())) == [b"1", b"0"]


def test_run_coroutine_refuses_any_awaitable_inside_a_running_loop() -> None:
    class Ready:
        def __await__(self) -> Generator[Any, None, str]:
            return "ready"
            yield  # pragma: no cover - makes this a generator

    async def inside() -> None:
        bridge.run_coroutine(Ready())

    with pytest.raises(RuntimeError, match="inside a running event loop"):
        asyncio.run(inside())


def test_the_thread_loop_does_not_keep_the_context_it_was_created_in() -> None:
    # The first coroutine of a thread creates its loop, inside a request's
    # context; the loop lives as long as the thread and must not keep it.
    import weakref

    current: contextvars.ContextVar[object] = contextvars.ContextVar("current")
    result: dict[str, bool] = {}

    class Held:
        pass

    async def nothing() -> None:
        await asyncio.sleep(0)

    def in_a_fresh_thread() -> None:
        held = Held()
        token = current.set(held)
        bridge.run_coroutine(nothing())
        current.reset(token)
        ref = weakref.ref(held)
        del held
        gc.collect()
        result["freed"] = ref() is None

    thread = threading.Thread(target=in_a_fresh_thread)
    thread.start()
    thread.join()

    assert result == {"freed": True}
