"""What a sweep of the file store removes, and what it leaves alone."""

from __future__ import annotations

import os
import time

import pytest
from tests.stores.sweep_files import age
from tests.stores.sweep_files import listing
from tests.stores.sweep_files import store as store
from tests.stores.sweep_files import write_expired

import hipflask.stores.filesweep as filesweep
from hipflask.stores.filelock import TOMB_PREFIX
from hipflask.stores.filelock import tomb_path
from hipflask.stores.filesweep import HEADER
from hipflask.stores.filesweep import TEMP_PREFIX
from hipflask.stores.filesweep import SweepResult
from hipflask.stores.filesystem import FileSystemStore

PAST = 1_000  # an expiry in 1970, before any file here was written


def test_a_sweep_removes_expired_entries_and_keeps_live_ones(store: FileSystemStore) -> None:
    for number in range(20):
        write_expired(store, f"gone{number}")
    store.set("live", b"v", ttl=60)
    store.set("forever", b"v")
    result = store.sweep()
    assert result.expired == 20
    assert listing(store) == {
        os.path.basename(store._path("live")),
        os.path.basename(store._path("forever")),
    }
    assert store.get("live") == b"v"
    assert store.get("forever") == b"v"


def test_reading_an_expired_entry_leaves_its_file_for_the_sweep(store: FileSystemStore) -> None:
    path = write_expired(store, "k")
    assert store.get("k") is None
    assert os.path.exists(path)
    store.sweep()
    assert not os.path.exists(path)


def test_files_the_store_did_not_write_are_left_alone(store: FileSystemStore) -> None:
    foreign = ["notes.txt", "a" * 63, "A" * 64, ".hidden", "__wz_cache_count", "f" * 64 + ".bak"]
    for name in foreign:
        with open(os.path.join(store.directory, name), "wb") as file:
            file.write(HEADER.pack(PAST))
        age(os.path.join(store.directory, name), 86_400)
    store.sweep()
    assert listing(store) == set(foreign)


def test_a_truncated_entry_is_left_alone(store: FileSystemStore) -> None:
    with open(store._path("k"), "wb") as file:
        file.write(b"abc")
    assert store.sweep() == SweepResult()
    assert os.path.exists(store._path("k"))


def test_temporary_files_are_removed_only_when_stale(store: FileSystemStore) -> None:
    stale = os.path.join(store.directory, f"{TEMP_PREFIX}{'0' * 16}")
    fresh = os.path.join(store.directory, f"{TEMP_PREFIX}{'1' * 16}")
    for path in (stale, fresh):
        with open(path, "wb") as file:
            file.write(b"half a value")
    age(stale, 3600)
    assert store.sweep().temporary == 1
    assert not os.path.exists(stale)
    assert os.path.exists(fresh)


def test_lock_files_are_removed_only_when_stale(store: FileSystemStore) -> None:
    store.set("old", b"v")
    store.set("held", b"v")
    stale = store._path("old") + ".lock"
    held = store._path("held") + ".lock"
    for path in (stale, held):
        open(path, "w").close()
    age(stale, 3600)
    # Older than waiters' limit, but younger than the sweep's: theirs to break.
    age(held, 20)
    assert store.sweep().locks == 1
    assert not os.path.exists(stale)
    assert os.path.exists(held)
    assert store.get("old") == b"v"


def test_a_lock_left_over_is_no_longer_in_the_way(store: FileSystemStore) -> None:
    lock = store._path("k") + ".lock"
    open(lock, "w").close()
    age(lock, 3600)
    store.sweep()
    assert store.add("k", b"v") is True


def test_a_tomb_left_by_a_killed_sweep_is_put_back_when_live(
    store: FileSystemStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.set("live", b"kept", ttl=3600)
    write_expired(store, "dead")
    live_tomb = tomb_path(store._path("live"))
    dead_tomb = tomb_path(store._path("dead"))
    os.rename(store._path("live"), live_tomb)
    os.rename(store._path("dead"), dead_tomb)
    # A tomb younger than that may belong to a sweep still running.
    assert store.sweep() == SweepResult()
    later = time.time() + 120
    monkeypatch.setattr(filesweep.time, "time", lambda: later)
    result = store.sweep()
    assert (result.restored, result.tombs) == (1, 1)
    assert store.get("live") == b"kept"
    assert not [name for name in listing(store) if name.startswith(TOMB_PREFIX)]


def test_a_tomb_put_back_never_replaces_a_newer_write(
    store: FileSystemStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.set("k", b"older", ttl=3600)
    os.rename(store._path("k"), tomb_path(store._path("k")))
    store.set("k", b"newer", ttl=3600)
    later = time.time() + 120
    monkeypatch.setattr(filesweep.time, "time", lambda: later)
    store.sweep()
    assert store.get("k") == b"newer"
    assert listing(store) == {os.path.basename(store._path("k"))}
