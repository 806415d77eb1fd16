"""FileUploadField on a plain form: where files are saved, replaced, deleted and refused."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from tests.admin.form.upload_apps import PNG
from tests.admin.form.upload_apps import Record
from tests.admin.form.upload_apps import bound
from tests.admin.form.upload_apps import files as files
from tests.admin.form.upload_apps import folder as folder
from tests.admin.form.upload_apps import form_app
from tests.admin.form.upload_apps import record as record
from tests.admin.form.upload_apps import upload
from werkzeug.datastructures import FileStorage

from hipflask import Hipflask
from hipflask.admin.form.upload import FileUploadField
from hipflask.admin.form.upload import ImageUploadField
from hipflask.admin.form.upload import namegen_filename
from hipflask.admin.form.upload import thumbgen_filename
from hipflask.errors import ConfigurationError
from hipflask.testing.client import HipflaskClient


def test_an_upload_is_saved_under_base_path_and_its_name_stored(
    files: Hipflask, client: HipflaskClient, record: Record, folder: Path
) -> None:
    response = client.post("/upload", data={"upload": upload("report 2024.txt")})

    assert response.status_code == 200
    assert response.get_json() == {"stored": "report_2024.txt"}
    assert (folder / "report_2024.txt").read_bytes() == b"hello"
    assert [p.name for p in folder.iterdir()] == ["report_2024.txt"]  # no temporary left


def test_a_replacement_deletes_the_old_file(
    files: Hipflask, client: HipflaskClient, record: Record, folder: Path
) -> None:
    (folder / "old.txt").write_bytes(b"old")
    record.upload = "old.txt"

    client.post("/upload", data={"upload": upload("new.txt")})

    assert record.upload == "new.txt"
    assert not (folder / "old.txt").exists()
    assert (folder / "new.txt").read_bytes() == b"hello"


def test_a_replacement_under_the_same_name_keeps_the_new_file(
    files: Hipflask, client: HipflaskClient, record: Record, folder: Path
) -> None:
    (folder / "same.txt").write_bytes(b"old")
    record.upload = "same.txt"

    client.post("/upload", data={"upload": upload("same.txt", b"new")})

    assert (folder / "same.txt").read_bytes() == b"new"


def test_the_delete_checkbox_removes_the_file_and_clears_the_name(
    files: Hipflask, client: HipflaskClient, record: Record, folder: Path
) -> None:
    (folder / "old.txt").write_bytes(b"old")
    record.upload = "old.txt"

    response = client.post("/upload", data={"_upload-delete": "y"})

    assert response.status_code == 200
    assert record.upload is None
    assert not (folder / "old.txt").exists()


def test_a_name_posted_as_text_is_ignored(
    files: Hipflask, client: HipflaskClient, record: Record
) -> None:
    record.upload = "old.txt"

    client.post("/upload", data={"upload": "../../etc/passwd"})

    assert record.upload == "old.txt"


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "..\\..\\boot.ini"])
def test_a_traversing_client_name_is_stored_flat_inside_base_path(
    files: Hipflask, client: HipflaskClient, record: Record, folder: Path, name: str
) -> None:
    response = client.post("/upload", data={"upload": upload(name)})

    assert response.status_code == 200
    assert record.upload is not None and "/" not in record.upload and ".." not in record.upload
    assert (folder / record.upload).exists()
    assert not (folder.parent / "passwd").exists()


def test_a_name_secure_filename_empties_is_a_field_error(
    files: Hipflask, client: HipflaskClient, record: Record, folder: Path
) -> None:
    response = client.post("/upload", data={"upload": upload("../")})

    assert response.status_code == 400
    assert response.get_json()["errors"]["upload"] == ["Invalid file name."]
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("name", ["shell.php", "page.HTML", "archive.png.php"])
def test_a_disallowed_extension_is_refused(
    app: Hipflask, client: HipflaskClient, record: Record, folder: Path, name: str
) -> None:
    field = FileUploadField(base_path=str(folder), allowed_extensions=("txt", "PNG"))
    form_app(app, record, field)

    response = client.post("/upload", data={"upload": upload(name)})

    assert response.status_code == 400
    assert response.get_json()["errors"]["upload"] == ["Invalid file extension"]
    assert list(folder.iterdir()) == []


def test_extensions_compare_without_case(
    app: Hipflask, client: HipflaskClient, record: Record, folder: Path
) -> None:
    form_app(app, record, FileUploadField(base_path=str(folder), allowed_extensions=("txt",)))

    assert client.post("/upload", data={"upload": upload("NOTES.TXT")}).status_code == 200


def test_overwrite_is_refused_when_not_allowed(
    app: Hipflask, client: HipflaskClient, record: Record, folder: Path
) -> None:
    form_app(app, record, FileUploadField(base_path=str(folder), allow_overwrite=False))
    (folder / "taken.txt").write_bytes(b"theirs")

    response = client.post("/upload", data={"upload": upload("taken.txt", b"mine")})

    assert response.status_code == 400
    assert response.get_json()["errors"]["upload"] == ['File "taken.txt" already exists.']
    assert (folder / "taken.txt").read_bytes() == b"theirs"


def test_a_missing_base_path_folder_is_created(
    app: Hipflask, client: HipflaskClient, record: Record, tmp_path: Path
) -> None:
    target = tmp_path / "not" / "yet"
    form_app(app, record, FileUploadField(base_path=str(target), relative_path="sub/"))

    response = client.post("/upload", data={"upload": upload("a.txt")})

    assert response.get_json() == {"stored": "sub/a.txt"}
    assert (target / "sub" / "a.txt").exists()


def test_a_callable_base_path_is_called(
    app: Hipflask, client: HipflaskClient, record: Record, folder: Path
) -> None:
    form_app(app, record, FileUploadField(base_path=lambda: str(folder)))

    client.post("/upload", data={"upload": upload("a.txt")})

    assert (folder / "a.txt").exists()


def test_no_base_path_is_a_configuration_error_where_the_field_is_declared() -> None:
    with pytest.raises(ConfigurationError, match="base_path"):
        FileUploadField("File")
    with pytest.raises(ConfigurationError, match="base_path"):
        ImageUploadField(base_path=None)


@pytest.mark.parametrize("generated", ["../escaped.txt", "/tmp/escaped.txt", "", "."])
def test_a_namegen_result_outside_base_path_is_refused_not_written(
    folder: Path, generated: str
) -> None:
    field = bound(FileUploadField(base_path=str(folder), namegen=lambda obj, data: generated))
    with pytest.raises(ValueError, match="not inside base_path"):
        field._save_file(upload("x.txt")[0], generated)
    assert not (folder.parent / "escaped.txt").exists()
    assert list(folder.iterdir()) == []


def test_an_old_name_outside_base_path_is_never_deleted(folder: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep")
    field = bound(FileUploadField(base_path=str(folder)))

    field._delete_file("../victim.txt")

    assert victim.exists()


def test_a_name_taken_after_validation_is_not_overwritten(folder: Path) -> None:
    field = bound(FileUploadField(base_path=str(folder), allow_overwrite=False))
    (folder / "a.txt").write_bytes(b"theirs")

    with pytest.raises(ValueError, match="already exists"):
        field._save_file(FileStorage(io.BytesIO(b"mine"), filename="a.txt"), "a.txt")
    assert (folder / "a.txt").read_bytes() == b"theirs"
    assert [p.name for p in folder.iterdir()] == ["a.txt"]


def test_an_image_field_without_thumbnails_leaves_thumb_named_files_alone(folder: Path) -> None:
    (folder / "a.png").write_bytes(PNG)
    (folder / "a_thumb.png").write_bytes(PNG)
    field = bound(ImageUploadField(base_path=str(folder)))

    field._delete_file("a.png")

    assert [p.name for p in folder.iterdir()] == ["a_thumb.png"]


def test_a_failed_write_leaves_no_file(folder: Path) -> None:
    field = bound(FileUploadField(base_path=str(folder)))

    class Broken:
        def save(self, out: Any) -> None:
            out.write(b"half")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        field._save_file(Broken(), "a.txt")
    assert list(folder.iterdir()) == []


def test_a_submission_without_a_csrf_token_writes_nothing(
    app: Hipflask, client: HipflaskClient, record: Record, folder: Path
) -> None:
    form_app(app, record, FileUploadField(base_path=str(folder)))
    app.config["WTF_CSRF_ENABLED"] = True

    response = client.post("/upload", data={"upload": upload("a.txt")})

    assert response.status_code == 400
    assert "csrf_token" in response.get_json()["errors"]
    assert list(folder.iterdir()) == []


def test_namegen_and_thumbgen_helpers() -> None:
    assert namegen_filename(None, FileStorage(filename="../a b.png")) == "a_b.png"
    assert thumbgen_filename("dir/photo.jpg") == "dir/photo_thumb.jpg"
