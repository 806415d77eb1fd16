from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from typing import Any

import pytest

from hipflask.core import bridge
from hipflask.core.disconnect import ClientLink
from hipflask.core.handoff import WATCH_AFTER
from hipflask.core.handoff import ThreadRunner


def test_bridge_exposes_the_same_runner() -> None:
    assert bridge.ThreadRunner is ThreadRunner


def test_results_of_many_concurrent_jobs_each_reach_their_caller() -> None:
    runner = ThreadRunner(4)

    async def run() -> list[int]:
        return list(await asyncio.gather(*(runner.run(lambda n=n: n * n) for n in range(200))))

    assert asyncio.run(run()) == [n * n for n in range(200)]
    assert 1 <= runner.thread_count <= 4
    runner.shutdown()


def test_an_exception_in_the_worker_is_raised_in_the_caller() -> None:
    runner = ThreadRunner(1)

    def fail() -> None:
        raise LookupError("from the worker")

    async def run() -> None:
        await runner.run(fail)

    with pytest.raises(LookupError, match="from the worker"):
        asyncio.run(run())
    runner.shutdown()


def test_a_worker_sees_the_callers_context_but_its_changes_stay_in_the_copy() -> None:
    variable: contextvars.ContextVar[str] = contextvars.ContextVar("variable", default="unset")
    runner = ThreadRunner(1)

    def change() -> str:
        seen = variable.get()
        variable.set("changed in the worker")
        return seen

    async def run() -> tuple[str, str]:
        variable.set("caller")
        seen = await runner.run(change)
        return seen, variable.get()

    assert asyncio.run(run()) == ("caller", "caller")
    runner.shutdown()


def test_a_cancelled_caller_does_not_break_later_jobs() -> None:
    runner = ThreadRunner(1)
    started = threading.Event()
    release = threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "slow"

    async def run() -> str:
        task = asyncio.ensure_future(runner.run(slow))
        while not started.is_set():
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release.set()
        return await runner.run(lambda: "next")

    assert asyncio.run(run()) == "next"
    runner.shutdown()


def test_a_job_cancelled_while_queued_never_runs_but_clean_up_does() -> None:
    runner = ThreadRunner(1)
    started = threading.Event()
    release = threading.Event()
    ran: list[str] = []

    def block() -> None:
        started.set()
        release.wait(5)
        ran.append("block")

    async def run() -> None:
        first = runner.run(block)
        while not started.is_set():
            await asyncio.sleep(0.001)
        # Both queued behind the blocked worker; both callers then give up.
        charge = runner.run(lambda: ran.append("charge"))
        close = runner.run_always(lambda: ran.append("close"))
        charge.cancel()
        close.cancel()
        release.set()
        await first
        await runner.run(lambda: ran.append("next"))

    asyncio.run(run())
    runner.shutdown()
    assert ran == ["block", "close", "next"]


def test_a_job_blocked_in_a_worker_does_not_block_the_loop() -> None:
    runner = ThreadRunner(2)
    release = threading.Event()

    async def run() -> list[str]:
        order: list[str] = []
        blocked = asyncio.ensure_future(runner.run(lambda: release.wait(5) and "blocked"))
        await asyncio.sleep(0.01)
        order.append("loop still runs")
        order.append(await runner.run(lambda: "second worker"))
        release.set()
        order.append(await blocked)
        return order

    assert asyncio.run(run()) == ["loop still runs", "second worker", "blocked"]
    runner.shutdown()


def test_jobs_beyond_the_bound_wait_for_a_free_worker() -> None:
    runner = ThreadRunner(1)
    names: set[str] = set()

    def where() -> None:
        names.add(threading.current_thread().name)

    async def run() -> None:
        await asyncio.gather(*(runner.run(where) for _ in range(20)))

    asyncio.run(run())
    assert runner.thread_count == 1
    assert len(names) == 1
    runner.shutdown()


def test_the_runner_starts_again_after_shutdown() -> None:
    runner = ThreadRunner(1)

    async def run() -> str:
        return await runner.run(lambda: threading.current_thread().name)

    assert asyncio.run(run()).startswith("hipflask-sync")
    runner.shutdown()
    assert runner.thread_count == 0
    assert asyncio.run(run()).startswith("hipflask-sync")
    assert runner.thread_count == 1
    runner.shutdown()


def test_each_event_loop_gets_its_own_results() -> None:
    runner = ThreadRunner(2)

    async def run(tag: str) -> list[str]:
        return list(await asyncio.gather(*(runner.run(lambda: tag) for _ in range(20))))

    def in_thread(tag: str, out: dict[str, list[str]]) -> None:
        out[tag] = asyncio.run(run(tag))

    out: dict[str, list[str]] = {}
    threads = [threading.Thread(target=in_thread, args=(tag, out)) for tag in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert out == {"a": ["a"] * 20, "b": ["b"] * 20}
    runner.shutdown()


def test_quick_jobs_in_flight_together_share_one_thread() -> None:
    runner = ThreadRunner(8)

    async def run() -> list[int]:
        return list(await asyncio.gather(*(runner.run(lambda n=n: n) for n in range(300))))

    assert asyncio.run(run()) == list(range(300))
    # Each job returns at once: no worker is ever stuck, so none is added.
    assert runner.thread_count == 1
    runner.shutdown()


def test_jobs_waiting_behind_a_blocked_worker_get_threads_of_their_own() -> None:
    runner = ThreadRunner(4)
    release = threading.Event()
    running: set[str] = set()
    lock = threading.Lock()

    def block() -> str:
        with lock:
            running.add(threading.current_thread().name)
        release.wait(10)
        return "done"

    async def run() -> list[str]:
        jobs = asyncio.gather(*(runner.run(block) for _ in range(6)))
        for _ in range(1000):
            with lock:
                if len(running) == 4:
                    break
            await asyncio.sleep(0.005)
        release.set()
        return list(await jobs)

    assert asyncio.run(run()) == ["done"] * 6
    # Every blocked worker got company, up to the bound and not beyond.
    assert len(running) == 4
    assert runner.thread_count == 4
    runner.shutdown()


def test_a_growth_check_left_on_a_closed_loop_does_not_stop_growth_on_the_next() -> None:
    runner = ThreadRunner(2)
    release = threading.Event()

    async def leave_a_check_pending() -> None:
        first = runner.run(release.wait, 10)
        runner.run(lambda: None)  # queued behind it: schedules a growth check
        release.set()
        await first

    asyncio.run(leave_a_check_pending())
    release.clear()
    names: set[str] = set()

    def block() -> None:
        names.add(threading.current_thread().name)
        release.wait(10)

    async def run() -> None:
        jobs = asyncio.gather(*(runner.run(block) for _ in range(2)))
        for _ in range(1000):
            if len(names) == 2:
                break
            await asyncio.sleep(0.005)
        release.set()
        await jobs

    asyncio.run(run())
    assert len(names) == 2
    runner.shutdown()


def test_a_queued_job_whose_client_left_is_not_run() -> None:
    # granian does not cancel a request's task when its client hangs up: the
    # runner watches receive() for jobs that wait behind busy threads.
    from hipflask.core.handoff import GONE

    runner = ThreadRunner(1)
    started = threading.Event()
    release = threading.Event()
    ran: list[str] = []

    def slow() -> str:
        started.set()
        release.wait(5)
        return "slow"

    def queued(name: str) -> str:
        ran.append(name)
        return name

    async def run() -> list[object]:
        left = asyncio.Event()
        stayed = asyncio.Event()

        async def leaving() -> dict[str, str]:
            await left.wait()
            return {"type": "http.disconnect"}

        async def staying() -> dict[str, str]:
            await stayed.wait()  # never set: the client waits for its answer
            return {"type": "http.disconnect"}  # pragma: no cover

        first = runner.run(slow)
        while not started.is_set():
            await asyncio.sleep(0.001)
        dropped = runner.run_for_client(ClientLink(leaving), queued, "dropped")
        kept = runner.run_for_client(ClientLink(staying), queued, "kept")
        left.set()
        # Watched once they have waited WATCH_AFTER seconds for a thread.
        await asyncio.sleep(WATCH_AFTER * 3)
        release.set()
        return list(await asyncio.gather(first, dropped, kept))

    assert asyncio.run(run()) == ["slow", GONE, "kept"]
    assert ran == ["kept"]
    runner.shutdown()


def test_a_job_taken_at_once_is_not_watched() -> None:
    runner = ThreadRunner(1)
    calls: list[int] = []

    async def receive() -> dict[str, str]:
        calls.append(1)
        return {"type": "http.disconnect"}

    async def run() -> str:
        await runner.run(lambda: None)  # a thread exists and is idle
        link = ClientLink(receive)
        done = await runner.run_for_client(link, lambda: "done")
        await asyncio.sleep(WATCH_AFTER * 2)
        assert link.taken
        return done

    assert asyncio.run(run()) == "done"
    assert calls == []
    runner.shutdown()


def test_a_job_that_waits_briefly_is_never_watched() -> None:
    # Fast views under load: jobs queue for microseconds, and watching them
    # would cost a task and a receive() call each.
    runner = ThreadRunner(1)
    calls: list[int] = []

    async def receive() -> dict[str, str]:
        calls.append(1)
        await asyncio.Event().wait()
        return {}  # pragma: no cover

    async def run() -> list[int]:
        results = await asyncio.gather(
            *(runner.run_for_client(ClientLink(receive), lambda n=n: n) for n in range(50))
        )
        await asyncio.sleep(WATCH_AFTER * 2)
        return list(results)

    assert asyncio.run(run()) == list(range(50))
    assert calls == []
    runner.shutdown()


def test_a_request_cancelled_while_queued_leaves_no_watcher() -> None:
    # Its job is never taken; the sweep after WATCH_AFTER must not start a
    # watcher on a request that has already ended.
    runner = ThreadRunner(1)
    release = threading.Event()
    started = threading.Event()
    calls: list[int] = []

    def slow() -> None:
        started.set()
        release.wait(5)

    async def receive() -> dict[str, str]:
        calls.append(1)
        await asyncio.Event().wait()
        return {}  # pragma: no cover

    async def run() -> None:
        first = runner.run(slow)
        while not started.is_set():
            await asyncio.sleep(0.001)
        link = ClientLink(receive)
        queued = asyncio.ensure_future(runner.run_for_client(link, lambda: None))
        await asyncio.sleep(0)
        queued.cancel()
        link.close()  # as the adapter does when the request ends
        await asyncio.sleep(WATCH_AFTER * 3)
        release.set()
        await first

    asyncio.run(run())
    assert calls == []
    runner.shutdown()


def _count_wake_ups(loop: asyncio.AbstractEventLoop) -> list[int]:
    """Count the worker's wake-ups of ``loop`` (its thread-safe calls)."""
    calls = [0]
    call_soon_threadsafe = loop.call_soon_threadsafe

    def counted(*args: object, **kwargs: object) -> asyncio.Handle:
        calls[0] += 1
        return call_soon_threadsafe(*args, **kwargs)  # type: ignore[arg-type]

    loop.call_soon_threadsafe = counted  # type: ignore[method-assign]
    return calls


def test_a_queue_served_in_one_stretch_wakes_the_loop_once() -> None:
    # Each job lets go of the GIL (as a view waiting on I/O does): a worker
    # waking the loop per result would have it deliver them one at a time.
    runner = ThreadRunner(1, hold=60.0)
    go = threading.Event()

    def first() -> int:
        go.wait(5)
        return 0

    def job(n: int) -> int:
        time.sleep(0.001)
        return n

    async def run() -> tuple[list[int], int]:
        wake_ups = _count_wake_ups(asyncio.get_running_loop())
        futures = [runner.run(first)] + [runner.run(job, n) for n in range(1, 20)]
        go.set()
        results = list(await asyncio.gather(*futures))
        return results, wake_ups[0]

    results, wake_ups = asyncio.run(run())
    assert results == list(range(20))
    assert wake_ups == 1
    runner.shutdown()


def test_a_held_result_reaches_the_loop_while_the_next_job_blocks() -> None:
    runner = ThreadRunner(1, hold=0.02)
    go = threading.Event()
    release = threading.Event()

    def first() -> str:
        go.wait(5)
        return "first"

    def blocked() -> str:
        release.wait(5)
        return "blocked"

    async def run() -> tuple[str, bool, str]:
        held = runner.run(first)
        stuck = runner.run(blocked)
        go.set()
        # Held while the worker went on to the blocked job: the loop's
        # timer delivers it, not the worker, which is still blocked.
        first_result = await asyncio.wait_for(held, timeout=2)
        still_blocked = not stuck.done()
        release.set()
        return first_result, still_blocked, await stuck

    assert asyncio.run(run()) == ("first", True, "blocked")
    runner.shutdown()


def test_a_stop_iteration_in_the_worker_strands_no_result() -> None:
    # A Future refuses StopIteration (TypeError in the loop's callback): the
    # delivery pass stopped there, leaving that caller and every result
    # behind it in the batch waiting until some later job's wake-up.
    runner = ThreadRunner(1)
    go = threading.Event()

    def first() -> str:
        go.wait(5)
        time.sleep(0.01)  # past the hold: the results after it form one batch
        return "first"

    def stop() -> None:
        next(iter([]))

    async def run() -> tuple[str, BaseException | None, list[int]]:
        futures = [runner.run(first), runner.run(stop)]
        later = [runner.run(lambda n=n: n) for n in range(3)]
        go.set()
        first_result = await asyncio.wait_for(futures[0], timeout=2)
        failure: BaseException | None = None
        try:
            await asyncio.wait_for(futures[1], timeout=2)
        except RuntimeError as exc:
            failure = exc.__cause__
        rest = list(await asyncio.wait_for(asyncio.gather(*later), timeout=2))
        return first_result, failure, rest

    first_result, failure, rest = asyncio.run(run())
    assert (first_result, type(failure), rest) == ("first", StopIteration, [0, 1, 2])
    runner.shutdown()


def test_a_request_cancelled_while_its_view_runs_drops_the_result() -> None:
    runner = ThreadRunner(1)
    started = threading.Event()
    release = threading.Event()

    async def never() -> dict[str, str]:
        await asyncio.Event().wait()
        return {}  # pragma: no cover

    def slow() -> str:
        started.set()
        release.wait(5)
        return "slow"

    async def run() -> tuple[bool, str]:
        future = runner.run_for_client(ClientLink(never), slow)
        task = asyncio.ensure_future(_awaited(future))
        while not started.is_set():
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release.set()
        # The runner goes on: the dropped result strands nothing.
        return future.cancelled(), await runner.run_for_client(ClientLink(never), lambda: "next")

    assert asyncio.run(run()) == (True, "next")
    runner.shutdown()


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def test_a_batch_goes_on_after_a_resumed_task_stops_the_loop() -> None:
    # A request's task resumed while its result is delivered may let out
    # what stops the loop (KeyboardInterrupt): the rest of the batch is
    # delivered on the loop's next run, not left behind.
    runner = ThreadRunner(1, hold=60.0)
    go = threading.Event()

    def first() -> int:
        go.wait(5)
        time.sleep(0.01)
        return 0

    async def interrupted() -> None:
        await runner.run_for_client(ClientLink(_never), first)
        raise KeyboardInterrupt

    async def start() -> tuple[asyncio.Task[None], list[asyncio.Future[Any]]]:
        stopping = asyncio.ensure_future(interrupted())
        await asyncio.sleep(0)
        later = [runner.run_for_client(ClientLink(_never), lambda n=n: n) for n in range(3)]
        go.set()
        return stopping, [asyncio.ensure_future(_awaited(future)) for future in later]

    loop = asyncio.new_event_loop()
    try:
        stopping, later = loop.run_until_complete(start())
        with pytest.raises(KeyboardInterrupt):
            loop.run_until_complete(asyncio.sleep(5))
        assert isinstance(stopping.exception(), KeyboardInterrupt)
        assert loop.run_until_complete(asyncio.wait_for(asyncio.gather(*later), 2)) == [0, 1, 2]
    finally:
        loop.close()
        runner.shutdown()


async def _never() -> dict[str, str]:
    await asyncio.Event().wait()
    return {}  # pragma: no cover
