"""The file manager's downloads: always attachments, or redirects under base_url."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.admin.contrib.fileadmin.files import FilesView

from hipflask.testing.client import HipflaskClient


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
