"""The checking child as a process: how it is waited for and how it is ended.

:func:`~hipflask.serving.inspection.in_child` forks the child that loads and
checks the app; this module holds what concerns the child as a process
rather than its answer: the wait that does not depend on the pipe closing,
the interrupted wait that must not leave it running, and the helper
processes the app starts while it loads.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import sys
import threading
from collections.abc import Iterator

__all__ = ["end_child", "inherited_helpers", "stop_helpers", "terminate_raises", "wait_for_answer"]

#: How often the wait for the checking child looks whether it has exited.
_POLL_SECONDS = 0.1

#: How long the checking child waits for each helper process it kills.
_HELPER_STOP_SECONDS = 5.0


def inherited_helpers() -> set[object]:  # pragma: no cover - runs in the forked child
    """The :mod:`multiprocessing` processes this process knows of as its own.

    Called first in the child: what it lists then are the serving process's
    helpers, copied into the child by ``fork`` (still listed as running, as
    the child cannot wait for them), not processes of the app.
    """
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is None:
        return set()
    return set(multiprocessing.active_children())


def stop_helpers(inherited: set[object]) -> None:  # pragma: no cover - runs in the forked child
    """Stop the processes the app started with :mod:`multiprocessing` while it loaded.

    Nothing of the checked app may outlive the check. A helper left running
    is orphaned and goes on with the app's background work (a scheduler, a
    queue consumer) beside the workers' own helpers, with nothing left to
    stop it: an interpreter that exits normally stops its daemonic helpers,
    but the child ends with :func:`os._exit`. The ``inherited`` helpers
    belong to the process that called
    :func:`~hipflask.serving.inspection.in_child` (the program calling
    ``serve_app``, a test run) and are left alone.
    """
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is None:
        return
    for helper in multiprocessing.active_children():
        if helper not in inherited:
            helper.kill()
            helper.join(_HELPER_STOP_SECONDS)


@contextlib.contextmanager
def terminate_raises() -> Iterator[None]:
    """While waiting for the child: ``SIGTERM`` raises :class:`SystemExit` here.

    Python's default for ``SIGTERM`` ends the process on the spot, with no
    ``except`` or ``finally`` run, so a supervisor stopping ``hipflask serve``
    during its checks would leave the checking child running, orphaned. A
    handler is set only in the main thread, and only in place of the default.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def end_child(pid: int) -> None:
    """Kill the checking child and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def wait_for_answer(reader: int, pid: int) -> tuple[bytes, int]:
    """All the child wrote on ``reader``, and its exit status, once it has exited.

    The pipe's end of file is not enough: a process the app starts while
    loading (a ``multiprocessing`` helper, any ``fork``) inherits the pipe's
    write end and would keep the checks waiting for as long as it runs. So
    the child's exit ends the wait too, once what it wrote has been read.
    """
    answer = bytearray()
    status: int | None = None
    with selectors.DefaultSelector() as selector:
        selector.register(reader, selectors.EVENT_READ)
        while True:
            # Once the child is gone, only drain what is already in the pipe.
            if selector.select(0 if status is not None else _POLL_SECONDS):
                chunk = os.read(reader, 65536)
                if not chunk:
                    break
                answer += chunk
            elif status is not None:
                break
            else:
                exited, waited = os.waitpid(pid, os.WNOHANG)
                if exited:
                    status = waited
    if status is None:
        status = os.waitpid(pid, 0)[1]
    return bytes(answer), status
