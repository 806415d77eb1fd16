"""Fixtures of the file manager suite: a folder to manage, a secret outside it, the admin."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.admin.contrib.fileadmin.files import FilesView

from hipflask import Hipflask
from hipflask.admin import Admin


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the managed one, with a file an attacker wants."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text("top secret")
    return folder


@pytest.fixture
def base(tmp_path: Path, outside: Path) -> Path:
    """The managed folder: two files and a sub-directory with one file."""
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello")
    (folder / "big.bin").write_bytes(b"x" * 50_000)
    (folder / "sub").mkdir()
    (folder / "sub" / "inner.txt").write_text("inner")
    return folder


@pytest.fixture
def view(base: Path) -> FilesView:
    return FilesView(str(base), name="Files", endpoint="files")


@pytest.fixture
def app(app: Hipflask, view: FilesView) -> Hipflask:
    Admin(app, name="Test").add_view(view)
    return app
