"""The checking child as a process: nothing the app starts while checked outlives the check."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest

from hipflask.serving import child_process
from hipflask.serving.inspection import AppFacts
from hipflask.serving.inspection import AppLoadFailed
from hipflask.serving.inspection import in_child

FACTS = AppFacts("shop", None, None, None, [], "wsgi", [])

SLEEPER = [sys.executable, "-c", "import time; time.sleep(30)"]


def _has_ended(pid: int) -> bool:
    """Whether ``pid`` is gone, or a zombie no one reaps (an init that does not reap)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    except OSError:  # no /proc
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False
    return stat.rpartition(")")[2].split()[0] in ("Z", "X")


def _ends_soon(pid: int, seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while not _has_ended(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def recorded(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Files the checking child writes its processes' ids to; those processes are killed after."""
    files: list[Path] = []

    def record(name: str) -> Path:
        files.append(tmp_path / name)
        return files[-1]

    yield record
    for file in files:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, ValueError):
            os.kill(int(file.read_text()), signal.SIGKILL)


def _fork_sleeper(ignore_sigterm: bool = False) -> int:
    helper = os.fork()
    if helper == 0:  # pragma: no cover - the helper's lines
        if ignore_sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(30)
        os._exit(0)
    return helper


def test_helpers_the_app_forks_or_runs_end_with_the_check(
    recorded: Callable[[str], Path],
) -> None:
    # Left running, they are orphaned and do the app's background work beside
    # the workers' own helpers, with nothing left to stop them.
    forked, started = recorded("forked.pid"), recorded("started.pid")

    def load() -> AppFacts:
        forked.write_text(str(_fork_sleeper()))
        started.write_text(str(subprocess.Popen(SLEEPER).pid))
        return FACTS

    assert in_child(load) == FACTS

    assert _ends_soon(int(forked.read_text()))
    assert _ends_soon(int(started.read_text()))


def test_a_helper_that_ignores_sigterm_is_killed_after_a_grace(
    recorded: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(child_process, "_GROUP_GRACE_SECONDS", 0.2)
    stubborn = recorded("stubborn.pid")

    def load() -> AppFacts:
        stubborn.write_text(str(_fork_sleeper(ignore_sigterm=True)))
        return FACTS

    in_child(load)

    assert _ends_soon(int(stubborn.read_text()))


def test_the_callers_own_processes_are_outside_the_childs_group(tmp_path: Path) -> None:
    # The child's group is ended whole: this process and what it started
    # (a subprocess, a multiprocessing helper) must never be in it.
    own = subprocess.Popen(SLEEPER)
    group = tmp_path / "group"

    def load() -> AppFacts:
        group.write_text(str(os.getpgrp()))
        _fork_sleeper()
        return FACTS

    try:
        in_child(load)
        time.sleep(0.2)
        assert own.poll() is None
        assert int(group.read_text()) not in (os.getpgrp(), os.getpgid(own.pid))
    finally:
        own.kill()
        own.wait()


SUBREAPER = """
import ctypes, os, sys, time
from hipflask.serving.inspection import AppFacts, in_child

# PR_SET_CHILD_SUBREAPER: orphans come to this process, as to a container's pid 1.
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)

def load():
    helper = os.fork()
    if helper == 0:
        time.sleep(30)
        os._exit(0)
    with open(sys.argv[1], "w") as record:
        record.write(str(helper))
    return AppFacts("shop", None, None, None, [], "wsgi", [])

started = time.monotonic()
in_child(load)
print(time.monotonic() - started)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="subreapers are Linux's")
def test_a_serving_process_that_inherits_the_helpers_reaps_them(
    recorded: Callable[[str], Path],
) -> None:
    # hipflask serve as a container's first process: the helpers it ends are
    # orphans of its own, and unreaped they would hold the group's grace open.
    helper = recorded("helper.pid")
    done = subprocess.run(
        [sys.executable, "-c", SUBREAPER, str(helper)], capture_output=True, timeout=30
    )

    assert done.returncode == 0, done.stderr.decode()
    assert float(done.stdout) < child_process._GROUP_GRACE_SECONDS
    assert _ends_soon(int(helper.read_text()))


ON_A_TERMINAL = """
import os, sys, termios
from hipflask.serving.inspection import AppFacts, AppLoadFailed, in_child

os.close(os.open(os.ttyname(0), os.O_RDWR))  # the terminal becomes this session's
attributes = termios.tcgetattr(0)
attributes[3] |= termios.TOSTOP  # stty tostop: background writes stop the writer
termios.tcsetattr(0, termios.TCSANOW, attributes)

def load():
    with open(sys.argv[1], "w") as record:
        record.write(str(os.getpid()))
    print("printed while checked", flush=True)
    sys.stdin.readline()
    return AppFacts("shop", None, None, None, [], "wsgi", [])

try:
    in_child(load)
except AppLoadFailed as refused:
    print("refused:", str(refused).splitlines()[-1], flush=True)
"""


def _read_until_closed(fd: int, seconds: float) -> bytes:
    output = bytearray()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if select.select([fd], [], [], 0.05)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: every end of the terminal closed
                break
            if not chunk:
                break
            output += chunk
    return bytes(output)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_an_app_using_the_terminal_while_checked_does_not_stop_the_check(
    recorded: Callable[[str], Path],
) -> None:
    # In a group of its own the child is in the terminal's background, where
    # a read (and, with tostop, a write) stops it: the check would hang.
    child = recorded("child.pid")
    controller, terminal = os.openpty()
    serving = subprocess.Popen(
        [sys.executable, "-c", ON_A_TERMINAL, str(child)],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        start_new_session=True,
    )
    os.close(terminal)
    try:
        output = _read_until_closed(controller, 10).decode()
        assert serving.wait(timeout=5) == 0, output
    finally:
        os.close(controller)
        serving.kill()
        serving.wait()

    assert "printed while checked" in output
    assert "refused: OSError: [Errno 5] Input/output error" in output


KILLED_WHILE_CHECKING = """
import os, sys, time
from hipflask.serving.inspection import in_child

def load_slowly():
    with open(sys.argv[1], "w") as record:
        record.write(str(os.getpid()))
    time.sleep(30)

in_child(load_slowly)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_serving_process_killed_during_the_check_takes_the_child_with_it(
    recorded: Callable[[str], Path],
) -> None:
    # SIGKILL (the OOM killer, a supervisor's last resort) runs no clean-up
    # in the serving process: the child would go on loading the app, orphaned.
    child = recorded("child.pid")
    serving = subprocess.Popen([sys.executable, "-c", KILLED_WHILE_CHECKING, str(child)])
    try:
        deadline = time.monotonic() + 20
        while not child.exists() or not child.read_text():
            assert time.monotonic() < deadline, "the check never started"
            time.sleep(0.02)
    finally:
        serving.kill()
        serving.wait()

    assert _ends_soon(int(child.read_text()))


def test_a_child_whose_caller_died_as_it_was_forked_does_not_load_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Dead before the child asked for the parent-death signal, the caller
    # would never send it: the child's parent is another process by then.
    loaded = tmp_path / "loaded"
    monkeypatch.setattr(os, "getppid", lambda: 1)

    def load() -> AppFacts:
        loaded.touch()
        return FACTS

    with pytest.raises(AppLoadFailed, match="exit status 1"):
        in_child(load)
    assert not loaded.exists()


def test_a_child_past_its_time_limit_is_killed_with_what_it_started(tmp_path: Path) -> None:
    # An import waiting on a network call that never answers.
    recorded = tmp_path / "helper.pid"

    def hang() -> AppFacts:
        helper = subprocess.Popen(SLEEPER)
        recorded.write_text(str(helper.pid))
        time.sleep(30)
        raise AssertionError("not reached")

    # The helper must be running when the limit passes: a loaded machine can
    # take longer than the first limit to fork the child and start it, and is
    # given a longer one then.
    for limit in (0.5, 2, 5):
        started = time.monotonic()
        with pytest.raises(child_process.CheckTimedOut, match=rf"longer than {limit:g} seconds"):
            in_child(hang, timeout=limit)
        assert time.monotonic() - started < limit + 4.5
        if recorded.exists() and recorded.read_text():
            break
    helper = int(recorded.read_text())
    end = time.monotonic() + 5
    while not _has_ended(helper) and time.monotonic() < end:
        time.sleep(0.05)
    assert _has_ended(helper)
