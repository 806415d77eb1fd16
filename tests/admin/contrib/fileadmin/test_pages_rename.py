"""The file manager's rename page: never replaces a file, keeps the upload rules."""

from __future__ import annotations

from pathlib import Path

from tests.admin.contrib.fileadmin.files import FilesView
from tests.admin.contrib.fileadmin.files import flashed
from tests.admin.contrib.fileadmin.page_actions import rename

from hipflask.testing.client import HipflaskClient


def test_the_rename_page_offers_the_current_name(client: HipflaskClient) -> None:
    body = client.get("/admin/files/rename/?path=sub/inner.txt").get_data(as_text=True)

    assert 'value="inner.txt"' in body
    assert 'value="sub/inner.txt"' in body


def test_rename_renames_and_calls_on_rename(
    client: HipflaskClient, view: FilesView, base: Path
) -> None:
    calls: list[tuple[str, str, str]] = []
    view.on_rename = lambda full, dir_base, name: calls.append((full, dir_base, name))  # type: ignore[method-assign]

    response = rename(client, "sub/inner.txt", "renamed.txt")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/files/b/sub")
    assert (base / "sub" / "renamed.txt").read_text() == "inner"
    assert calls == [(str(base / "sub" / "inner.txt"), str(base / "sub"), "renamed.txt")]


def test_rename_never_replaces_an_existing_file(client: HipflaskClient, base: Path) -> None:
    rename(client, "notes.txt", "big.bin")

    assert (base / "notes.txt").read_text() == "hello"
    assert (base / "big.bin").read_bytes() == b"x" * 50_000
    assert "Failed to rename" in flashed(client)


def test_rename_refuses_an_extension_uploads_may_not_have(
    client: HipflaskClient, view: FilesView, base: Path
) -> None:
    view.allowed_extensions = {"txt"}

    rename(client, "notes.txt", "notes.html")

    assert (base / "notes.txt").exists()
    assert not (base / "notes.html").exists()


def test_rename_without_a_path_goes_back_to_the_list(client: HipflaskClient) -> None:
    response = client.get("/admin/files/rename/")

    assert response.status_code == 302
