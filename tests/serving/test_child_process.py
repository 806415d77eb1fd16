"""The checking child as a process: nothing the app starts while checked outlives the check."""

from __future__ import annotations

import contextlib
import os
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
