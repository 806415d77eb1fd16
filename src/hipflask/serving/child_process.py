"""The checking child as a process: how it is waited for and how it is ended.

:func:`~hipflask.serving.inspection.in_child` forks the child that loads and
checks the app; this module holds what concerns the child as a process
rather than its answer: the wait that does not depend on the pipe closing,
the interrupted wait that must not leave it running, and the helper
processes the app starts while it loads.

The child leads a process group of its own, which every process it starts
joins (a raw ``os.fork``, ``subprocess.Popen``, :mod:`multiprocessing`),
and what remains of that group is ended with the check. The caller's
processes (the serving process, the helpers it had before the check) are
never in it. A helper that leaves the group itself (``os.setsid``, a daemon
double fork that does) is out of reach: it runs on, as it would under any
process manager that ends a process group.

A serving process stopped during the check by ``SIGTERM`` or ``SIGINT``
kills the group, and so does a check abandoned (:class:`CheckAbandoned`): a
reload's, when the server stops while it runs; and so does a check past its
time limit (:class:`CheckTimedOut`), whose app waits at import for something
that does not come. One killed with ``SIGKILL``
runs nothing more: on Linux the child has asked to be killed with it
(``PR_SET_PDEATHSIG``), but the helpers the app had started by then run on.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import sys
import threading
import time
from collections.abc import Iterator

from ..errors import HipflaskError

__all__ = [
    "DEFAULT_CHECK_TIMEOUT",
    "CheckAbandoned",
    "CheckTimedOut",
    "detach_child",
    "end_child",
    "end_group",
    "inherited_helpers",
    "own_process_group",
    "stop_helpers",
    "terminate_raises",
    "wait_for_answer",
]

#: Seconds the checking child may take to load and check the app (``--check-timeout``):
#: far more than an app needs to import, far less than "never".
DEFAULT_CHECK_TIMEOUT = 60.0

#: How often the wait for the checking child looks whether it has exited.
_POLL_SECONDS = 0.1

#: How long the checking child waits for each helper process it kills.
_HELPER_STOP_SECONDS = 5.0

#: How long the processes left in the child's group have after ``SIGTERM``
#: to end on their own before they are killed.
_GROUP_GRACE_SECONDS = 1.0

#: How often that grace looks whether the group is empty.
_GROUP_POLL_SECONDS = 0.02

#: ``prctl`` option: the signal a process gets when its parent dies (``linux/prctl.h``).
_PR_SET_PDEATHSIG = 1


class CheckTimedOut(HipflaskError):
    """The checking child took longer than its time limit: it was killed, with its group.

    An app whose import waits on the network (a database or an API that
    does not answer) would otherwise hold the check, and with it the start
    or every later reload, forever.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"Loading and checking the app took longer than {seconds:g} seconds, so the check"
            " was stopped and its process killed, with every process it started. An import"
            " waiting on the network (a database, an API that does not answer) is the usual"
            " cause: give that call a timeout or make it later than at import, or allow the"
            " check more time with --check-timeout."
        )
        self.seconds = seconds


class CheckAbandoned(Exception):
    """The wait for the checking child was given up on: the server is stopping.

    Raised by :func:`wait_for_answer` once its ``abandon`` event is set, so
    that a check running in a thread of its own (a reload's) ends its child
    and the child's process group, as a ``SIGTERM`` does in the main thread.
    """


def detach_child(caller: int) -> None:  # pragma: no cover - runs in the forked child
    """The checking child's first lines: a group of its own, bound to the ``caller``'s life.

    In a group of its own the child is in the background of the terminal
    ``hipflask serve`` runs in, where reading the terminal stops a process
    (``SIGTTIN``), and so does writing it once ``stty tostop`` is set
    (``SIGTTOU``): the check would wait for it forever. With both ignored,
    what the app prints still shows, and a read (a prompt at import) fails
    with ``EIO``, reported as the app's error.
    """
    own_process_group(os.getpid())
    for signum in (signal.SIGTTIN, signal.SIGTTOU):
        signal.signal(signum, signal.SIG_IGN)
    _die_with(caller)


def _die_with(caller: int) -> None:  # pragma: no cover - runs in the forked child
    """Have Linux kill this child when ``caller``, the serving process, dies.

    A serving process killed with ``SIGKILL`` (the OOM killer, a
    supervisor's last resort) runs no clean-up, and its child would go on
    loading the app, orphaned. The signal comes when the thread that forked
    the child ends, and :func:`~hipflask.serving.inspection.in_child` waits
    in that thread for as long as the child runs. Elsewhere, or without
    ``prctl``, the child is not bound. The helpers the app starts are not
    bound either: Linux clears the request in a fork's child.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != caller:
        # The caller died before the request was made: no signal will come.
        os._exit(1)


def own_process_group(pid: int) -> None:
    """Make the checking child ``pid`` the leader of a process group of its own.

    Called by the child and by the serving process, as shells do: whichever
    runs first, the group exists before the serving process may signal it.
    The group's id is the child's pid, which the system gives no other
    process or group while the child, or any process in its group, exists.
    """
    # Failing (the child already gone): nothing is in the group to end.
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)


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
    """Kill the checking child, and every process in its group, and reap it.

    For a check given up on: nothing of the app is worth a grace.
    """
    # The child is not reaped yet, so its group's id is still its own.
    _signal_group(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)  # should it have no group (setpgid refused)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def end_group(pid: int) -> None:
    """End what remains of the exited child's process group, then reap the child.

    What remains are the app's helpers: processes it started while loading
    and did not stop (a raw ``os.fork``, ``subprocess.Popen``; those of
    :mod:`multiprocessing` the child stops itself). They get ``SIGTERM``, a
    short grace to end on their own, then ``SIGKILL``.
    """
    # Sent while the unreaped child holds the group's id; after that, the
    # remaining members hold it for as long as one is left to signal.
    _signal_group(pid, signal.SIGTERM)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    deadline = time.monotonic() + _GROUP_GRACE_SECONDS
    try:
        while _signal_group(pid, 0):
            _reap_orphans(pid)
            if time.monotonic() >= deadline:
                _signal_group(pid, signal.SIGKILL)
                return
            time.sleep(_GROUP_POLL_SECONDS)
    except BaseException:
        _signal_group(pid, signal.SIGKILL)  # interrupted during the grace
        raise


def _reap_orphans(pgid: int) -> None:
    """Reap the ended helpers of group ``pgid`` that became this process's children.

    Orphans go to the nearest subreaper, or to pid 1: this very process when
    ``hipflask serve`` is a container's first process. Unreaped, they would
    stay in the group and hold it open for the whole grace. Elsewhere they
    are another process's to reap, and until then, count as still running.
    """
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-pgid, os.WNOHANG)[0]:
            pass


def _signal_group(pgid: int, signum: int) -> bool:
    """Send ``signum`` to the process group ``pgid``: whether it reached any process."""
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def wait_for_answer(
    reader: int,
    pid: int,
    abandon: threading.Event | None = None,
    timeout: float | None = None,
) -> tuple[bytes, int]:
    """All the child wrote on ``reader``, and its exit code, once it has exited.

    The pipe's end of file is not enough: a process the app starts while
    loading (a ``multiprocessing`` helper, any ``fork``) inherits the pipe's
    write end and would keep the checks waiting for as long as it runs. So
    the child's exit ends the wait too, once what it wrote has been read.
    The child is left for :func:`end_group` to reap. Once ``abandon`` is
    set, :class:`CheckAbandoned` is raised instead, and once ``timeout``
    seconds have passed without the child exiting, :class:`CheckTimedOut`:
    the caller ends the child either way.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    answer = bytearray()
    code: int | None = None
    with selectors.DefaultSelector() as selector:
        selector.register(reader, selectors.EVENT_READ)
        while True:
            _give_up_if(abandon, deadline, timeout)
            # Once the child is gone, only drain what is already in the pipe.
            if selector.select(0 if code is not None else _POLL_SECONDS):
                chunk = os.read(reader, 65536)
                if not chunk:
                    break
                answer += chunk
            elif code is not None:
                break
            else:
                code = _exit_code(pid, block=False)
    while code is None:  # the pipe closed first: wait for the exit itself
        _give_up_if(abandon, deadline, timeout)
        code = _exit_code(pid, block=False)
        if code is None:
            time.sleep(_POLL_SECONDS)
    return bytes(answer), code


def _give_up_if(
    abandon: threading.Event | None, deadline: float | None, timeout: float | None
) -> None:
    """Give up: :class:`CheckAbandoned` once ``abandon`` is set, :class:`CheckTimedOut` late."""
    if abandon is not None and abandon.is_set():
        raise CheckAbandoned
    if deadline is not None and timeout is not None and time.monotonic() >= deadline:
        raise CheckTimedOut(timeout)


def _exit_code(pid: int, *, block: bool) -> int | None:
    """The child's exit code once it has exited (minus the signal that killed it), or ``None``.

    The child is left unreaped: its pid stays taken, and with it the id of
    its process group, until :func:`end_group` has signalled that group.
    """
    if not hasattr(os, "waitid"):  # pragma: no cover - macOS before Python 3.13
        # Reaped here: the group's id is free again before it is signalled,
        # for the moment the system takes to hand the same number out anew.
        exited, status = os.waitpid(pid, 0 if block else os.WNOHANG)
        return os.waitstatus_to_exitcode(status) if exited else None
    options = os.WEXITED | os.WNOWAIT | (0 if block else os.WNOHANG)
    result = os.waitid(os.P_PID, pid, options)
    if result is None:
        return None
    return result.si_status if result.si_code == os.CLD_EXITED else -result.si_status
