"""No path leaves the managed folder: the resolver, and the attacks sent over HTTP.

Each attack goes through the test client as a request, under both protocols,
against every page that takes a path (URL segment, form field, action row,
query argument); the file outside must stay unread, unchanged and unlisted.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from tests.admin.contrib.fileadmin.files import token_from
from tests.admin.contrib.fileadmin.files import tree

from hipflask.admin.contrib.fileadmin.paths import relative_name
from hipflask.admin.contrib.fileadmin.paths import resolve_inside
from hipflask.testing.client import HipflaskClient

#: Ways to name ../outside/secret.txt from the managed folder, as URL path segments.
TRAVERSALS = [
    "../outside/secret.txt",
    "%2e%2e/outside/secret.txt",
    "%2E%2E%2Foutside%2Fsecret.txt",
    "sub/../../outside/secret.txt",
    "..%5coutside%5csecret.txt",
    "sub%5c..%5c..%5coutside%5csecret.txt",
]


# -- the resolver ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        (None, ""),
        ("", ""),
        (".", ""),
        ("sub/", "sub"),
        ("sub/./inner.txt", "sub/inner.txt"),
        ("sub/../notes.txt", "notes.txt"),
        ("..", None),
        ("../x", None),
        ("sub/../../x", None),
        ("/etc/passwd", None),
        ("..\\x", None),
        ("a\x00b", None),
    ],
)
def test_relative_name(requested: str | None, expected: str | None) -> None:
    assert relative_name(requested) == expected


def test_resolve_inside_refuses_a_link_that_points_out(base: Path, outside: Path) -> None:
    os.symlink(outside, base / "escape")
    os.symlink(base / "sub", base / "alias")

    assert resolve_inside(str(base), "escape") is None
    assert resolve_inside(str(base), "escape/secret.txt") is None
    assert resolve_inside(str(base), "alias/inner.txt") == (
        str(base / "alias" / "inner.txt"),
        "alias/inner.txt",
    )


# -- attacks over HTTP ----------------------------------------------------------------


@pytest.mark.parametrize("attack", TRAVERSALS)
def test_download_never_reads_outside(client: HipflaskClient, attack: str) -> None:
    response = client.get(f"/admin/files/download/{attack}")

    assert response.status_code == 404
    assert b"top secret" not in response.get_data()


@pytest.mark.parametrize("attack", TRAVERSALS)
def test_listing_never_lists_outside(client: HipflaskClient, attack: str) -> None:
    response = client.get(f"/admin/files/b/{attack.rsplit('secret', 1)[0] or attack}")

    assert response.status_code == 404
    assert "secret.txt" not in response.get_data(as_text=True)


def test_a_nul_byte_in_the_url_is_refused_before_any_page_runs(client: HipflaskClient) -> None:
    for url in ("/admin/files/download/notes.txt%00.png", "/admin/files/b/sub%00"):
        assert client.get(url).status_code == 400, url


def test_the_same_requests_inside_the_folder_succeed(client: HipflaskClient) -> None:
    # The refusals above are the resolver's, not the router's.
    assert client.get("/admin/files/download/sub/../notes.txt").status_code == 200
    assert client.get("/admin/files/download/sub%2finner.txt").status_code == 200
    assert client.get("/admin/files/b/sub/").status_code == 200


@pytest.mark.parametrize("attack", TRAVERSALS)
def test_upload_and_mkdir_never_write_outside(
    client: HipflaskClient, outside: Path, attack: str
) -> None:
    token = token_from(client)
    uploaded = client.post(
        f"/admin/files/upload/{attack.rsplit('secret', 1)[0] or attack}",
        data={"csrf_token": token, "upload": (io.BytesIO(b"owned"), "new.txt")},
        content_type="multipart/form-data",
    )
    made = client.post(
        f"/admin/files/mkdir/{attack.rsplit('secret', 1)[0] or attack}",
        data={"csrf_token": token, "name": "owned"},
    )

    assert uploaded.status_code == 404
    assert made.status_code == 404
    assert tree(outside) == ["secret.txt"]


def _absolute(outside: Path) -> list[str]:
    secret = str(outside / "secret.txt")
    return [
        "../outside/secret.txt",
        "sub/../../outside/secret.txt",
        secret,
        "//" + secret.lstrip("/"),
        "..\\outside\\secret.txt",
        "notes.txt\x00",
        "../outside",
    ]


def test_delete_never_deletes_outside(client: HipflaskClient, outside: Path) -> None:
    token = token_from(client)
    for attack in _absolute(outside):
        response = client.post("/admin/files/delete/", data={"csrf_token": token, "path": attack})
        assert response.status_code == 404, attack
    assert (outside / "secret.txt").read_text() == "top secret"


def test_rename_never_moves_outside_or_from_outside(
    client: HipflaskClient, base: Path, outside: Path
) -> None:
    token = token_from(client)
    for attack in _absolute(outside):
        response = client.post(
            "/admin/files/rename/", data={"csrf_token": token, "path": attack, "name": "x.txt"}
        )
        assert response.status_code == 404, attack
        assert client.get(f"/admin/files/rename/?path={attack}").status_code == 404, attack
    for name in ("../../outside/owned.txt", "../owned.txt", "/etc/owned.txt", "..", "sub\\..\\x"):
        client.post(
            "/admin/files/rename/", data={"csrf_token": token, "path": "notes.txt", "name": name}
        )
    assert tree(outside) == ["secret.txt"]
    assert not (base.parent / "owned.txt").exists()
    assert (base / "notes.txt").exists()


def test_an_upload_name_is_reduced_to_a_plain_name(
    client: HipflaskClient, base: Path, outside: Path
) -> None:
    for name in ("../outside/secret.txt", "../../evil.txt", "/etc/cron.d/evil", "..\\evil.txt"):
        client.post(
            "/admin/files/upload/",
            data={"csrf_token": token_from(client), "upload": (io.BytesIO(b"owned"), name)},
            content_type="multipart/form-data",
        )

    assert (outside / "secret.txt").read_text() == "top secret"
    assert not (base.parent / "evil.txt").exists()
    # What landed is inside the folder, under secure_filename's names.
    assert {"outside_secret.txt", "evil.txt", "etc_cron.d_evil"} <= set(tree(base))


@pytest.mark.parametrize("name", ["..", ".", "../evil", "../../evil", "/var/evil"])
def test_a_mkdir_name_never_climbs(client: HipflaskClient, base: Path, name: str) -> None:
    before = tree(base)

    client.post("/admin/files/mkdir/", data={"csrf_token": token_from(client), "name": name})

    assert tree(base) == before
    assert not (base.parent / "evil").exists()


def test_edit_and_actions_never_reach_outside(client: HipflaskClient, outside: Path) -> None:
    token = token_from(client)
    for attack in _absolute(outside):
        response = client.get("/admin/files/edit/", query_string={"path": attack})
        assert response.status_code == 404, attack
        posted = client.post(
            "/admin/files/edit/",
            query_string={"path": attack},
            data={"csrf_token": token, "content": "owned"},
        )
        assert posted.status_code == 404, attack
    response = client.post(
        "/admin/files/action/",
        data={
            "csrf_token": token,
            "action": "delete",
            "rowid": ["notes.txt", "../outside/secret.txt"],
        },
    )

    assert response.status_code == 404
    assert (outside / "secret.txt").read_text() == "top secret"


def test_a_refused_action_row_stops_the_whole_action(client: HipflaskClient, base: Path) -> None:
    client.post(
        "/admin/files/action/",
        data={"csrf_token": token_from(client), "action": "delete", "rowid": ["notes.txt", "../x"]},
    )

    assert (base / "notes.txt").exists()


# -- symbolic links ---------------------------------------------------------------------


@pytest.fixture
def escape(base: Path, outside: Path) -> Path:
    """A link inside the folder that leads out of it."""
    link = base / "escape"
    os.symlink(outside, link)
    os.symlink(outside / "secret.txt", base / "secret-link.txt")
    return link


def test_a_link_pointing_out_is_neither_listed_nor_followed(
    client: HipflaskClient, escape: Path, outside: Path
) -> None:
    listing = client.get("/admin/files/").get_data(as_text=True)
    assert "escape" not in listing
    assert "secret-link" not in listing

    requests: list[Any] = [
        client.get("/admin/files/b/escape"),
        client.get("/admin/files/download/escape/secret.txt"),
        client.get("/admin/files/download/secret-link.txt"),
        client.get("/admin/files/edit/?path=secret-link.txt"),
        client.get("/admin/files/upload/escape"),
        client.post(
            "/admin/files/delete/",
            data={"csrf_token": token_from(client), "path": "escape/secret.txt"},
        ),
        client.post(
            "/admin/files/edit/?path=secret-link.txt",
            data={"csrf_token": token_from(client), "content": "owned"},
        ),
    ]

    assert [r.status_code for r in requests] == [404] * len(requests)
    assert (outside / "secret.txt").read_text() == "top secret"


def test_a_link_inside_the_folder_works_and_deleting_it_keeps_its_target(
    client: HipflaskClient, base: Path
) -> None:
    os.symlink(base / "sub", base / "alias")

    assert client.get("/admin/files/download/alias/inner.txt").get_data() == b"inner"
    client.post("/admin/files/delete/", data={"csrf_token": token_from(client), "path": "alias"})

    assert not (base / "alias").exists()
    assert (base / "sub" / "inner.txt").read_text() == "inner"


def test_editing_a_link_replaces_the_link_and_never_writes_through_it(
    client: HipflaskClient, base: Path
) -> None:
    os.symlink(base / "notes.txt", base / "current.txt")
    url = "/admin/files/edit/?path=current.txt"

    response = client.post(url, data={"csrf_token": token_from(client, url), "content": "new"})

    assert response.status_code == 302
    assert not (base / "current.txt").is_symlink()
    assert (base / "current.txt").read_text() == "new"
    assert (base / "notes.txt").read_text() == "hello"


def test_a_hard_link_is_an_ordinary_file_and_an_edit_leaves_its_twin_alone(
    client: HipflaskClient, base: Path, outside: Path
) -> None:
    # Nothing tells a hard link from a file, so it is served as one; but an
    # edit replaces the name, never the data it shares with the file outside.
    os.link(outside / "secret.txt", base / "twin.txt")
    url = "/admin/files/edit/?path=twin.txt"

    client.post(url, data={"csrf_token": token_from(client, url), "content": "changed"})

    assert (base / "twin.txt").read_text() == "changed"
    assert (outside / "secret.txt").read_text() == "top secret"
