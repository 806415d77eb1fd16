"""Throwaway-key folders: private, and swept once the processes using them are gone."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hipflask.serving.tls import scratch
from hipflask.serving.tls.scratch import PREFIX
from hipflask.serving.tls.scratch import make_private_folder
from hipflask.serving.tls.scratch import remove_private_folder
from hipflask.serving.tls.scratch import sweep_abandoned

pytestmark = pytest.mark.skipif(os.name != "posix", reason="flock is POSIX only")

#: A process that makes a folder, says where, and waits; with "fork", it
#: first forks a child that keeps running (and holding the lock) after it.
#: Each line is one write, so the two processes' lines never interleave.
_OWNER = """
import os, sys, time
from hipflask.serving.tls.scratch import make_private_folder
folder = make_private_folder()
(folder / "key.pem").write_text("secret")
if sys.argv[1] == "fork" and os.fork() == 0:
    os.write(1, f"worker {os.getpid()}\\n".encode())
    time.sleep(60)
    os._exit(0)
os.write(1, f"folder {folder}\\n".encode())
time.sleep(60)
"""


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The temporary directory, here and in the processes the test starts."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    yield tmp_path
    for folder in list(scratch._held):
        remove_private_folder(folder)


def _start_owner(mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", _OWNER, mode], stdout=subprocess.PIPE, text=True)


def _report(process: subprocess.Popen[str], count: int) -> dict[str, str]:
    """What the owner printed: its folder, and its worker's pid when it forked one."""
    assert process.stdout is not None
    lines = [process.stdout.readline().split(" ", 1) for _ in range(count)]
    return {name: value.strip() for name, value in lines}


def _kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()


def test_a_folder_is_private_and_kept_while_its_process_uses_it(temp_root: Path) -> None:
    folder = make_private_folder()

    assert folder.parent == temp_root
    assert folder.name.startswith(PREFIX)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sweep_abandoned() == []
    assert folder.is_dir()

    remove_private_folder(folder)

    assert not folder.exists()


def test_a_folder_left_by_a_killed_server_is_removed_by_the_next_one(temp_root: Path) -> None:
    owner = _start_owner("plain")
    left = Path(_report(owner, 1)["folder"])
    assert (left / "key.pem").read_text() == "secret"
    assert sweep_abandoned() == []  # the owner still runs

    _kill(owner)
    folder = make_private_folder()

    assert not left.exists()
    assert folder.is_dir()


def test_a_folder_is_kept_while_a_worker_forked_from_its_server_runs(temp_root: Path) -> None:
    owner = _start_owner("fork")
    report = _report(owner, 2)
    assert set(report) == {"worker", "folder"}, report
    worker, left = int(report["worker"]), Path(report["folder"])
    try:
        _kill(owner)

        assert sweep_abandoned() == []
        assert (left / "key.pem").exists()
    finally:
        os.kill(worker, signal.SIGKILL)
    # The orphaned worker is reaped by init; its lock goes when it has exited.
    for _ in range(100):
        if sweep_abandoned() == [left]:
            break
        time.sleep(0.05)
    assert not left.exists()


def test_folders_the_sweep_cannot_vouch_for_are_left_alone(temp_root: Path) -> None:
    unlocked = temp_root / f"{PREFIX}older"
    unlocked.mkdir()
    elsewhere = temp_root / "elsewhere"
    elsewhere.mkdir()
    link = temp_root / f"{PREFIX}link"
    link.symlink_to(elsewhere)
    planted = temp_root / f"{PREFIX}planted"
    planted.mkdir()
    (planted / ".in-use").symlink_to(elsewhere / "target")

    assert sweep_abandoned() == []
    assert unlocked.is_dir() and link.is_symlink() and planted.is_dir()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a folder to another user")
def test_another_users_abandoned_folder_is_left_alone(temp_root: Path) -> None:
    owner = _start_owner("plain")
    left = Path(_report(owner, 1)["folder"])
    _kill(owner)
    os.chown(left, 65534, 65534)

    assert sweep_abandoned() == []
    assert left.is_dir()


def _abandon(folder: Path) -> None:
    """Let go of ``folder``'s lock as a killed server would, leaving the folder behind."""
    os.close(scratch._held.pop(folder))


def test_a_folder_is_made_where_the_file_system_has_no_flock(
    temp_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NFS mounted with nolock, some FUSE and SMB mounts: flock fails with
    # ENOLCK or EOPNOTSUPP, and --cert adhoc must still start.
    def no_flock(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(scratch.fcntl, "flock", no_flock)

    folder = make_private_folder()

    assert folder.is_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert list(folder.iterdir()) == []
    assert folder not in scratch._held
    remove_private_folder(folder)
    assert not folder.exists()


def test_nothing_is_swept_from_a_temporary_directory_others_can_rearrange(
    temp_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another user who may rename entries of the temporary directory (it is
    # writable by all without the sticky bit) swaps one of ours in between
    # the check and the removal, and the sweep deletes what it never checked.
    victim = temp_root / "victim"
    victim.mkdir()
    (victim / "data").write_text("keep")
    left = make_private_folder()
    _abandon(left)
    temp_root.chmod(0o777)
    check = scratch._abandoned

    def swapped(folder: Path) -> bool:
        result = check(folder)
        folder.rename(temp_root / "moved")
        victim.rename(folder)
        return result

    monkeypatch.setattr(scratch, "_abandoned", swapped)

    assert sweep_abandoned() == []
    assert (victim / "data").read_text() == "keep"
    assert left.is_dir()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a folder to another user")
@pytest.mark.parametrize("owned", ["directory", "parent"])
def test_nothing_is_swept_from_a_temporary_directory_another_user_can_rename_in(
    temp_root: Path, monkeypatch: pytest.MonkeyPatch, owned: str
) -> None:
    # The owner of a directory may rename anything in it, sticky bit or
    # not: the temporary directory itself, or the one it lives in.
    parent = temp_root / "home"
    shared = parent / "tmp"
    shared.mkdir(parents=True)
    shared.chmod(0o1777)
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    left = make_private_folder()
    _abandon(left)
    os.chown(shared if owned == "directory" else parent, 65534, 65534)

    assert sweep_abandoned() == []
    assert left.is_dir()


def test_the_dev_servers_adhoc_context_leaves_nothing_and_sweeps_what_a_kill_left(
    temp_root: Path,
) -> None:
    from hipflask.serving.tls.context import make_adhoc_context

    owner = _start_owner("plain")
    left = Path(_report(owner, 1)["folder"])
    _kill(owner)

    context = make_adhoc_context()

    assert context.protocol is not None
    assert not left.exists()
    assert list(temp_root.glob(f"{PREFIX}*")) == []
