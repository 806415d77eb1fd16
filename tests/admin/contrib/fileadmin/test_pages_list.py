"""The file manager's list page under both protocols: order, sorting, endpoints and odd names."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from tests.admin.contrib.fileadmin.files import FilesView
from tests.admin.contrib.fileadmin.files import flashed
from tests.admin.contrib.fileadmin.files import token_from

from hipflask import Hipflask
from hipflask import url_for
from hipflask.testing.client import HipflaskClient


def names_listed(body: str) -> list[str]:
    return re.findall(
        r'<td class="admin-col-name"><a href="[^"]*">(?:<i[^>]*></i>)?([^<]*)</a>', body
    )


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
