"""A Handback behaves as an awaited asyncio future does, under both of asyncio's tasks."""

from __future__ import annotations

import asyncio
import contextvars
import sys
from collections.abc import Callable
from collections.abc import Coroutine
from typing import Any
from typing import TypeVar

import pytest

from hipflask.core.handback import Handback

T = TypeVar("T")

# asyncio's task in C, and the same task in Python (CPython keeps both; the
# loop uses the C one when it is there).
_TASKS = [asyncio.Task]
if getattr(asyncio.tasks, "_PyTask", asyncio.Task) is not asyncio.Task:
    _TASKS.append(asyncio.tasks._PyTask)


@pytest.fixture(params=_TASKS, ids=lambda task: task.__module__ + "." + task.__qualname__)
def run(request: pytest.FixtureRequest) -> Callable[[Callable[[], Coroutine[Any, Any, T]]], T]:
    task_class = request.param

    def run_with(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
        loop = asyncio.new_event_loop()
        loop.set_task_factory(lambda loop, coro, **kwargs: task_class(coro, loop=loop, **kwargs))
        try:
            return loop.run_until_complete(main())
        finally:
            loop.close()

    return run_with


def test_an_awaiting_task_gets_the_result(run: Any) -> None:
    async def main() -> str:
        handback: Handback[str] = Handback(asyncio.get_running_loop())
        asyncio.get_running_loop().call_soon(handback.resolve, True, "result")
        return await handback

    assert run(main) == "result"


def test_an_awaiting_task_gets_the_exception(run: Any) -> None:
    async def main() -> None:
        handback: Handback[None] = Handback(asyncio.get_running_loop())
        asyncio.get_running_loop().call_soon(handback.resolve, False, LookupError("failed"))
        await handback

    with pytest.raises(LookupError, match="failed"):
        run(main)


def test_the_task_resumes_while_the_result_is_resolved(run: Any) -> None:
    # The point of a Handback: no further turn of the loop after resolve().
    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        handback: Handback[str] = Handback(loop)
        order: list[str] = []

        async def waiter() -> None:
            order.append(await handback)

        def deliver() -> None:
            handback.resolve(True, "resumed")
            order.append("after resolve")

        task = asyncio.ensure_future(waiter())
        await asyncio.sleep(0)
        loop.call_soon(deliver)
        await task
        return order

    assert run(main) == ["resumed", "after resolve"]


def test_the_task_resumes_in_its_own_context(run: Any) -> None:
    variable: contextvars.ContextVar[str] = contextvars.ContextVar("variable", default="unset")

    async def main() -> tuple[str, str]:
        loop = asyncio.get_running_loop()
        handback: Handback[str] = Handback(loop)

        async def waiter() -> str:
            variable.set("the task's")
            await handback
            return variable.get()

        task = asyncio.ensure_future(waiter())
        await asyncio.sleep(0)
        variable.set("the resolver's")
        loop.call_soon(handback.resolve, True, "result")
        return await task, variable.get()

    assert run(main) == ("the task's", "the resolver's")


def test_a_cancelled_task_cancels_the_handback_and_a_later_result_is_dropped(run: Any) -> None:
    async def main() -> tuple[bool, str, bool]:
        loop = asyncio.get_running_loop()
        handback: Handback[str] = Handback(loop)
        task = asyncio.ensure_future(_await(handback))
        await asyncio.sleep(0)
        task.cancel("client left")
        with pytest.raises(asyncio.CancelledError) as caught:
            await task
        handback.resolve(True, "too late")
        return handback.cancelled(), str(caught.value), handback.done()

    assert run(main) == (True, _message("client left"), True)


#: What ``str()`` of the error says when a task cancelled with a message is
#: awaited: Python 3.10's tasks drop the message whatever they await (an
#: asyncio future too), later versions keep it.
_KEEPS_MESSAGE = sys.version_info >= (3, 11)


def _message(text: str) -> str:
    return text if _KEEPS_MESSAGE else ""


async def _await(awaitable: Any) -> Any:
    return await awaitable


def test_a_task_cancelled_in_the_step_that_awaits_cancels_the_handback(run: Any) -> None:
    async def main() -> tuple[bool, str]:
        handback: Handback[str] = Handback(asyncio.get_running_loop())

        async def waiter() -> str:
            task = asyncio.current_task()
            assert task is not None
            task.cancel("in its step")  # the task cancels the handback as it blocks
            return await handback

        with pytest.raises(asyncio.CancelledError) as caught:
            await asyncio.ensure_future(waiter())
        return handback.cancelled(), str(caught.value)

    assert run(main) == (True, _message("in its step"))


def test_wait_for_times_out_and_cancels_it(run: Any) -> None:
    async def main() -> bool:
        handback: Handback[str] = Handback(asyncio.get_running_loop())
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(handback, timeout=0.01)
        return handback.cancelled()

    assert run(main) is True


def test_wait_for_gets_a_result_in_time(run: Any) -> None:
    async def main() -> str:
        loop = asyncio.get_running_loop()
        handback: Handback[str] = Handback(loop)
        loop.call_later(0.001, handback.resolve, True, "in time")
        return await asyncio.wait_for(handback, timeout=5)

    assert run(main) == "in time"


def test_it_is_a_future_to_asyncio(run: Any) -> None:
    async def main() -> tuple[bool, bool]:
        handback: Handback[str] = Handback(asyncio.get_running_loop())
        return asyncio.isfuture(handback), asyncio.ensure_future(handback) is handback

    assert run(main) == (True, True)


def test_a_task_of_another_loop_may_not_await_it(run: Any) -> None:
    other = asyncio.new_event_loop()
    try:
        handback: Handback[str] = Handback(other)
        with pytest.raises(RuntimeError, match="attached to a different loop"):
            run(lambda: _await(handback))
    finally:
        other.close()


def test_callbacks_run_in_order_and_a_failing_one_is_reported() -> None:
    loop = asyncio.new_event_loop()
    reported: list[object] = []
    loop.set_exception_handler(lambda loop, context: reported.append(context["exception"]))
    handback: Handback[str] = Handback(loop)
    calls: list[str] = []
    failure = ValueError("in a callback")

    def fail(done: Handback[str]) -> None:
        raise failure

    handback.add_done_callback(lambda done: calls.append("first " + done.result()))
    handback.add_done_callback(fail)
    handback.add_done_callback(lambda done: calls.append("third"))
    handback.add_done_callback(lambda done: calls.append("removed"))
    assert handback.remove_done_callback(fail) == 1
    handback.add_done_callback(fail)
    loop.call_soon(handback.resolve, True, "result")
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()
    assert calls == ["first result", "third", "removed"]
    assert reported == [failure]


def test_a_callback_added_when_done_is_scheduled() -> None:
    loop = asyncio.new_event_loop()
    handback: Handback[int] = Handback(loop)
    loop.call_soon(handback.resolve, True, 1)
    loop.run_until_complete(asyncio.sleep(0))
    calls: list[int] = []
    handback.add_done_callback(lambda done: calls.append(done.result()))
    assert calls == []
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()
    assert calls == [1]


def test_its_state_reads_as_a_futures_does() -> None:
    loop = asyncio.new_event_loop()
    pending: Handback[int] = Handback(loop)
    failed: Handback[int] = Handback(loop)
    failed.resolve(False, KeyError("k"))
    cancelled: Handback[int] = Handback(loop)
    assert cancelled.cancel("why")
    assert not cancelled.cancel()
    loop.close()
    assert not pending.done()
    with pytest.raises(asyncio.InvalidStateError):
        pending.result()
    with pytest.raises(asyncio.InvalidStateError):
        pending.exception()
    assert isinstance(failed.exception(), KeyError)
    with pytest.raises(KeyError):
        failed.result()
    assert not failed.cancel()
    with pytest.raises(asyncio.CancelledError, match="why"):
        cancelled.result()
    with pytest.raises(asyncio.CancelledError, match="why"):
        cancelled.exception()
    assert cancelled.get_loop() is loop


def test_two_tasks_awaiting_it_both_get_the_result(run: Any) -> None:
    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        handback: Handback[str] = Handback(loop)
        tasks = [asyncio.ensure_future(_await(handback)) for _ in range(2)]
        await asyncio.sleep(0)
        loop.call_soon(handback.resolve, True, "shared")
        return list(await asyncio.gather(*tasks))

    assert run(main) == ["shared", "shared"]


def test_awaiting_it_when_done_does_not_suspend(run: Any) -> None:
    async def main() -> tuple[str, bool]:
        loop = asyncio.get_running_loop()
        handback: Handback[str] = Handback(loop)
        handback.resolve(True, "ready")
        other = asyncio.ensure_future(asyncio.sleep(0))
        value = await handback
        # No turn of the loop was taken: the other task has not run yet.
        return value, other.done()

    assert run(main) == ("ready", False)


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
@pytest.mark.parametrize(
    "task_class", _TASKS, ids=lambda task: task.__module__ + "." + task.__qualname__
)
def test_a_first_callback_that_stops_the_loop_leaves_the_awaiting_task_scheduled(
    task_class: type[asyncio.Task[Any]], stop: type[BaseException]
) -> None:
    # As a future's callbacks are each scheduled: the first one letting out
    # what stops the loop (as a resumed task lets out KeyboardInterrupt)
    # does not lose the next awaiting task's wake-up, which would then wait
    # for good (a wait_for around it too: the handback is no longer
    # pending, so its cancel() wakes nobody).
    loop = asyncio.new_event_loop()
    loop.set_task_factory(lambda loop, coro, **kwargs: task_class(coro, loop=loop, **kwargs))
    handback: Handback[str] = Handback(loop)

    def stopping(done: Handback[str]) -> None:
        raise stop

    try:
        handback.add_done_callback(stopping)
        task = loop.create_task(_await(handback))
        loop.run_until_complete(asyncio.sleep(0))
        # On the loop, with no task running, as the delivery pass is.
        loop.call_soon(handback.resolve, True, "result")
        with pytest.raises(stop):
            loop.run_until_complete(asyncio.sleep(0.01))
        loop.run_until_complete(asyncio.sleep(0.01))
        assert task.done()
        assert task.result() == "result"
    finally:
        loop.close()


def test_a_later_callback_that_stops_the_loop_leaves_the_rest_scheduled() -> None:
    loop = asyncio.new_event_loop()
    handback: Handback[int] = Handback(loop)
    calls: list[str] = []

    def stop(done: Handback[int]) -> None:
        raise KeyboardInterrupt

    handback.add_done_callback(lambda done: calls.append("first"))
    handback.add_done_callback(stop)
    handback.add_done_callback(lambda done: calls.append("third"))
    try:
        loop.call_soon(handback.resolve, True, 1)
        with pytest.raises(KeyboardInterrupt):
            loop.run_until_complete(asyncio.sleep(0.01))
        assert calls == ["first"]
        loop.run_until_complete(asyncio.sleep(0))
        assert calls == ["first", "third"]
    finally:
        loop.close()


def test_a_callback_removing_another_while_done_leaves_the_rest_to_run() -> None:
    # As a future's: once done, every callback added before is called, and
    # removing one (or any function) from a callback no longer changes that.
    loop = asyncio.new_event_loop()
    handback: Handback[int] = Handback(loop)
    calls: list[str] = []

    def second(done: Handback[int]) -> None:
        calls.append("second")

    def first(done: Handback[int]) -> None:
        calls.append("first")
        assert done.remove_done_callback(second) == 0
        assert done.remove_done_callback(print) == 0

    handback.add_done_callback(first)
    handback.add_done_callback(second)
    handback.add_done_callback(lambda done: calls.append("third"))
    try:
        loop.call_soon(handback.resolve, True, 1)
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        loop.close()
    assert calls == ["first", "second", "third"]
