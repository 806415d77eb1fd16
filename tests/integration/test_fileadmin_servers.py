"""The file manager behind real servers: path attacks sent raw, as a client on the
wire sends them (no client-side normalisation of ``..`` or ``%2e``), an
upload over the body limit, and the pages in headless Chromium under a strict
Content-Security-Policy."""

from __future__ import annotations

import http.client
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.integration.test_admin_browser import PageWatch
from tests.integration.test_admin_browser import browser as browser  # a shared fixture
from tests.integration.test_limiter_servers import SERVERS
from tests.integration.test_limiter_servers import TIMEOUT
from tests.integration.test_limiter_servers import require_server

from hipflask.testing.servers import LOOPBACK
from hipflask.testing.servers import ServerProcess
from hipflask.testing.servers import serve

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent

ATTACKS = [
    "/admin/files/download/../outside/secret.txt",
    "/admin/files/download/%2e%2e/outside/secret.txt",
    "/admin/files/download/..%2Foutside%2Fsecret.txt",
    "/admin/files/download/..%5Coutside%5Csecret.txt",
    "/admin/files/download/sub/../../outside/secret.txt",
    "/admin/files/download/escape/secret.txt",
    "/admin/files/b/escape",
    "/admin/files/b/%2e%2e",
    "/admin/files/edit/?path=../outside/secret.txt",
    "/admin/files/edit/?path=%2Ftmp",
]


def send(
    server: ServerProcess, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(LOOPBACK, server.port, timeout=TIMEOUT)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


@pytest.fixture(params=SERVERS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ServerProcess, Path]]:
    name = str(request.param)
    require_server(name)
    base = tmp_path / "files"
    (base / "sub").mkdir(parents=True)
    (base / "notes.txt").write_text("hello")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("top secret")
    os.symlink(outside, base / "escape")
    with serve(
        "fileadminapp:app",
        server=name,
        app_dir=HERE,
        env={"FILEADMIN_BASE": str(base)},
        start_timeout=TIMEOUT,
    ) as process:
        yield process, base


def test_raw_traversals_are_refused_and_read_nothing(server: tuple[ServerProcess, Path]) -> None:
    process, _base = server

    for path in ATTACKS:
        status, _headers, body = send(process, path)
        assert status in (400, 404), path
        assert b"top secret" not in body, path


def test_a_download_over_the_wire_is_an_attachment(server: tuple[ServerProcess, Path]) -> None:
    process, _base = server

    status, headers, body = send(process, "/admin/files/download/notes.txt")

    assert status == 200
    assert headers["content-disposition"].startswith("attachment")
    assert body == b"hello"


def test_an_upload_over_the_body_limit_is_413_and_writes_nothing(
    server: tuple[ServerProcess, Path],
) -> None:
    process, base = server
    connection = http.client.HTTPConnection(LOOPBACK, process.port, timeout=TIMEOUT)
    boundary = "x-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="upload"; filename="big.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + b"y" * 20_000
        + f"\r\n--{boundary}--\r\n".encode()
    )
    try:
        connection.request(
            "POST",
            "/admin/files/upload/",
            body=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        status = connection.getresponse().status
    finally:
        connection.close()

    assert status == 413
    assert sorted(p.name for p in base.iterdir()) == ["escape", "notes.txt", "sub"]


def test_upload_select_all_and_confirmed_deletes_in_a_browser(
    server: tuple[ServerProcess, Path], tmp_path: Path, browser: Any
) -> None:
    process, base = server
    local = tmp_path / "report.txt"
    local.write_text("quarterly")

    page = browser.new_page()
    watch = PageWatch(page)
    url = f"http://{LOOPBACK}:{process.port}"

    # Upload through the form (with its CSRF token).
    page.goto(f"{url}/admin/files/upload/")
    page.set_input_files("input[name=upload]", str(local))
    with page.expect_navigation():
        page.click("form.admin-form button[type=submit]")
    assert "Successfully saved file: report.txt" in page.locator(".admin-alert").inner_text()
    assert (base / "report.txt").read_text() == "quarterly"

    # One row's delete button asks first, then posts.
    row = page.locator("tr", has=page.locator("a", has_text="report.txt"))
    with page.expect_navigation():
        row.locator("form.admin-inline-form button").click()
    assert watch.dialogs[-1] == ("confirm", "Are you sure you want to delete 'report.txt'?")
    assert not (base / "report.txt").exists()

    # The bulk delete: select all, confirm, every listed file and folder goes.
    page.click("details.admin-actions-menu summary")
    page.check("input[data-select-all]")
    with page.expect_navigation():
        page.click("button[value=delete]")
    assert watch.dialogs[-1] == ("confirm", "Are you sure you want to delete these files?")
    page.close()

    assert watch.problems == []
    # The link pointing out was never listed, so never selected; its target stays.
    assert sorted(p.name for p in base.iterdir()) == ["escape"]
    assert (base / "escape" / "secret.txt").read_text() == "top secret"
