"""Who may do what: is_accessible, is_accessible_path, the can_* flags and the CSRF
token, checked on every request (not only by hiding buttons), under both protocols."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.admin.contrib.fileadmin.files import FilesView
from tests.admin.contrib.fileadmin.files import token_from

from hipflask.admin.contrib.fileadmin import BaseFileAdmin
from hipflask.admin.contrib.fileadmin import FileAdmin
from hipflask.admin.contrib.fileadmin import LocalFileStorage
from hipflask.testing.client import HipflaskClient


def every_request(client: HipflaskClient, token: str) -> dict[str, Callable[[], Any]]:
    """One request to each page, each as it would succeed if allowed; call one to send it."""
    return {
        "list": lambda: client.get("/admin/files/"),
        "list sub": lambda: client.get("/admin/files/b/sub"),
        "upload": lambda: client.post(
            "/admin/files/upload/",
            data={"csrf_token": token, "upload": (io.BytesIO(b"n"), "new.txt")},
            content_type="multipart/form-data",
        ),
        "download": lambda: client.get("/admin/files/download/notes.txt"),
        "mkdir": lambda: client.post(
            "/admin/files/mkdir/", data={"csrf_token": token, "name": "d"}
        ),
        "rename": lambda: client.post(
            "/admin/files/rename/",
            data={"csrf_token": token, "path": "notes.txt", "name": "n.txt"},
        ),
        "edit": lambda: client.post(
            "/admin/files/edit/?path=notes.txt", data={"csrf_token": token, "content": "x"}
        ),
        "delete": lambda: client.post(
            "/admin/files/delete/", data={"csrf_token": token, "path": "big.bin"}
        ),
        "action": lambda: client.post(
            "/admin/files/action/",
            data={"csrf_token": token, "action": "delete", "rowid": "sub/inner.txt"},
        ),
    }


def contents(base: Path) -> dict[str, bytes | None]:
    """Every path under ``base`` with a file's bytes: what a refused request must not change."""
    return {
        str(p.relative_to(base)): p.read_bytes() if p.is_file() else None
        for p in sorted(base.rglob("*"))
    }


def test_an_inaccessible_view_refuses_every_page(
    client: HipflaskClient, view: FilesView, base: Path
) -> None:
    token = token_from(client)
    before = contents(base)
    view.is_accessible = lambda: False  # type: ignore[method-assign]

    statuses = {name: send().status_code for name, send in every_request(client, token).items()}

    assert statuses == dict.fromkeys(statuses, 403)
    assert contents(base) == before


def test_is_accessible_path_hides_and_refuses_a_path(
    client: HipflaskClient, view: FilesView, base: Path
) -> None:
    token = token_from(client)
    view.is_accessible_path = lambda path: not path.startswith("sub")  # type: ignore[method-assign]

    listing = client.get("/admin/files/").get_data(as_text=True)
    refused = [
        client.get("/admin/files/b/sub"),
        client.get("/admin/files/download/sub/inner.txt"),
        client.get("/admin/files/edit/?path=sub/inner.txt"),
        client.get("/admin/files/rename/?path=sub/inner.txt"),
        client.post("/admin/files/mkdir/sub", data={"csrf_token": token, "name": "d"}),
        client.post("/admin/files/delete/", data={"csrf_token": token, "path": "sub/inner.txt"}),
        client.post(
            "/admin/files/action/",
            data={"csrf_token": token, "action": "delete", "rowid": "sub"},
        ),
    ]

    into_refused = [
        client.post(
            "/admin/files/upload/",
            data={"csrf_token": token, "upload": (io.BytesIO(b"n"), "subfile.txt")},
            content_type="multipart/form-data",
        ),
        client.post("/admin/files/mkdir/", data={"csrf_token": token, "name": "subdir"}),
        client.post(
            "/admin/files/rename/",
            data={"csrf_token": token, "path": "notes.txt", "name": "subway.txt"},
        ),
    ]

    assert [r.status_code for r in into_refused] == [403] * len(into_refused)
    assert sorted(p.name for p in base.iterdir()) == ["big.bin", "notes.txt", "sub"]
    assert 'href="/admin/files/b/sub"' not in listing
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert "is_accessible_path" in refused[0].get_data(as_text=True)
    assert (base / "sub" / "inner.txt").read_text() == "inner"
    assert client.get("/admin/files/download/notes.txt").status_code == 200


def test_a_link_inside_the_folder_does_not_get_round_is_accessible_path(
    client: HipflaskClient, view: FilesView, base: Path
) -> None:
    os.symlink(base / "sub", base / "shared")
    view.is_accessible_path = lambda path: not path.startswith("sub")  # type: ignore[method-assign]

    listing = client.get("/admin/files/").get_data(as_text=True)

    assert "shared" not in listing
    assert client.get("/admin/files/b/shared").status_code == 403
    assert client.get("/admin/files/download/shared/inner.txt").status_code == 403
    assert client.get("/admin/files/edit/?path=shared/inner.txt").status_code == 403
    assert client.get("/admin/files/download/notes.txt").status_code == 200


@pytest.mark.parametrize(
    ("flag", "page", "status"),
    [
        ("can_upload", "upload", 403),
        ("can_download", "download", 404),
        ("can_mkdir", "mkdir", 403),
        ("can_rename", "rename", 403),
        ("can_delete", "delete", 403),
        ("can_delete", "action", 403),
    ],
)
def test_a_disabled_action_is_refused_not_only_hidden(
    client: HipflaskClient, view: FilesView, base: Path, flag: str, page: str, status: int
) -> None:
    token = token_from(client)
    before = contents(base)
    setattr(view, flag, False)

    response = every_request(client, token)[page]()

    assert response.status_code == status
    if status == 403:
        assert "is turned off on its view" in response.get_data(as_text=True)
    assert contents(base) == before


def test_disabled_actions_have_no_buttons(client: HipflaskClient, view: FilesView) -> None:
    for flag in ("can_upload", "can_mkdir", "can_rename", "can_delete"):
        setattr(view, flag, False)
    view.editable_extensions = ()  # no edit action either: no actions form at all

    body = client.get("/admin/files/").get_data(as_text=True)

    for url in ("/upload/", "/mkdir/", "/rename/", "/delete/", "/action/"):
        assert f"/admin/files{url}" not in body, url


def test_every_change_needs_the_csrf_token(client: HipflaskClient, base: Path) -> None:
    before = contents(base)
    token_from(client)  # a session with a real token exists; the posts carry another
    requests = every_request(client, token="forged")

    for name in ("upload", "mkdir", "rename", "edit", "delete", "action"):
        # Refused as a model view refuses it: the form again, or back to the list.
        assert requests[name]().status_code in (200, 302), name
    assert contents(base) == before


def test_a_cross_site_post_is_refused_with_403(client: HipflaskClient, base: Path) -> None:
    token = token_from(client)

    response = client.post(
        "/admin/files/delete/",
        data={"csrf_token": token, "path": "notes.txt"},
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test"},
    )

    assert response.status_code == 403
    assert (base / "notes.txt").exists()


@pytest.mark.parametrize("page", ["delete", "action"])
def test_state_changes_are_post_only(client: HipflaskClient, base: Path, page: str) -> None:
    response = client.get(f"/admin/files/{page}/?path=notes.txt&action=delete&rowid=notes.txt")

    assert response.status_code == 405
    assert (base / "notes.txt").exists()


def test_file_admin_refuses_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="does not exist"):
        FileAdmin(str(tmp_path / "missing"))


def test_base_file_admin_takes_a_storage_and_per_user_base_path(
    tmp_path: Path,
) -> None:
    view = BaseFileAdmin(storage=LocalFileStorage(tmp_path), name="Mine")

    assert view.get_base_path() == str(tmp_path)
    assert view.name == "Mine"


def test_extension_checks_ignore_case_and_default_to_open_uploads(base: Path) -> None:
    class Images(FileAdmin):
        allowed_extensions = ("PNG", "jpg")
        editable_extensions = ("MD",)

    images = Images(str(base))
    assert images.is_file_allowed("a.png")
    assert not images.is_file_allowed("a.png.exe")
    assert images.is_file_editable("README.md")
    plain = FileAdmin(str(base))
    assert plain.is_file_allowed("anything.exe")
    assert not plain.is_file_editable("README.md")
