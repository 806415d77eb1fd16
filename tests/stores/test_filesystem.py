from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

import hipflask.stores.filesystem as filesystem
from hipflask.errors import ConfigurationError
from hipflask.stores import Store
from hipflask.stores import create_store
from hipflask.stores.filelock import release_lock
from hipflask.stores.filelock import take_lock
from hipflask.stores.filesystem import FileSystemStore

from .contract import StoreContract


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return create_store(f"file://{tmp_path / 'store'}", prefix="a:")


@pytest.fixture
def other(tmp_path: Path) -> Store:
    return FileSystemStore(str(tmp_path / "store"), prefix="b:")


class TestFileSystemStore(StoreContract):
    def test_keys_cannot_escape_the_directory(self, store: FileSystemStore, tmp_path: Path) -> None:
        store.set("../../escape", b"v")
        assert not (tmp_path / "escape").exists()
        assert store.get("../../escape") == b"v"

    def test_files_are_private_to_the_user(self, store: FileSystemStore) -> None:
        store.set("k", b"v")
        [name] = [n for n in os.listdir(store.directory) if not n.startswith(".")]
        assert os.stat(os.path.join(store.directory, name)).st_mode & 0o077 == 0

    def test_a_stale_lock_is_cleared(self, store: FileSystemStore) -> None:
        lock = store._path("k") + ".lock"
        with open(lock, "w"):
            pass
        old = time.time() - 60
        os.utime(lock, (old, old))
        assert store.add("k", b"v") is True  # the stale lock is removed

    def test_a_lock_held_too_long_gives_up(
        self, store: FileSystemStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import hipflask.stores.filelock as filelock

        monkeypatch.setattr(filelock, "_LOCK_TRIES", 2)
        store.set("k", b"v")
        with open(store._path("k") + ".lock", "w"):
            pass
        assert store.compare_and_set("k", b"v", b"w") is False
        assert store.add("other", b"v") is True

    def test_a_truncated_file_reads_as_missing(self, store: FileSystemStore) -> None:
        with open(store._path("k"), "wb") as file:
            file.write(b"abc")
        assert store.get("k") is None

    def test_touch_holds_the_lock_so_no_save_lands_between_its_read_and_write(
        self, store: FileSystemStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import hipflask.stores.filelock as filelock

        store.set("k", b"old", ttl=60)
        other = FileSystemStore(store.directory, prefix="a:", sweep_interval=None)
        real_read = store._read
        saves = []

        def read_then_race(path: str) -> tuple[bytes, int] | None:
            entry = real_read(path)
            # Another process saves between touch's read and its write.
            with monkeypatch.context() as patch:
                patch.setattr(filelock, "_LOCK_TRIES", 1)
                saves.append(other.compare_and_set("k", b"old", b"new", ttl=60))
            return entry

        monkeypatch.setattr(store, "_read", read_then_race)
        assert store.touch("k", 120) is True
        assert saves == [False]  # refused while touch held the lock: it retries
        monkeypatch.undo()
        assert store.compare_and_set("k", b"old", b"new", ttl=60) is True

    @pytest.mark.parametrize("operation", ["touch", "compare_and_set"])
    def test_a_delete_during_a_write_stays_deleted(
        self, store: FileSystemStore, monkeypatch: pytest.MonkeyPatch, operation: str
    ) -> None:
        # Logout in one process while a request of another renews or saves
        # the session: the write read the entry before the delete, and must
        # not put it back after.
        store.set("k", b"old", ttl=60)
        other = FileSystemStore(store.directory, prefix="a:", sweep_interval=None)
        real_read = store._read
        ending = threading.Thread(target=other.delete, args=("k",))

        def read_then_delete(path: str) -> tuple[bytes, int] | None:
            entry = real_read(path)
            monkeypatch.undo()  # once
            ending.start()
            time.sleep(0.1)  # the delete runs (or waits) between the read and the write
            return entry

        monkeypatch.setattr(store, "_read", read_then_delete)
        if operation == "touch":
            store.touch("k", 120)
        else:
            store.compare_and_set("k", b"old", b"new", ttl=60)
        ending.join()
        assert store.get("k") is None

    def test_set_writes_even_when_the_lock_stays_taken(
        self, store: FileSystemStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import hipflask.stores.filelock as filelock

        monkeypatch.setattr(filelock, "_LOCK_TRIES", 2)
        with open(store._path("k") + ".lock", "w"):
            pass
        store.set("k", b"v")
        assert store.touch("k", 60) is True
        assert store.get("k") == b"v"
        assert store.add("k2", b"v") is True

    def test_an_expired_entry_is_not_deleted_by_a_read(self, store: FileSystemStore) -> None:
        store.set("k", b"v", ttl=0.01)
        time.sleep(0.05)
        assert store.get("k") is None
        assert os.path.exists(store._path("k"))  # the sweep's to remove


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_a_directory_anyone_can_write_to_is_refused(tmp_path: Path) -> None:
    # Anyone who can create a file there can plant an entry for a key they
    # know (their own session id, with the data of an admin's session).
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    with pytest.raises(ConfigurationError, match="writable by other users"):
        FileSystemStore(str(shared))


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_a_directory_shared_with_the_group_is_accepted(tmp_path: Path) -> None:
    shared = tmp_path / "group"
    shared.mkdir()
    shared.chmod(0o2770)
    FileSystemStore(str(shared)).set("k", b"v")


def stall_and_lose_the_lock(store: FileSystemStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """After its read, the lock holder stalls past STALE_LOCK: another
    process breaks the lock, takes it and writes "theirs"."""
    read = store._read
    other = FileSystemStore(store.directory, sweep_interval=None)

    def read_then_stall(path: str) -> tuple[bytes, int] | None:
        entry = read(path)
        monkeypatch.undo()  # stalls once; later reads are plain
        lock = path + ".lock"
        then = time.time() - 3600
        os.utime(lock, (then, then))
        fd = take_lock(path)
        assert fd is not None
        other._write(path, b"theirs", 0)
        release_lock(path, fd)
        return entry

    monkeypatch.setattr(store, "_read", read_then_stall)


def test_a_compare_and_set_whose_lock_was_broken_meanwhile_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileSystemStore(str(tmp_path / "s"), sweep_interval=None)
    store.set("k", b"v")
    stall_and_lose_the_lock(store, monkeypatch)
    assert store.compare_and_set("k", b"v", b"mine") is False
    assert store.get("k") == b"theirs"


def test_an_add_whose_lock_was_broken_meanwhile_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileSystemStore(str(tmp_path / "s"), sweep_interval=None)
    stall_and_lose_the_lock(store, monkeypatch)
    assert store.add("k", b"mine") is False
    assert store.get("k") == b"theirs"


def test_a_temporary_file_swapped_for_a_symlink_never_changes_the_target_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A group member who may write to the directory swaps the write's
    # temporary file for a symlink to a file of the app's user.
    store = FileSystemStore(str(tmp_path / "s"), mode=0o640, sweep_interval=None)
    target = tmp_path / "config.py"
    target.write_text("SECRET_KEY = '...'")
    target.chmod(0o600)
    create = filesystem.create_temporary

    def swapped(directory: str) -> tuple[int, str]:
        fd, path = create(directory)
        os.unlink(path)
        os.symlink(target, path)
        return fd, path

    monkeypatch.setattr(filesystem, "create_temporary", swapped)
    store.set("k", b"v")
    assert target.stat().st_mode & 0o777 == 0o600
