"""LocalFileStorage: writes are all or nothing, nothing is replaced unasked, links pointing
out are not listed."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from hipflask.admin.contrib.fileadmin import BaseFileStorage
from hipflask.admin.contrib.fileadmin import LocalFileStorage


class _Broken(io.RawIOBase):
    """A stream that fails half-way, as a cut-off upload does."""

    def __init__(self) -> None:
        self.sent = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        if self.sent:
            raise OSError("connection reset")
        self.sent = True
        buffer[:4] = b"half"
        return 4


def test_save_file_writes_the_whole_upload(tmp_path: Path) -> None:
    storage = LocalFileStorage(tmp_path)

    storage.save_file(str(tmp_path / "a.bin"), FileStorage(io.BytesIO(b"data"), "a.bin"))

    assert (tmp_path / "a.bin").read_bytes() == b"data"
    assert os.listdir(tmp_path) == ["a.bin"]


def test_a_failed_upload_leaves_nothing_behind(tmp_path: Path) -> None:
    storage = LocalFileStorage(tmp_path)

    with pytest.raises(OSError, match="connection reset"):
        storage.save_file(str(tmp_path / "a.bin"), FileStorage(_Broken(), "a.bin"))

    assert os.listdir(tmp_path) == []


def test_save_file_refuses_an_existing_name(tmp_path: Path) -> None:
    (tmp_path / "a.bin").write_bytes(b"old")
    storage = LocalFileStorage(tmp_path)

    with pytest.raises(FileExistsError):
        storage.save_file(str(tmp_path / "a.bin"), FileStorage(io.BytesIO(b"new"), "a.bin"))

    assert (tmp_path / "a.bin").read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.bin"]


def test_write_file_replaces_the_content_at_once(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("old")
    storage = LocalFileStorage(tmp_path)

    assert storage.write_file(str(tmp_path / "a.txt"), "caf\u00e9") == 4
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "caf\u00e9"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_rename_path_refuses_to_replace(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("a")
    (tmp_path / "b").write_text("b")
    storage = LocalFileStorage(tmp_path)

    with pytest.raises(FileExistsError):
        storage.rename_path(str(tmp_path / "a"), str(tmp_path / "b"))
    storage.rename_path(str(tmp_path / "a"), str(tmp_path / "c"))

    assert (tmp_path / "b").read_text() == "b"
    assert (tmp_path / "c").read_text() == "a"


def test_rename_path_cannot_replace_a_name_taken_after_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another admin's rename lands on the name between any check and the
    # rename: the file there must survive.
    (tmp_path / "a").write_text("a")
    (tmp_path / "b").write_text("b, renamed here a moment ago")
    storage = LocalFileStorage(tmp_path)
    monkeypatch.setattr(os.path, "lexists", lambda path: False)

    with pytest.raises(FileExistsError):
        storage.rename_path(str(tmp_path / "a"), str(tmp_path / "b"))

    monkeypatch.undo()
    assert (tmp_path / "b").read_text() == "b, renamed here a moment ago"
    assert (tmp_path / "a").read_text() == "a"


def test_rename_path_moves_links_and_directories(tmp_path: Path) -> None:
    (tmp_path / "target.txt").write_text("t")
    (tmp_path / "link").symlink_to("target.txt")
    (tmp_path / "folder").mkdir()
    storage = LocalFileStorage(tmp_path)

    storage.rename_path(str(tmp_path / "link"), str(tmp_path / "renamed-link"))
    storage.rename_path(str(tmp_path / "folder"), str(tmp_path / "renamed-folder"))

    assert os.readlink(tmp_path / "renamed-link") == "target.txt"
    assert (tmp_path / "renamed-folder").is_dir()
    assert sorted(os.listdir(tmp_path)) == ["renamed-folder", "renamed-link", "target.txt"]
    with pytest.raises(FileExistsError):
        storage.rename_path(str(tmp_path / "renamed-folder"), str(tmp_path / "target.txt"))


def test_get_files_lists_entries_and_leaves_out_links_pointing_out(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    (base / "f.txt").write_text("12345")
    (base / "d").mkdir()
    os.symlink(tmp_path, base / "out")
    os.symlink(base / "missing", base / "dangling")
    os.symlink(base / "f.txt", base / "alias.txt")
    storage = LocalFileStorage(base)

    entries = sorted(storage.get_files("sub", str(base)))

    assert [(name, rel, is_dir) for name, rel, is_dir, _size, _date in entries] == [
        ("alias.txt", "sub/alias.txt", False),
        ("d", "sub/d", True),
        ("f.txt", "sub/f.txt", False),
    ]
    assert entries[2][3] == 5


def test_delete_tree_of_a_link_removes_only_the_link(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "keep").write_text("k")
    os.symlink(tmp_path / "d", tmp_path / "link")
    storage = LocalFileStorage(tmp_path)

    storage.delete_tree(str(tmp_path / "link"))

    assert (tmp_path / "d" / "keep").exists()
    assert not (tmp_path / "link").exists()


def test_a_missing_folder_is_refused_at_startup(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")

    for path in (tmp_path / "missing", tmp_path / "file"):
        with pytest.raises(OSError, match="does not exist or is not a directory"):
            LocalFileStorage(str(path))


def test_base_storage_names_what_a_subclass_must_implement() -> None:
    storage = BaseFileStorage(on_windows=False)

    assert storage.normpath("a/./b/../c") == "a/c"
    with pytest.raises(NotImplementedError, match=r"BaseFileStorage\.get_files"):
        storage.get_files("", "/")
