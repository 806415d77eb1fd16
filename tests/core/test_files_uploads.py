"""Uploads saved and served back, the pattern of Flask's tutorial."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from tests.core.sent_files import app as app
from werkzeug.utils import secure_filename

from hipflask import Hipflask
from hipflask import Response
from hipflask import redirect
from hipflask import request
from hipflask import url_for
from hipflask.core.files import send_from_directory

ALLOWED_EXTENSIONS = {"txt", "pdf", "png"}


def _allowed_file(filename: str) -> bool:
    return "." in filename and filename.rsplit(".", 1)[1].lower() in ALLOWED_EXTENSIONS


@pytest.fixture
def upload_app(app: Hipflask, tmp_path: Path) -> Hipflask:
    upload_folder = tmp_path / "uploads"
    upload_folder.mkdir()
    app.config["UPLOAD_FOLDER"] = str(upload_folder)

    @app.route("/upload", methods=["POST"])
    def upload_file() -> Any:
        if "file" not in request.files:
            return "No file part", 400
        file = request.files["file"]
        if not file.filename:
            return "No selected file", 400
        if not _allowed_file(file.filename):
            return "File type not allowed", 400
        filename = secure_filename(file.filename)
        file.save(os.path.join(app.config["UPLOAD_FOLDER"], filename))
        return redirect(url_for("download_file", name=filename))

    @app.route("/uploads/<name>")
    def download_file(name: str) -> Response:
        return send_from_directory(app.config["UPLOAD_FOLDER"], name)

    return app


def test_uploaded_file_is_saved_under_a_safe_name_and_served(
    client: Any, upload_app: Hipflask, tmp_path: Path
) -> None:

    rv = client.post(
        "/upload",
        data={"file": (io.BytesIO(b"quarterly numbers"), "../../etc/report.txt")},
        follow_redirects=True,
    )

    assert rv.status_code == 200
    assert rv.data == b"quarterly numbers"
    assert os.listdir(tmp_path / "uploads") == ["etc_report.txt"]
    assert not (tmp_path / "etc").exists()


def test_upload_without_file_part_is_400(client: Any, upload_app: Hipflask) -> None:

    rv = client.post("/upload", data={"other": "field"})

    assert rv.status_code == 400
    assert rv.data == b"No file part"


def test_upload_of_a_disallowed_type_is_refused(
    client: Any, upload_app: Hipflask, tmp_path: Path
) -> None:

    rv = client.post("/upload", data={"file": (io.BytesIO(b"<?php"), "shell.php")})

    assert rv.status_code == 400
    assert os.listdir(tmp_path / "uploads") == []


def test_upload_over_max_content_length_is_413_and_leaves_nothing(
    client: Any, upload_app: Hipflask, tmp_path: Path
) -> None:
    upload_app.config["MAX_CONTENT_LENGTH"] = 1024

    rv = client.post("/upload", data={"file": (io.BytesIO(b"x" * 4096), "big.txt")})

    assert rv.status_code == 413
    assert os.listdir(tmp_path / "uploads") == []


def test_upload_just_under_the_limit_is_accepted(
    client: Any, upload_app: Hipflask, tmp_path: Path
) -> None:
    upload_app.config["MAX_CONTENT_LENGTH"] = 4096

    rv = client.post("/upload", data={"file": (io.BytesIO(b"x" * 1024), "fits.txt")})

    assert rv.status_code == 302
    assert (tmp_path / "uploads" / "fits.txt").read_bytes() == b"x" * 1024
