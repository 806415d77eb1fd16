"""A store folder that goes away during or between sweeps: logged, and the next sweep runs."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from tests.stores.sweep_files import store as store
from tests.stores.sweep_files import write_expired

import hipflask.stores.filesweep as filesweep
from hipflask.stores.filesystem import FileSystemStore


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
