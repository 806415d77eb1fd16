"""The file manager's pages under both protocols: list, upload, download, mkdir,
rename, edit, delete and bulk actions, with the flags and hooks that govern them."""

from __future__ import annotations

import errno
import io
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from tests.admin.contrib.fileadmin.files import FilesView
from tests.admin.contrib.fileadmin.files import flashed
from tests.admin.contrib.fileadmin.files import token_from
from tests.admin.contrib.fileadmin.files import tree

from hipflask import Hipflask
from hipflask import url_for
from hipflask.admin.contrib.fileadmin import LocalFileStorage
from hipflask.testing.client import HipflaskClient


def names_listed(body: str) -> list[str]:
    return re.findall(
        r'<td class="admin-col-name"><a href="[^"]*">(?:<i[^>]*></i>)?([^<]*)</a>', body
    )


# -- list ------------------------------------------------------------------------------


def test_the_list_shows_directories_first_then_files_by_name(client: HipflaskClient) -> None:
    response = client.get("/admin/files/")

    assert response.status_code == 200
    assert names_listed(response.get_data(as_text=True)) == ["sub", "big.bin", "notes.txt"]


def test_a_sub_directory_lists_its_entries_under_a_parent_link(client: HipflaskClient) -> None:
    body = client.get("/admin/files/b/sub").get_data(as_text=True)

    assert names_listed(body) == ["..", "inner.txt"]
    assert 'href="/admin/files/edit/?path=sub/inner.txt"' in body


def test_sorting_by_size_descending_and_bad_sort_arguments(client: HipflaskClient) -> None:
    by_size = client.get("/admin/files/?sort=size&desc=1").get_data(as_text=True)
    assert names_listed(by_size)[0] == "big.bin"

    for query in ("sort=nope", "sort=size&desc=abc", "sort=rel_path"):
        response = client.get(f"/admin/files/?{query}")
        assert response.status_code == 200, query

    unknown = client.get("/admin/files/?sort=nope").get_data(as_text=True)
    assert names_listed(unknown) == ["sub", "big.bin", "notes.txt"]


def test_a_file_is_not_a_directory_to_list(client: HipflaskClient) -> None:
    assert client.get("/admin/files/b/notes.txt").status_code == 404
    assert client.get("/admin/files/b/missing").status_code == 404


def test_endpoints_have_flask_admins_names(app: Hipflask) -> None:
    with app.test_request_context():
        assert url_for("files.index_view", path="sub") == "/admin/files/b/sub"
        assert url_for("files.upload", path="sub") == "/admin/files/upload/sub"
        assert url_for("files.download", path="a.txt") == "/admin/files/download/a.txt"
        assert url_for("files.mkdir") == "/admin/files/mkdir/"
        assert url_for("files.delete") == "/admin/files/delete/"
        assert url_for("files.rename", path="a") == "/admin/files/rename/?path=a"
        assert url_for("files.edit", path="a") == "/admin/files/edit/?path=a"
        assert url_for("files.action_view") == "/admin/files/action/"


# -- upload ------------------------------------------------------------------------------


def upload(
    client: HipflaskClient, name: str, data: bytes, url: str = "/admin/files/upload/"
) -> Any:
    return client.post(
        url,
        data={"csrf_token": token_from(client), "upload": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


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


# -- download -----------------------------------------------------------------------------


def test_a_download_is_an_attachment_never_a_page(client: HipflaskClient, base: Path) -> None:
    (base / "page.html").write_text("<script>alert(document.cookie)</script>")

    response = client.get("/admin/files/download/page.html")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_data(as_text=True) == "<script>alert(document.cookie)</script>"


def test_a_directory_is_not_downloaded(client: HipflaskClient) -> None:
    assert client.get("/admin/files/download/sub").status_code == 404


def test_with_base_url_a_download_redirects_there(client: HipflaskClient, view: FilesView) -> None:
    view.base_url = "/static/files/"

    response = client.get("/admin/files/download/sub/inner.txt")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/static/files/sub/inner.txt")


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("https://cdn.example.com/files/", "https://cdn.example.com/files/a%20b%231.txt"),
        ("https://cdn.example.com/files", "https://cdn.example.com/files/a%20b%231.txt"),
        ("/static", "/static/a%20b%231.txt"),
        ("static/", "/admin/files/static/a%20b%231.txt"),
    ],
)
def test_with_base_url_the_redirect_escapes_only_the_files_path(
    client: HipflaskClient, view: FilesView, base: Path, base_url: str, expected: str
) -> None:
    (base / "a b#1.txt").write_text("x")
    view.base_url = base_url

    response = client.get("/admin/files/download/a%20b%231.txt")

    assert response.status_code == 302
    assert response.headers["Location"] == expected


# -- mkdir ---------------------------------------------------------------------------------


def mkdir(client: HipflaskClient, name: str, url: str = "/admin/files/mkdir/") -> Any:
    return client.post(url, data={"csrf_token": token_from(client), "name": name})


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


# -- rename -------------------------------------------------------------------------------


def rename(client: HipflaskClient, path: str, name: str) -> Any:
    token = token_from(client, f"/admin/files/rename/?path={path}")
    return client.post(
        "/admin/files/rename/", data={"csrf_token": token, "path": path, "name": name}
    )


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


# -- edit ---------------------------------------------------------------------------------


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


# -- delete -------------------------------------------------------------------------------


def delete(client: HipflaskClient, path: str) -> Any:
    return client.post(
        "/admin/files/delete/", data={"csrf_token": token_from(client), "path": path}
    )


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


# -- bulk actions -------------------------------------------------------------------------


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


# -- hostile folder contents ----------------------------------------------------------------


def test_a_file_name_carrying_markup_is_shown_as_text(client: HipflaskClient, base: Path) -> None:
    (base / '"><img src=x onerror=alert(1)>.txt').write_text("x")

    body = client.get("/admin/files/").get_data(as_text=True)

    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in body


def test_a_name_that_is_not_utf8_is_left_out_of_the_list(
    client: HipflaskClient, base: Path
) -> None:
    try:
        (base / os.fsdecode(b"caf\xe9.txt")).write_text("latin-1")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system only takes UTF-8 names")

    response = client.get("/admin/files/")

    assert response.status_code == 200
    assert names_listed(response.get_data(as_text=True)) == ["sub", "big.bin", "notes.txt"]


@pytest.mark.skipif(os.name == "nt", reason="a backslash is a separator on Windows")
def test_a_name_no_request_can_name_is_left_out_of_the_list(
    client: HipflaskClient, base: Path
) -> None:
    (base / "back\\slash.txt").write_text("x")
    assert client.get("/admin/files/download/back%5Cslash.txt").status_code == 404

    response = client.get("/admin/files/")

    assert names_listed(response.get_data(as_text=True)) == ["sub", "big.bin", "notes.txt"]


def test_a_named_pipe_is_neither_downloaded_nor_edited(client: HipflaskClient, base: Path) -> None:
    os.mkfifo(base / "pipe.txt")

    assert client.get("/admin/files/download/pipe.txt").status_code == 404
    assert client.get("/admin/files/edit/?path=pipe.txt").status_code == 302
    assert "Error reading pipe.txt." in flashed(client)

    url = "/admin/files/edit/?path=pipe.txt"
    response = client.post(url, data={"csrf_token": token_from(client), "content": "x"})

    assert response.status_code == 200
    assert "Error saving changes to pipe.txt." in response.get_data(as_text=True)
    assert stat.S_ISFIFO((base / "pipe.txt").lstat().st_mode)


def test_an_unreadable_directory_is_flashed_not_a_500(
    client: HipflaskClient, view: FilesView, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: str, directory: str) -> Any:
        raise PermissionError(13, "Permission denied", directory)

    monkeypatch.setattr(view.storage, "get_files", refuse)

    response = client.get("/admin/files/b/sub")

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Failed to read directory: Permission denied" in body
    assert "/files/sub" not in body


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
