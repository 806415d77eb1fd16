"""What the file store sweep tests share: a store in a temporary folder and aged entries."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from hipflask.stores.filesweep import HEADER
from hipflask.stores.filesystem import FileSystemStore


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
