"""The file store's sweep: what it removes, what it must never remove, and when it runs."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import hipflask.stores.filesweep as filesweep
import hipflask.stores.filesystem as filesystem
from hipflask.errors import ConfigurationError
from hipflask.stores.filelock import TOMB_PREFIX
from hipflask.stores.filelock import tomb_path
from hipflask.stores.filesweep import HEADER
from hipflask.stores.filesweep import TEMP_PREFIX
from hipflask.stores.filesweep import SweepResult
from hipflask.stores.filesystem import FileSystemStore

PAST = 1_000  # an expiry in 1970, before any file here was written


@pytest.fixture
def store(tmp_path: Path) -> FileSystemStore:
    return FileSystemStore(str(tmp_path / "store"), sweep_interval=None)


def write_expired(store: FileSystemStore, key: str, value: bytes = b"old") -> str:
    """An entry written an hour ago with a lifetime that ended a minute ago."""
    path = store._path(key)
    with open(path, "wb") as file:
        file.write(HEADER.pack(int((time.time() - 60) * 1000)) + value)
    age(path, 3600)
    return path


def age(path: str, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def listing(store: FileSystemStore) -> set[str]:
    return set(os.listdir(store.directory))


# -- what a sweep removes ------------------------------------------------------


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


# -- the race with writers, interleaved on purpose -------------------------------


def test_a_renewal_before_the_sweep_takes_the_lock_is_kept(
    store: FileSystemStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_expired(store, "k")
    real_take_lock = filesweep.take_lock

    def renew_first(path: str, *, wait: bool = True) -> int | None:
        # The sweep has read "expired"; the owner renews the entry now.
        store.set("k", b"renewed", ttl=60)
        return real_take_lock(path, wait=wait)

    monkeypatch.setattr(filesweep, "take_lock", renew_first)
    renames = count_calls(monkeypatch, os, "rename")
    assert store.sweep().expired == 0
    assert store.get("k") == b"renewed"
    assert renames() == 0  # the entry was never moved: no reader missed it


def test_a_write_without_the_lock_before_the_rename_is_put_back(
    store: FileSystemStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_expired(store, "k")
    real_rename = os.rename

    def write_then_rename(source: str, target: str) -> None:
        if source == path:
            # A writer whose lock was broken as stale replaces the entry
            # between the sweep's check and its rename.
            store._write(path, b"fresh", int(time.time() * 1000) + 60_000)
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", write_then_rename)
    assert store.sweep().expired == 0
    assert store.get("k") == b"fresh"
    assert listing(store) == {os.path.basename(path)}


def test_a_write_landing_while_the_entry_is_moved_away_wins(
    store: FileSystemStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_expired(store, "k")
    real_rename = os.rename

    def interleave(source: str, target: str) -> None:
        if source == path:
            store._write(path, b"fresh", int(time.time() * 1000) + 60_000)
            real_rename(source, target)
            # Moved away; a newer write lands before the sweep puts it back.
            store._write(path, b"newest", int(time.time() * 1000) + 60_000)
            return
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", interleave)
    store.sweep()
    assert store.get("k") == b"newest"
    assert listing(store) == {os.path.basename(path)}


def test_an_entry_being_written_is_left_for_the_next_sweep(store: FileSystemStore) -> None:
    path = write_expired(store, "k")
    open(path + ".lock", "w").close()
    assert store.sweep().expired == 0
    assert os.path.exists(path)
    os.unlink(path + ".lock")
    assert store.sweep().expired == 1


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> Callable[[], int]:
    real = getattr(owner, name)
    calls = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return lambda: len(calls)


# -- the race with writers, in real processes -----------------------------------


def renew(directory: str, worker: int, seconds: float, results: Any) -> None:
    """Let this worker's keys expire and renew them, checking each renewal."""
    store = FileSystemStore(directory, sweep_interval=None)
    lost = renewals = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for number in range(20):
            key = f"{worker}:{number}"
            store.set(key, b"dying", ttl=0.001)
            # Expired now: renew it at some point of the sweeps' work on it.
            time.sleep(0.001 + (renewals % 5) * 0.0005)
            value = f"{worker}:{number}:{renewals}".encode()
            store.set(key, value, ttl=60)
            renewals += 1
            # Read twice: at once, and once a sweep that read "expired"
            # before the renewal has had time to act on it.
            if store.get(key) != value:
                lost += 1
            time.sleep(0.0005)
            if store.get(key) != value:
                lost += 1
    final = {f"{worker}:{n}": store.get(f"{worker}:{n}") for n in range(20)}
    results.put(("renewer", lost, renewals, sum(v is None for v in final.values())))


def sweep_repeatedly(directory: str, seconds: float, results: Any) -> None:
    store = FileSystemStore(directory, sweep_interval=None)
    removed = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        removed += store.sweep().expired
    results.put(("sweeper", removed, 0, 0))


def test_no_renewed_entry_is_lost_to_sweeps_in_other_processes(tmp_path: Path) -> None:
    directory = str(tmp_path / "store")
    os.makedirs(directory)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [
        context.Process(target=renew, args=(directory, 0, 3.0, results)),
        context.Process(target=renew, args=(directory, 1, 3.0, results)),
        context.Process(target=sweep_repeatedly, args=(directory, 3.0, results)),
        context.Process(target=sweep_repeatedly, args=(directory, 3.0, results)),
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    renewers = [report for report in reports if report[0] == "renewer"]
    sweepers = [report for report in reports if report[0] == "sweeper"]
    assert [lost for _, lost, _, _ in renewers] == [0, 0]
    assert [missing for _, _, _, missing in renewers] == [0, 0]
    assert all(renewals > 20 for _, _, renewals, _ in renewers)
    # The sweeps did remove expired entries while the renewals ran.
    assert sum(removed for _, removed, _, _ in sweepers) > 0


# -- when sweeps run -----------------------------------------------------------


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


# -- files planted in the directory ---------------------------------------------


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


# -- one background sweep at a time --------------------------------------------


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


# -- a directory that goes away ------------------------------------------------


def _run_in_thread(store: FileSystemStore, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Run one background sweep in its thread; the errors that escaped it."""
    escaped: list[Any] = []
    monkeypatch.setattr(threading, "excepthook", escaped.append)
    thread = threading.Thread(target=store._schedule._run)
    thread.start()
    thread.join(timeout=30)
    return [args.exc_value for args in escaped]


def _replace_with_a_file(directory: str) -> None:
    for name in os.listdir(directory):
        os.unlink(os.path.join(directory, name))
    os.rmdir(directory)
    with open(directory, "wb") as file:
        file.write(b"not a directory")


def _restore(directory: str) -> None:
    if os.path.isfile(directory):
        os.unlink(directory)
    os.makedirs(directory, mode=0o700, exist_ok=True)


@pytest.mark.parametrize("gone", ["missing", "a file"])
def test_a_background_sweep_of_a_directory_gone_is_logged_and_the_next_one_sweeps(
    tmp_path: Path, gone: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store = FileSystemStore(str(tmp_path / "store"), sweep_interval=60)
    if gone == "missing":
        os.rmdir(store.directory)
    else:
        _replace_with_a_file(store.directory)
    with caplog.at_level(logging.WARNING, logger="hipflask.stores.filesweep"):
        assert _run_in_thread(store, monkeypatch) == []
    [record] = [r for r in caplog.records if r.name == "hipflask.stores.filesweep"]
    assert record.levelname == "WARNING"
    assert store.directory in record.getMessage()
    assert record.exc_info is None
    # Back again (restored by its operator): the next sweep works.
    _restore(store.directory)
    path = write_expired(store, "gone")
    assert _run_in_thread(store, monkeypatch) == []
    assert not os.path.exists(path)


@pytest.mark.parametrize("gone", ["missing", "a file"])
def test_a_directory_vanishing_mid_sweep_is_logged_and_the_next_sweep_runs(
    tmp_path: Path, gone: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store = FileSystemStore(str(tmp_path / "store"), sweep_interval=60)
    for key in ("a", "b", "c"):
        write_expired(store, key)
    sweep_one = filesweep._sweep_one
    vanished: list[str] = []

    def vanishing(directory: str, *args: Any) -> None:
        if not vanished:
            vanished.append(directory)
            if gone == "missing":
                for name in os.listdir(directory):
                    os.unlink(os.path.join(directory, name))
                os.rmdir(directory)
            else:
                _replace_with_a_file(directory)
        sweep_one(directory, *args)

    monkeypatch.setattr(filesweep, "_sweep_one", vanishing)
    with caplog.at_level(logging.WARNING, logger="hipflask.stores.filesweep"):
        assert _run_in_thread(store, monkeypatch) == []
    assert vanished
    records = [r for r in caplog.records if r.name == "hipflask.stores.filesweep"]
    if gone == "a file":
        assert records, "a directory replaced by a file is worth a warning"
    assert all(r.levelname == "WARNING" and r.exc_info is None for r in records)
    monkeypatch.setattr(filesweep, "_sweep_one", sweep_one)
    _restore(store.directory)
    path = write_expired(store, "later")
    assert _run_in_thread(store, monkeypatch) == []
    assert not os.path.exists(path)
    assert not os.path.exists(os.path.join(store.directory, ".sweep.lock"))


def test_a_manual_sweep_of_a_directory_gone_says_so(
    store: FileSystemStore, caplog: pytest.LogCaptureFixture
) -> None:
    os.rmdir(store.directory)
    with caplog.at_level(logging.WARNING, logger="hipflask.stores.filesweep"):
        result = store.sweep()
    assert result.incomplete
    assert store.directory in caplog.text
