"""The file manager's edit page and action: size limits, permissions and line ends kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.admin.contrib.fileadmin.files import FilesView
from tests.admin.contrib.fileadmin.files import flashed
from tests.admin.contrib.fileadmin.files import token_from
from tests.admin.contrib.fileadmin.page_actions import upload

from hipflask import Hipflask
from hipflask.admin.contrib.fileadmin import LocalFileStorage
from hipflask.testing.client import HipflaskClient


def test_edit_shows_and_saves_a_text_file(
    client: HipflaskClient, view: FilesView, base: Path
) -> None:
    saved: list[str] = []
    view.on_edit_file = lambda full, path: saved.append(path)  # type: ignore[method-assign]
    page = client.get("/admin/files/edit/?path=notes.txt")
    assert "hello</textarea>" in page.get_data(as_text=True)

    response = client.post(
        "/admin/files/edit/?path=notes.txt",
        data={
            "csrf_token": token_from(client, "/admin/files/edit/?path=notes.txt"),
            "content": "new",
        },
    )

    assert response.status_code == 302
    assert (base / "notes.txt").read_text() == "new"
    assert saved == ["notes.txt"]
    assert not [p for p in base.rglob("*.part")]


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_edit_keeps_the_files_permissions(client: HipflaskClient, base: Path) -> None:
    secret = base / "secret.txt"
    secret.write_text("password=1")
    secret.chmod(0o600)
    url = "/admin/files/edit/?path=secret.txt"

    response = client.post(url, data={"csrf_token": token_from(client, url), "content": "x"})

    assert response.status_code == 302
    assert secret.read_text() == "x"
    assert secret.stat().st_mode & 0o777 == 0o600


def test_a_name_near_the_file_systems_limit_is_uploaded_and_edited(
    client: HipflaskClient, base: Path
) -> None:
    name = "n" * 246 + ".txt"  # 250 bytes; the limit is 255

    response = upload(client, name, b"long")

    assert response.status_code == 302
    assert (base / name).read_bytes() == b"long"
    url = f"/admin/files/edit/?path={name}"
    response = client.post(url, data={"csrf_token": token_from(client, url), "content": "x"})
    assert response.status_code == 302
    assert (base / name).read_text() == "x"


def test_a_file_too_large_to_save_is_not_opened_for_editing(
    app: Hipflask, client: HipflaskClient, base: Path
) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 100_000
    (base / "large.txt").write_text("x\n" * 40_000)  # 80,000 bytes, 120,000 as posted
    (base / "fits.txt").write_text("x" * 99_000 + "\n")

    assert client.get("/admin/files/edit/?path=large.txt").status_code == 302
    assert "large.txt is too large to edit here." in flashed(client)
    url = "/admin/files/edit/?path=fits.txt"
    assert client.get(url).status_code == 200
    content = "y" * 99_000 + "\r\n"  # as the browser posts it back: multipart, CRLF
    data = {"csrf_token": token_from(client, url), "content": content}
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert (base / "fits.txt").read_bytes() == b"y" * 99_000 + b"\n"


def test_a_file_larger_than_the_form_limit_is_refused_without_being_read(
    app: Hipflask, client: HipflaskClient, base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 100_000
    (base / "huge.txt").write_bytes(b"x" * 200_000)
    read: list[str] = []
    original = LocalFileStorage.read_file

    def counting(self: LocalFileStorage, path: str) -> bytes:
        read.append(path)
        return original(self, path)

    monkeypatch.setattr(LocalFileStorage, "read_file", counting)

    assert client.get("/admin/files/edit/?path=huge.txt").status_code == 302
    assert "huge.txt is too large to edit here." in flashed(client)
    assert read == []
    (base / "small.txt").write_bytes(b"small")
    assert client.get("/admin/files/edit/?path=small.txt").status_code == 200
    assert len(read) == 1


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (b"#!/bin/sh\necho hi\n", b"#!/bin/sh\necho bye\n"),
        (b"a\r\nb\r\n", b"#!/bin/sh\r\necho bye\r\n"),
    ],
)
def test_edit_keeps_the_files_line_ends(
    client: HipflaskClient, base: Path, before: bytes, after: bytes
) -> None:
    (base / "run.txt").write_bytes(before)
    url = "/admin/files/edit/?path=run.txt"
    data = {"csrf_token": token_from(client, url), "content": "#!/bin/sh\r\necho bye\r\n"}

    response = client.post(url, data=data, content_type="multipart/form-data")

    assert response.status_code == 302
    assert (base / "run.txt").read_bytes() == after


def test_edit_moves_on_to_the_next_path(client: HipflaskClient, base: Path) -> None:
    url = "/admin/files/edit/?path=notes.txt&path=sub/inner.txt"
    response = client.post(url, data={"csrf_token": token_from(client, url), "content": "x"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/files/edit/?path=sub/inner.txt")


def test_edit_refuses_files_that_are_not_editable(client: HipflaskClient, base: Path) -> None:
    assert client.get("/admin/files/edit/?path=big.bin").status_code == 403
    assert client.get("/admin/files/edit/?path=sub").status_code == 404


def test_edit_of_a_file_that_is_not_utf8_is_flashed(client: HipflaskClient, base: Path) -> None:
    (base / "latin.txt").write_bytes(b"caf\xe9")

    response = client.get("/admin/files/edit/?path=latin.txt")

    assert response.status_code == 302
    assert "Cannot edit latin.txt." in flashed(client)


def test_the_edit_action_opens_the_checked_files(client: HipflaskClient) -> None:
    response = client.post(
        "/admin/files/action/",
        data={
            "csrf_token": token_from(client),
            "action": "edit",
            "rowid": ["notes.txt", "sub/inner.txt"],
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        "/admin/files/edit/?path=notes.txt&path=sub/inner.txt"
    )
