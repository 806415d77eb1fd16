"""Sweeps racing writers, interleaved on purpose and in real processes: no live entry is lost."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.stores.sweep_files import listing
from tests.stores.sweep_files import store as store
from tests.stores.sweep_files import write_expired

import hipflask.stores.filesweep as filesweep
from hipflask.stores.filesystem import FileSystemStore


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
