"""Files planted in the store's folder: fifos, symlinks and look-alikes never hang a sweep."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.stores.sweep_files import age
from tests.stores.sweep_files import listing
from tests.stores.sweep_files import store as store

import hipflask.stores.filesweep as filesweep
import hipflask.stores.filesystem as filesystem
from hipflask.stores.filelock import TOMB_PREFIX
from hipflask.stores.filesweep import TEMP_PREFIX
from hipflask.stores.filesweep import SweepResult
from hipflask.stores.filesystem import FileSystemStore


def finishes(work: Callable[[], object], timeout: float = 5.0) -> bool:
    """Whether ``work`` returns in time (opening a FIFO for reading blocks)."""
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        # Open every planted FIFO for writing: a reader stuck on one goes on,
        # so that the test run can end.
        for path in planted_fifos:
            with contextlib.suppress(OSError):
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        return False
    return True


planted_fifos: list[str] = []


def plant_fifo(path: str, seconds: float = 3600) -> str:
    os.mkfifo(path)
    age(path, seconds)
    planted_fifos.append(path)
    return path


def test_fifos_under_the_store_names_never_hang_the_sweep(store: FileSystemStore) -> None:
    names = [
        "a" * 64,
        "b" * 64 + ".lock",
        f"{TEMP_PREFIX}{'c' * 16}",
        f"{TOMB_PREFIX}{'d' * 64}-{time.time_ns() - 10**12}-{'e' * 12}",
    ]
    for name in names:
        plant_fifo(os.path.join(store.directory, name))
    result = SweepResult()

    def sweep() -> None:
        nonlocal result
        result = store.sweep()

    assert finishes(sweep)
    assert listing(store) == set(names)
    assert result.failed == len(names)


def test_directories_under_the_store_names_are_never_moved(store: FileSystemStore) -> None:
    names = ["b" * 64 + ".lock", f"{TEMP_PREFIX}{'c' * 16}"]
    for name in names:
        os.mkdir(os.path.join(store.directory, name))
        age(os.path.join(store.directory, name), 3600)
    store.sweep()
    assert listing(store) == set(names)


def test_a_file_named_like_a_temporary_file_by_someone_else_is_left_alone(
    store: FileSystemStore,
) -> None:
    # A directory shared by mistake (the instance folder) may hold an
    # editor's or a tool's ".tmp-" file; only the store's own names are its.
    path = os.path.join(store.directory, ".tmp-notes.txt")
    with open(path, "wb") as file:
        file.write(b"mine")
    age(path, 3600)
    assert store.sweep() == SweepResult()
    assert os.path.exists(path)


def test_the_store_writes_temporary_files_under_names_the_sweep_knows(
    store: FileSystemStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    replace = os.replace

    def spy(source: str, target: str) -> None:
        seen.append(os.path.basename(source))
        replace(source, target)

    monkeypatch.setattr(filesystem.os, "replace", spy)
    store.set("k", b"v")
    assert len(seen) == 1
    assert filesweep.is_temporary_name(seen[0])


def test_a_planted_symlinked_tomb_never_links_its_target_into_the_directory(
    store: FileSystemStore, tmp_path: Path
) -> None:
    outside = tmp_path / "secret"
    outside.write_bytes(b"not a session, but reads as a live one")
    tomb = (
        f"{TOMB_PREFIX}{store._path('k').rsplit(os.sep, 1)[1]}-{time.time_ns() - 10**12}-{'e' * 12}"
    )
    os.symlink(outside, os.path.join(store.directory, tomb))
    store.sweep()
    assert os.stat(outside).st_nlink == 1
    assert store.get("k") is None


def test_a_symlinked_entry_is_never_followed_by_the_sweep(
    store: FileSystemStore, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    plant_fifo(str(outside))
    os.symlink(outside, store._path("k"))
    assert finishes(store.sweep)
    assert os.path.exists(outside)


def test_a_fifo_under_an_entry_name_reads_as_missing_without_hanging(
    store: FileSystemStore,
) -> None:
    plant_fifo(store._path("k"))
    values: list[bytes | None] = []
    assert finishes(lambda: values.append(store.get("k")))
    assert values == [None]


def test_a_fifo_under_a_lock_name_does_not_hang_a_write(store: FileSystemStore) -> None:
    plant_fifo(store._path("k") + ".lock")
    assert finishes(lambda: store.set("k", b"v"))
    assert store.get("k") == b"v"
