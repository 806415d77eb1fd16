"""When sweeps run: at most one per interval, in the background, one process at a time."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from tests.stores.sweep_files import age
from tests.stores.sweep_files import listing
from tests.stores.sweep_files import store as store
from tests.stores.sweep_files import write_expired

import hipflask.stores.filesweep as filesweep
from hipflask.errors import ConfigurationError
from hipflask.stores.filelock import tomb_path
from hipflask.stores.filesweep import HEADER
from hipflask.stores.filesweep import SweepResult
from hipflask.stores.filesystem import FileSystemStore


def counting_sweeps(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    swept: list[str] = []
    real = filesweep.sweep_directory

    def counted(directory: str) -> SweepResult:
        swept.append(directory)
        return real(directory)

    monkeypatch.setattr(filesweep, "sweep_directory", counted)
    return swept


def finish_sweep(store: FileSystemStore) -> None:
    thread = store._schedule.thread
    if thread is not None:
        thread.join(timeout=30)


def test_writes_start_at_most_one_sweep_per_interval_per_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    swept = counting_sweeps(monkeypatch)
    directory = str(tmp_path / "store")
    first = FileSystemStore(directory, sweep_interval=3600)
    # Another worker process on the same directory: a store of its own.
    second = FileSystemStore(directory, sweep_interval=3600)
    for number in range(200):
        first.set(f"k{number}", b"v", ttl=60)
        second.set(f"k{number}", b"w", ttl=60)
        assert first.compare_and_set(f"k{number}", b"w", b"x") is True
        first.touch(f"k{number}", 60)
    finish_sweep(first)
    finish_sweep(second)
    assert len(swept) == 1

    later = time.time() + 3600
    monkeypatch.setattr(filesweep.time, "time", lambda: later)
    second.set("k", b"v")
    first.set("k", b"v")
    finish_sweep(first)
    finish_sweep(second)
    assert len(swept) == 2


def test_reads_and_deletes_never_start_a_sweep(
    store: FileSystemStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    swept = counting_sweeps(monkeypatch)
    reader = FileSystemStore(store.directory, sweep_interval=60)
    for number in range(50):
        reader.get(f"k{number}")
        reader.delete(f"k{number}")
    assert swept == []


def test_without_an_interval_writes_never_sweep(
    store: FileSystemStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    swept = counting_sweeps(monkeypatch)
    for number in range(50):
        store.set(f"k{number}", b"v")
    assert swept == []
    assert FileSystemStore(store.directory, sweep_interval=0)._schedule.interval is None


def test_a_write_sweeps_expired_entries_in_the_background(tmp_path: Path) -> None:
    store = FileSystemStore(str(tmp_path / "store"), sweep_interval=60)
    path = write_expired(store, "gone")
    store.set("live", b"v", ttl=60)
    finish_sweep(store)
    assert not os.path.exists(path)
    assert store.get("live") == b"v"


def test_claims_of_past_periods_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileSystemStore(str(tmp_path / "store"), sweep_interval=60)
    store.set("k", b"v")
    finish_sweep(store)
    [claim] = [name for name in listing(store) if name.startswith(".sweep-")]
    later = time.time() + 600
    monkeypatch.setattr(filesweep.time, "time", lambda: later)
    store.set("k", b"v")
    finish_sweep(store)
    claims = [name for name in listing(store) if name.startswith(".sweep-")]
    assert claim not in claims
    assert len(claims) == 1


def test_a_failing_background_sweep_is_logged_and_writes_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(directory: str) -> SweepResult:
        raise PermissionError(13, "Permission denied", directory)

    monkeypatch.setattr(filesweep, "sweep_directory", broken)
    store = FileSystemStore(str(tmp_path / "store"), sweep_interval=60)
    with caplog.at_level(logging.ERROR, logger="hipflask.stores.filesweep"):
        store.set("k", b"v")
        finish_sweep(store)
    assert store.get("k") == b"v"
    assert "Sweeping the file store directory" in caplog.text


@pytest.mark.parametrize("interval", [-1, 0.5, float("nan"), float("inf"), "60", True])
def test_a_bad_sweep_interval_is_refused(tmp_path: Path, interval: Any) -> None:
    with pytest.raises(ConfigurationError, match="sweep interval must be a number"):
        FileSystemStore(str(tmp_path / "store"), sweep_interval=interval)


def test_the_write_that_starts_a_sweep_does_not_wait_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = threading.Event()
    release = threading.Event()

    def slow(directory: str) -> SweepResult:
        started.set()
        release.wait(timeout=30)
        return SweepResult()

    monkeypatch.setattr(filesweep, "sweep_directory", slow)
    store = FileSystemStore(str(tmp_path / "store"), sweep_interval=60)
    try:
        store.set("k", b"v")  # returns while the sweep is still running
        assert started.wait(timeout=30)
        assert store._schedule.thread is not None
        assert store._schedule.thread.is_alive()
        store.set("k", b"w")
        assert store.get("k") == b"w"
    finally:
        release.set()
        finish_sweep(store)


def test_a_file_that_cannot_be_examined_does_not_stop_the_sweep(
    store: FileSystemStore, caplog: pytest.LogCaptureFixture
) -> None:
    os.mkdir(os.path.join(store.directory, "b" * 64))
    path = write_expired(store, "k")
    with caplog.at_level(logging.WARNING, logger="hipflask.stores.filesweep"):
        result = store.sweep()
    assert (result.expired, result.failed) == (1, 1)
    assert not os.path.exists(path)
    assert "1 files could not be examined" in caplog.text


def test_a_tomb_of_a_stale_temporary_file_is_removed_later(
    store: FileSystemStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    tomb = tomb_path(os.path.join(store.directory, ".tmp-dead"))
    with open(tomb, "wb") as file:
        file.write(HEADER.pack(0) + b"half a value")
    later = time.time() + 120
    monkeypatch.setattr(filesweep.time, "time", lambda: later)
    assert store.sweep().tombs == 1
    assert listing(store) == set()


def test_claims_with_a_short_interval_are_removed_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileSystemStore(str(tmp_path / "store"), sweep_interval=1.5)
    store.set("k", b"v")
    finish_sweep(store)
    later = time.time() + 10
    monkeypatch.setattr(filesweep.time, "time", lambda: later)
    store.sweep()
    assert [name for name in listing(store) if name.startswith(".sweep-")] == []


def test_a_write_goes_on_when_no_sweep_can_be_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    swept = counting_sweeps(monkeypatch)
    store = FileSystemStore(str(tmp_path / "store"), sweep_interval=60)

    def no_thread(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_thread)
    store.set("k", b"v")
    assert store.get("k") == b"v"
    assert swept == []


def test_a_write_goes_on_when_the_claim_cannot_be_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    swept = counting_sweeps(monkeypatch)
    store = FileSystemStore(str(tmp_path / "store"), sweep_interval=60)
    real_open = os.open

    def refuse_claims(path: str, flags: int, mode: int = 0o777) -> int:
        if os.path.basename(path).startswith(".sweep-"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", refuse_claims)
    store.set("k", b"v")
    assert store.get("k") == b"v"
    assert swept == []


def test_a_cachelib_cache_sharing_the_directory_keeps_its_files(
    store: FileSystemStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cachelib import FileSystemCache

    cache = FileSystemCache(store.directory, threshold=0, default_timeout=0)
    for number in range(300):
        cache.set(f"forever{number}", number)
        cache.set(f"hour{number}", number, timeout=3600)
    write_expired(store, "ours")
    theirs = listing(store) - {os.path.basename(store._path("ours"))}
    # Their names look like entries: SHA-256 in hex.
    assert len(theirs) == 600
    later = time.time() + 7200  # their hour is over too
    monkeypatch.setattr(filesweep.time, "time", lambda: later)
    assert store.sweep().expired == 1
    assert listing(store) == theirs
    monkeypatch.undo()
    assert cache.get("forever299") == 299
    assert cache.get("hour299") == 299


def test_no_background_sweep_starts_while_another_process_still_sweeps(
    tmp_path: Path,
) -> None:
    # A sweep slower than the interval (a huge directory, a short interval)
    # must not be joined by one more from another process every period.
    store = FileSystemStore(str(tmp_path / "store"), sweep_interval=60)
    running = os.path.join(store.directory, ".sweep.lock")
    open(running, "w").close()
    path = write_expired(store, "gone")
    store.set("live", b"v", ttl=60)
    finish_sweep(store)
    assert os.path.exists(path)
    assert os.path.exists(running)


def test_a_background_sweep_left_running_by_a_killed_process_is_taken_over(
    tmp_path: Path,
) -> None:
    store = FileSystemStore(str(tmp_path / "store"), sweep_interval=60)
    running = os.path.join(store.directory, ".sweep.lock")
    open(running, "w").close()
    age(running, 3600)
    path = write_expired(store, "gone")
    store.set("live", b"v", ttl=60)
    finish_sweep(store)
    assert not os.path.exists(path)
    assert not os.path.exists(running)
