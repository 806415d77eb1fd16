"""Lock files, and removing a file only if it is still the one that was checked."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import hipflask.stores.filelock as filelock
from hipflask.stores.filelock import break_stale_lock
from hipflask.stores.filelock import put_back
from hipflask.stores.filelock import release_lock
from hipflask.stores.filelock import remove_if_unchanged
from hipflask.stores.filelock import take_lock


def write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_lock_is_taken_once_until_released(tmp_path: Path) -> None:
    entry = str(tmp_path / "entry")
    fd = take_lock(entry)
    assert fd is not None
    assert take_lock(entry, wait=False) is None
    release_lock(entry, fd)
    assert not os.path.exists(entry + ".lock")
    again = take_lock(entry, wait=False)
    assert again is not None
    release_lock(entry, again)


def test_releasing_a_broken_lock_leaves_the_new_holders_lock(tmp_path: Path) -> None:
    entry = str(tmp_path / "entry")
    fd = take_lock(entry)
    assert fd is not None
    # The holder stalled; a waiter broke the lock and holds a new one.
    os.unlink(entry + ".lock")
    other = take_lock(entry, wait=False)
    assert other is not None
    release_lock(entry, fd)
    assert os.path.exists(entry + ".lock")
    release_lock(entry, other)
    assert not os.path.exists(entry + ".lock")


def test_a_stale_lock_is_broken_and_a_fresh_one_kept(tmp_path: Path) -> None:
    lock = tmp_path / "entry.lock"
    write(lock, b"")
    assert break_stale_lock(str(lock), 10) is False
    assert lock.exists()
    age(lock, 60)
    assert break_stale_lock(str(lock), 10) is True
    assert not lock.exists()


def test_a_waiter_takes_a_lock_left_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = tmp_path / "entry"
    lock = tmp_path / "entry.lock"
    write(lock, b"")
    age(lock, 60)
    fd = take_lock(str(entry))
    assert fd is not None
    release_lock(str(entry), fd)


def test_a_lock_recreated_before_the_break_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = tmp_path / "entry.lock"
    write(lock, b"")
    age(lock, 60)
    real_rename = os.rename

    def recreate_first(source: str, target: str) -> None:
        # Another waiter broke the stale lock and took a new one meanwhile.
        os.unlink(source)
        write(lock, b"new holder")
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", recreate_first)
    break_stale_lock(str(lock), 10)
    assert lock.read_bytes() == b"new holder"
    assert os.listdir(tmp_path) == ["entry.lock"]


def test_remove_if_unchanged_removes_the_checked_file(tmp_path: Path) -> None:
    path = tmp_path / "f"
    write(path, b"checked")
    with open(path, "rb") as file:
        assert remove_if_unchanged(str(path), os.fstat(file.fileno())) is True
    assert os.listdir(tmp_path) == []


def test_remove_if_unchanged_of_a_missing_file_is_false(tmp_path: Path) -> None:
    path = tmp_path / "f"
    write(path, b"checked")
    with open(path, "rb") as file:
        seen = os.fstat(file.fileno())
        path.unlink()
        assert remove_if_unchanged(str(path), seen) is False


def test_put_back_falls_back_to_a_rename_without_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(source: str, target: str, **options: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    tomb = tmp_path / "tomb"
    write(tomb, b"value")
    put_back(str(tomb), str(tmp_path / "entry"))
    assert (tmp_path / "entry").read_bytes() == b"value"
    write(tomb, b"older")
    put_back(str(tomb), str(tmp_path / "entry"))
    assert (tmp_path / "entry").read_bytes() == b"value"
    assert not tomb.exists()


def test_a_lock_that_stays_taken_gives_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(filelock, "_LOCK_TRIES", 2)
    entry = str(tmp_path / "entry")
    fd = take_lock(entry)
    assert fd is not None
    assert take_lock(entry) is None
    release_lock(entry, fd)


def test_a_lock_name_holding_no_regular_file_is_never_broken(tmp_path: Path) -> None:
    # A directory (or FIFO) planted there would be moved away, or block.
    lock = tmp_path / "entry.lock"
    lock.mkdir()
    age(lock, 3600)
    assert break_stale_lock(str(lock), 10) is False
    assert lock.is_dir()


def test_a_symlinked_tomb_is_put_back_as_the_link_itself(tmp_path: Path) -> None:
    target = tmp_path / "target"
    write(target, b"someone's file")
    tomb = tmp_path / "tomb"
    tomb.symlink_to(target)
    put_back(str(tomb), str(tmp_path / "entry"))
    assert os.stat(target).st_nlink == 1
