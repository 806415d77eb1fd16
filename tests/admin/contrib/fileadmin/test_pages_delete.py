"""The file manager's delete page and action: hooks, directory trees and the root."""

from __future__ import annotations

from pathlib import Path

from tests.admin.contrib.fileadmin.files import FilesView
from tests.admin.contrib.fileadmin.files import flashed
from tests.admin.contrib.fileadmin.files import token_from
from tests.admin.contrib.fileadmin.files import tree
from tests.admin.contrib.fileadmin.page_actions import delete

from hipflask.testing.client import HipflaskClient


def test_delete_removes_a_file_with_its_hooks(
    client: HipflaskClient, view: FilesView, base: Path
) -> None:
    calls: list[str] = []
    view.before_file_delete = lambda full, path: calls.append(f"before {path}")  # type: ignore[method-assign]
    view.on_file_delete = lambda full, path: calls.append(f"after {path}")  # type: ignore[method-assign]

    response = delete(client, "sub/inner.txt")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/files/b/sub")
    assert not (base / "sub" / "inner.txt").exists()
    assert calls == ["before sub/inner.txt", "after sub/inner.txt"]


def test_a_hook_that_raises_stops_the_delete(
    client: HipflaskClient, view: FilesView, base: Path
) -> None:
    def refuse(full: str, path: str) -> None:
        raise PermissionError("kept by policy")

    view.before_file_delete = refuse  # type: ignore[method-assign]

    delete(client, "notes.txt")

    assert (base / "notes.txt").exists()
    assert "Failed to delete file: kept by policy" in flashed(client)


def test_delete_removes_a_directory_tree_only_with_can_delete_dirs(
    client: HipflaskClient, view: FilesView, base: Path
) -> None:
    view.can_delete_dirs = False
    delete(client, "sub")
    assert (base / "sub" / "inner.txt").exists()
    assert "Directory deletion is disabled." in flashed(client)

    view.can_delete_dirs = True
    delete(client, "sub")
    assert not (base / "sub").exists()


def test_the_folder_itself_cannot_be_deleted(client: HipflaskClient, base: Path) -> None:
    for path in (".", "./", "sub/.."):
        response = delete(client, path)
        assert response.status_code == 404, path
    assert (base / "notes.txt").exists()


def test_the_delete_action_deletes_the_checked_entries(client: HipflaskClient, base: Path) -> None:
    response = client.post(
        "/admin/files/action/",
        data={
            "csrf_token": token_from(client),
            "action": "delete",
            "rowid": ["notes.txt", "sub/inner.txt"],
            "url": "/admin/files/b/sub",
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/files/b/sub")
    assert tree(base) == ["big.bin", "sub"]
