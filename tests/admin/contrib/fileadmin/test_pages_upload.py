"""The file manager's upload page under both protocols: storing, refusing and its hook."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from tests.admin.contrib.fileadmin.files import FilesView
from tests.admin.contrib.fileadmin.files import flashed
from tests.admin.contrib.fileadmin.files import token_from
from tests.admin.contrib.fileadmin.files import tree
from tests.admin.contrib.fileadmin.page_actions import upload

from hipflask import Hipflask
from hipflask.testing.client import HipflaskClient


def test_an_upload_is_stored_and_flashed(client: HipflaskClient, base: Path) -> None:
    response = upload(client, "report.pdf", b"%PDF-1.7", url="/admin/files/upload/sub")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/files/b/sub")
    assert (base / "sub" / "report.pdf").read_bytes() == b"%PDF-1.7"
    assert "Successfully saved file: report.pdf" in flashed(client)
    assert not [p for p in base.rglob("*.part")]


def test_an_upload_flashes_the_name_it_was_stored_under(client: HipflaskClient, base: Path) -> None:
    upload(client, "../../My Report.pdf", b"%PDF-1.7")

    body = flashed(client)
    assert "Successfully saved file: My_Report.pdf" in body
    assert "../" not in body
    assert (base / "My_Report.pdf").exists()


def test_an_upload_works_where_the_file_system_has_no_hard_links(
    client: HipflaskClient, base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: str, dst: str) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)

    stored = upload(client, "report.pdf", b"%PDF-1.7")
    taken = upload(client, "notes.txt", b"overwritten")

    assert stored.status_code == 302
    assert (base / "report.pdf").read_bytes() == b"%PDF-1.7"
    assert taken.status_code == 200
    assert (base / "notes.txt").read_text() == "hello"
    assert not [p for p in base.rglob("*.part")]


def test_an_upload_never_replaces_an_existing_file(client: HipflaskClient, base: Path) -> None:
    response = upload(client, "notes.txt", b"overwritten")

    assert response.status_code == 200
    assert (base / "notes.txt").read_text() == "hello"
    assert "File &#34;notes.txt&#34; already exists." in response.get_data(as_text=True)
    assert not [p for p in base.rglob("*.part")]


def test_an_upload_outside_allowed_extensions_is_refused(
    client: HipflaskClient, view: FilesView, base: Path
) -> None:
    view.allowed_extensions = {"png"}

    response = upload(client, "page.html", b"<script>alert(1)</script>")

    assert response.status_code == 200
    assert "Invalid file type." in response.get_data(as_text=True)
    assert not (base / "page.html").exists()
    assert upload(client, "photo.PNG", b"png").status_code == 302


def test_an_upload_without_a_file_is_a_form_error(client: HipflaskClient, base: Path) -> None:
    before = tree(base)
    response = client.post("/admin/files/upload/", data={"csrf_token": token_from(client)})

    assert response.status_code == 200
    assert "File required." in response.get_data(as_text=True)
    assert tree(base) == before


def test_an_upload_larger_than_the_body_limit_is_413_and_writes_nothing(
    app: Hipflask, client: HipflaskClient, base: Path
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 2000
    before = tree(base)

    response = upload(client, "large.bin", b"y" * 10_000)

    assert response.status_code == 413
    assert tree(base) == before


def test_an_upload_calls_on_file_upload(
    client: HipflaskClient, view: FilesView, base: Path
) -> None:
    calls: list[tuple[str, str, str]] = []
    view.on_file_upload = lambda directory, path, filename: calls.append(  # type: ignore[method-assign]
        (directory, path, filename)
    )

    upload(client, "a.txt", b"a", url="/admin/files/upload/sub")

    assert calls == [(str(base / "sub"), "sub", str(base / "sub" / "a.txt"))]


def test_an_upload_the_disk_refuses_is_flashed_without_a_path(
    client: HipflaskClient, base: Path, tmp_path: Path
) -> None:
    response = upload(client, "a" * 300 + ".txt", b"x")

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Failed to save file: File name too long" in body
    assert str(tmp_path) not in body
    assert tree(base) == ["big.bin", "notes.txt", "sub", "sub/inner.txt"]


def test_an_upload_goes_through_an_overridden_save_file(
    client: HipflaskClient, view: FilesView, base: Path
) -> None:
    saved: list[str] = []
    view.save_file = lambda path, data: saved.append(path)  # type: ignore[method-assign]

    upload(client, "a.txt", b"a")

    assert saved == [str(base / "a.txt")]
    assert not (base / "a.txt").exists()
