"""A process forked from another thread leaves this process's bridge loops working.

An async view under WSGI runs on its thread's own event loop (see
:mod:`hipflask.core.bridge`). A fork from another thread (``multiprocessing``
with the fork start method, a checking child) drops every other thread's
slot in the child, and with it that thread's loop holder. Its epoll is shared
with the parent's: closing the loop there took the parent's self-pipe out of
the parent's epoll, and the parent's next await on a result from another
thread (an executor job, an async database driver) waited for ever.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

import pytest

from hipflask import Hipflask
from hipflask.testing.client import HipflaskClient

#: A wake-up lost for good shows as an await running out this bound.
BOUND = 5.0


def _fork_from_another_thread() -> None:
    def fork() -> None:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's line runs in the forked process
            os._exit(0)
        os.waitpid(pid, 0)

    thread = threading.Thread(target=fork)
    thread.start()
    thread.join()


@pytest.fixture
def app(app: Hipflask) -> Hipflask:
    @app.get("/ready")
    async def ready() -> str:
        return "ready"

    @app.get("/threaded")
    async def threaded() -> str:
        # A result handed over from another thread: the loop must wake for it.
        start = time.monotonic()
        try:
            await asyncio.wait_for(asyncio.to_thread(time.sleep, 0.05), BOUND)
        except asyncio.TimeoutError:
            return "lost"
        return f"{time.monotonic() - start:.3f}"

    return app


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_an_async_view_after_a_fork_from_another_thread_still_wakes(
    client: HipflaskClient,
) -> None:
    # The first request makes this thread's loop (under WSGI).
    assert client.get("/ready").data == b"ready"

    _fork_from_another_thread()
    response = client.get("/threaded")

    assert response.status_code == 200
    assert response.data != b"lost"
    assert float(response.data) < BOUND


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_runs_async_views_on_a_loop_of_its_own(app: Hipflask) -> None:
    # WSGI only: under ASGI the loop is the server's (the test client's runs
    # in a thread a forked child does not have), and no bridge loop is made.
    client = app.test_client(protocol="wsgi")
    assert client.get("/ready").data == b"ready"

    # The parent's thread has its loop; a child forked from this thread, as a
    # multiprocessing worker is, serves an async view, and then the parent.
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's lines run in the forked process
        code = 1
        try:
            signal.alarm(int(BOUND) * 2)  # a child that hangs ends all the same
            response = client.get("/threaded")
            code = 0 if response.status_code == 200 and response.data != b"lost" else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    response = client.get("/threaded")

    assert os.waitstatus_to_exitcode(status) == 0
    assert response.data != b"lost"
    assert float(response.data) < BOUND
