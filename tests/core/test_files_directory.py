"""send_from_directory: serving files inside a folder and refusing anything outside."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from tests.core.sent_files import app as app
from werkzeug.exceptions import NotFound

from hipflask import Hipflask
from hipflask import Response
from hipflask.core.files import send_file
from hipflask.core.files import send_from_directory


def test_send_from_directory_serves_a_file_inside(client: Any, app: Hipflask) -> None:
    @app.route("/files/<path:name>")
    def files(name: str) -> Response:
        return send_from_directory("files", name)

    rv = client.get("/files/notes.txt")

    assert rv.status_code == 200
    assert rv.data == b"plain notes\n"


@pytest.mark.parametrize("suffix", ["/", "/."])
def test_send_from_directory_names_a_file_asked_for_with_a_trailing_slash(
    client: Any, app: Hipflask, suffix: str
) -> None:
    # The resolved file's own name decides the type and the download name,
    # not the text after the last slash of what the client sent.
    @app.route("/files/<path:name>")
    def files(name: str) -> Response:
        return send_from_directory("files", name)

    rv = client.get("/files/notes.txt" + suffix)

    assert rv.status_code == 200
    assert rv.mimetype == "text/plain"
    assert rv.headers["Content-Disposition"] == "inline; filename=notes.txt"


@pytest.mark.parametrize(
    ("name", "mimetype", "encoding"),
    [
        ("logo.svgz", "image/svg+xml", "gzip"),
        ("archive.tar.gz", "application/gzip", None),
        ("notes.txt.bz2", "application/x-bzip2", None),
    ],
)
def test_a_compressed_image_is_shown_and_other_compressed_files_are_saved(
    client: Any, app: Hipflask, tmp_path: Path, name: str, mimetype: str, encoding: str | None
) -> None:
    # A .svgz renders only as an SVG with Content-Encoding (as Flask sends
    # it); an archive keeps its bytes, or the browser would unpack the download.
    (tmp_path / "files" / name).write_bytes(b"\x1f\x8b compressed")

    @app.route("/files/<path:name>")
    def files(name: str) -> Response:
        return send_from_directory("files", name)

    rv = client.get("/files/" + name)

    assert rv.status_code == 200
    assert rv.mimetype == mimetype
    assert rv.headers.get("Content-Encoding") == encoding
    assert rv.data == b"\x1f\x8b compressed"


def test_a_compressed_image_sent_as_an_attachment_is_saved_compressed(
    client: Any, app: Hipflask, tmp_path: Path
) -> None:
    # With Content-Encoding the browser would unpack it and save plain SVG
    # under the .svgz name; Flask sends no Content-Encoding for a download.
    (tmp_path / "files" / "logo.svgz").write_bytes(b"\x1f\x8b compressed")

    @app.route("/logo")
    def logo() -> Response:
        return send_file("files/logo.svgz", as_attachment=True)

    rv = client.get("/logo")

    assert rv.status_code == 200
    assert rv.mimetype == "image/svg+xml"
    assert "Content-Encoding" not in rv.headers
    assert rv.headers["Content-Disposition"] == "attachment; filename=logo.svgz"
    assert rv.data == b"\x1f\x8b compressed"


@pytest.mark.parametrize(
    "name",
    [
        "../secret.txt",
        "../../etc/passwd",
        "sub/../../secret.txt",
        "/etc/passwd",
        "..\\secret.txt",
        "notes.txt\x00.png",
        "",
        ".",
        "missing.txt",
    ],
)
def test_send_from_directory_refuses_anything_outside_with_404(
    app: Hipflask, tmp_path: Path, name: str
) -> None:
    (tmp_path / "secret.txt").write_text("top secret")

    with app.test_request_context("/"), pytest.raises(NotFound):
        send_from_directory("files", name)


def test_send_from_directory_refuses_any_backslash(app: Hipflask, tmp_path: Path) -> None:
    # On Windows "\\" is a separator, so "..\\" climbs out; refusing it everywhere
    # keeps one rule for every platform, even where such a name could exist.
    (tmp_path / "files" / "a\\b.txt").write_text("odd name")

    with app.test_request_context("/"), pytest.raises(NotFound):
        send_from_directory("files", "a\\b.txt")


def test_send_from_directory_refuses_a_symlink_leading_out(app: Hipflask, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("top secret")
    (tmp_path / "files" / "leak.txt").symlink_to(tmp_path / "secret.txt")

    with app.test_request_context("/"), pytest.raises(NotFound):
        send_from_directory("files", "leak.txt")


@pytest.mark.parametrize("replacement", ["nothing", "directory"])
def test_a_file_that_vanishes_after_the_check_is_404_not_500(
    client: Any, app: Hipflask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replacement: str
) -> None:
    # A deploy or a cleanup job removing the file between the check and the
    # open: the client asked for a file that is not there.
    target = tmp_path / "files" / "report.txt"
    target.write_text("soon gone")
    checked = os.path.isfile

    def isfile_then_vanish(path: Any) -> bool:
        result = checked(path)
        if os.fspath(path) == str(target):
            target.unlink()
            if replacement == "directory":
                target.mkdir()
        return result

    @app.route("/files/<path:name>")
    def files(name: str) -> Response:
        monkeypatch.setattr(os.path, "isfile", isfile_then_vanish)
        try:
            return send_from_directory("files", name)
        finally:
            monkeypatch.undo()

    rv = client.get("/files/report.txt")

    assert rv.status_code == 404


def test_send_from_directory_follows_a_symlink_that_stays_inside(
    client: Any, app: Hipflask, tmp_path: Path
) -> None:
    (tmp_path / "files" / "latest.txt").symlink_to(tmp_path / "files" / "notes.txt")

    @app.route("/files/<path:name>")
    def files(name: str) -> Response:
        return send_from_directory("files", name)

    rv = client.get("/files/latest.txt")

    assert rv.status_code == 200
    assert rv.data == b"plain notes\n"
    assert rv.headers["Content-Disposition"] == "inline; filename=latest.txt"


def test_send_from_directory_passes_options_to_send_file(client: Any, app: Hipflask) -> None:
    @app.route("/download/<name>")
    def download(name: str) -> Response:
        return send_from_directory("files", name, as_attachment=True, max_age=10)

    rv = client.get("/download/notes.txt")

    assert rv.headers["Content-Disposition"] == "attachment; filename=notes.txt"
    assert rv.cache_control.max_age == 10
