"""File changes kept or undone with their record (the model views' side is in test_upload)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from hipflask.admin.form.file_changes import files_saved
from hipflask.admin.form.file_changes import open_changes
from hipflask.admin.form.file_changes import saving_files


def _replace(path: Path, text: str) -> None:
    """Write ``path`` anew, as the upload fields do: a new file moved over the old name."""
    temp = path.with_name(path.name + ".part")
    temp.write_text(text)
    os.replace(temp, path)


def test_outside_a_save_there_is_nothing_to_record_into() -> None:
    assert open_changes() is None
    files_saved()  # a backend may call it from a form of the app's own: no effect


def test_an_error_in_the_save_undoes_the_writes_and_goes_on(tmp_path: Path) -> None:
    old = tmp_path / "kept.txt"
    old.write_text("old")
    new = tmp_path / "new.txt"

    with pytest.raises(RuntimeError, match="commit failed"), saving_files() as changes:
        changes.keep_for_undo(str(old))
        _replace(old, "overwritten")
        new.write_text("new")
        changes.created(str(new))
        changes.delete_later(str(old))
        raise RuntimeError("commit failed")

    assert old.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt"]


def test_a_step_that_fails_is_logged_and_the_others_still_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stuck = tmp_path / "a-folder"  # removing a folder as a file fails, even as root
    stuck.mkdir()
    created = tmp_path / "created.txt"
    created.write_text("x")

    with caplog.at_level(logging.ERROR, logger="hipflask.admin"), saving_files() as changes:
        changes.created(str(created))
        changes.created(str(stuck))

    assert not created.exists()
    assert stuck.is_dir()
    assert "Could not settle an uploaded file" in caplog.text


def test_a_saved_record_keeps_new_files_and_drops_old_ones(tmp_path: Path) -> None:
    doomed = tmp_path / "doomed.txt"
    doomed.write_text("old")
    same = tmp_path / "same.txt"
    same.write_text("old")

    with saving_files() as changes:
        changes.keep_for_undo(str(same))
        _replace(same, "new")
        changes.delete_later(str(doomed))
        files_saved()

    assert same.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.txt"]  # no hidden copy


def test_a_saved_record_keeps_a_file_it_wrote_under_a_name_it_also_deletes(
    tmp_path: Path,
) -> None:
    # Two upload fields of one record: one uploads a.png over the name the
    # other's old file had, and the other then lets its old a.png go.
    shared = tmp_path / "a.png"
    shared.write_text("old")
    upload = tmp_path / ".upload.part"
    upload.write_text("new")

    with saving_files() as changes:
        changes.keep_for_undo(str(shared), str(upload))
        os.replace(upload, shared)
        changes.delete_later(str(shared))
        files_saved()

    assert shared.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]


def test_a_name_two_fields_wrote_in_one_refused_save_is_left_as_it_was(tmp_path: Path) -> None:
    # The first write created the name, the second wrote over it: undone in
    # the order they happened, the first field's file would come back.
    shared = tmp_path / "photo.png"

    with saving_files() as changes:
        first = tmp_path / "first.part"
        first.write_text("first field")
        changes.keep_for_undo(str(shared), str(first))
        os.replace(first, shared)
        second = tmp_path / "second.part"
        second.write_text("second field")
        changes.keep_for_undo(str(shared), str(second))
        os.replace(second, shared)

    assert list(tmp_path.iterdir()) == []


def test_a_name_written_twice_over_an_old_file_gets_the_old_file_back(tmp_path: Path) -> None:
    shared = tmp_path / "photo.png"
    shared.write_text("old")

    with saving_files() as changes:
        for text in ("first field", "second field"):
            temp = tmp_path / "new.part"
            temp.write_text(text)
            changes.keep_for_undo(str(shared), str(temp))
            os.replace(temp, shared)

    assert shared.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["photo.png"]


def test_a_file_written_anew_under_a_freed_inode_number_is_not_taken_for_this_saves(
    tmp_path: Path,
) -> None:
    # Meanwhile another save wrote over this save's new file (freeing its
    # inode) and a third wrote the name anew: file systems such as ext4 give
    # the freed inode number to the next new file, and the third save's file
    # then looks like this save's own.
    shared = tmp_path / "photo.png"

    with saving_files() as changes:
        shared.write_text("this save")
        changes.created(str(shared))
        _replace(shared, "another save")
        _replace(shared, "a third save")

    assert shared.read_text() == "a third save"
