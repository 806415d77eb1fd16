"""The file manager's mkdir page: plain names only, existing names flashed."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.admin.contrib.fileadmin.files import FilesView
from tests.admin.contrib.fileadmin.files import flashed
from tests.admin.contrib.fileadmin.files import tree
from tests.admin.contrib.fileadmin.page_actions import mkdir

from hipflask.testing.client import HipflaskClient


def test_mkdir_creates_a_directory_and_calls_on_mkdir(
    client: HipflaskClient, view: FilesView, base: Path
) -> None:
    calls: list[tuple[str, str]] = []
    view.on_mkdir = lambda parent, name: calls.append((parent, name))  # type: ignore[method-assign]

    response = mkdir(client, "photos", url="/admin/files/mkdir/sub")

    assert response.status_code == 302
    assert (base / "sub" / "photos").is_dir()
    assert calls == [(str(base / "sub"), "photos")]
    assert "Successfully created directory: photos" in flashed(client)


def test_mkdir_of_an_existing_name_is_flashed_without_a_path(
    client: HipflaskClient, base: Path, tmp_path: Path
) -> None:
    response = mkdir(client, "sub")

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Failed to create directory: File exists" in body
    assert str(tmp_path) not in body


@pytest.mark.parametrize("name", ["", ".hidden", "a/b", "a\\b", "CON", "nul.txt", "a\x00b"])
def test_mkdir_refuses_names_that_are_not_plain_names(
    client: HipflaskClient, base: Path, name: str
) -> None:
    before = tree(base)

    response = mkdir(client, name)

    assert response.status_code == 200
    assert tree(base) == before
