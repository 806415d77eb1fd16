from __future__ import annotations

import errno
import importlib
import importlib.util
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from werkzeug.datastructures import FileStorage
from wtforms import Form

from hipflask import Hipflask
from hipflask import jsonify
from hipflask.admin import Admin
from hipflask.admin.contrib.sqla import ModelView
from hipflask.admin.form import BaseForm
from hipflask.admin.form import upload as upload_module
from hipflask.admin.form.upload import FileUploadField
from hipflask.admin.form.upload import FileUploadInput
from hipflask.admin.form.upload import ImageUploadField
from hipflask.admin.form.upload import ImageUploadInput
from hipflask.admin.form.upload import namegen_filename
from hipflask.admin.form.upload import thumbgen_filename
from hipflask.errors import ConfigurationError
from hipflask.testing.client import HipflaskClient

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
GIF = b"GIF89a" + b"\x00" * 32
HTML = b"<html><script>alert(1)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def has_pillow() -> bool:
    return importlib.util.find_spec("PIL") is not None


@pytest.fixture
def without_pillow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pillow is optional: the checks made where it is not installed, whether it is or not."""
    monkeypatch.setattr(upload_module, "_pillow", lambda: None)


def upload(name: str, content: bytes = b"hello") -> tuple[io.BytesIO, str]:
    return io.BytesIO(content), name


class Record:
    """A plain object the form fills, as a view's own model would be."""

    def __init__(self, upload: str | None = None) -> None:
        self.upload = upload


# -- a plain form -----------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "files"
    path.mkdir()
    return path


@pytest.fixture
def record() -> Record:
    return Record()


def form_app(app: Hipflask, record: Record, field: Any) -> Hipflask:
    app.config["WTF_CSRF_ENABLED"] = False

    class DocForm(BaseForm):
        upload = field

    @app.post("/upload")
    def receive() -> Any:
        form = DocForm(obj=record)
        if form.validate_on_submit():
            form.populate_obj(record)
            return jsonify(stored=record.upload)
        return jsonify(errors=form.errors), 400

    return app


@pytest.fixture
def files(app: Hipflask, record: Record, folder: Path) -> Hipflask:
    return form_app(app, record, FileUploadField(base_path=str(folder)))


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


def bound(field: Any) -> Any:
    """The field bound to a plain WTForms form, as a view's form holds it."""

    class Plain(Form):
        upload = field

    return Plain().upload


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


# -- images -----------------------------------------------------------------------------


@pytest.fixture
def images(app: Hipflask, record: Record, folder: Path) -> Hipflask:
    return form_app(app, record, ImageUploadField(base_path=str(folder)))


@pytest.mark.parametrize(("name", "content"), [("a.png", PNG), ("b.gif", GIF)])
def test_an_image_is_accepted_by_its_leading_bytes(
    images: Hipflask,
    client: HipflaskClient,
    folder: Path,
    name: str,
    content: bytes,
    without_pillow: None,
) -> None:

    response = client.post("/upload", data={"upload": upload(name, content)})

    assert response.status_code == 200
    assert (folder / name).read_bytes() == content


@pytest.mark.parametrize("content", [HTML, SVG, b""])
def test_a_page_renamed_png_is_refused(
    images: Hipflask, client: HipflaskClient, folder: Path, content: bytes
) -> None:
    response = client.post("/upload", data={"upload": upload("evil.png", content)})

    assert response.status_code == 400
    assert response.get_json()["errors"]["upload"][0].startswith("Invalid image")
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("name", ["evil.svg", "evil.html", "evil.php"])
def test_an_image_field_refuses_other_extensions_by_default(
    images: Hipflask, client: HipflaskClient, folder: Path, name: str
) -> None:
    response = client.post("/upload", data={"upload": upload(name, PNG)})

    assert response.status_code == 400
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("setting", ["max_size", "thumbnail_size"])
def test_resizing_without_pillow_is_a_configuration_error(
    folder: Path, setting: str, without_pillow: None
) -> None:
    with pytest.raises(ConfigurationError, match="pip install pillow"):
        settings: dict[str, Any] = {setting: (10, 10, True)}
        ImageUploadField(base_path=str(folder), **settings)


def test_pillow_resizes_and_writes_a_thumbnail(
    app: Hipflask, client: HipflaskClient, record: Record, folder: Path
) -> None:
    if not has_pillow():
        pytest.skip("Pillow is not installed: pip install pillow to run the resizing test")
    Image: Any = importlib.import_module("PIL.Image")

    field = ImageUploadField(
        base_path=str(folder), max_size=(20, 20, True), thumbnail_size=(5, 5, True)
    )
    form_app(app, record, field)
    picture = io.BytesIO()
    Image.new("RGB", (50, 40)).save(picture, "PNG")

    response = client.post("/upload", data={"upload": upload("p.png", picture.getvalue())})

    assert response.status_code == 200
    with Image.open(folder / "p.png") as saved:
        assert saved.size == (20, 20)
    with Image.open(folder / "p_thumb.png") as thumb:
        assert thumb.size == (5, 5)


# -- widgets ----------------------------------------------------------------------------


class Bound:
    """A stand-in for a bound field, with just what the widgets read."""

    def __init__(self, data: Any, **extra: Any) -> None:
        self.id = self.name = "upload"
        self.data = data
        self.errors: list[str] = []
        self.thumbnail_size = None
        self.url_relative_path = None
        self.endpoint = "static"
        self.__dict__.update(extra)


def test_the_file_widget_escapes_the_stored_name() -> None:
    html = str(FileUploadInput()(Bound('"><script>alert(1)</script>')))

    assert "<script>" not in html
    assert "&#34;&gt;&lt;script&gt;" in html
    assert 'type="file"' in html
    assert 'name="_upload-delete"' in html


def test_the_file_widget_without_a_file_has_no_delete_checkbox() -> None:
    html = str(FileUploadInput()(Bound(None)))

    assert html.startswith("<input") and "checkbox" not in html


def test_the_image_widget_shows_the_image_at_its_static_url(app: Hipflask) -> None:
    with app.test_request_context():
        html = str(ImageUploadInput()(Bound('a"b.png', url_relative_path="up/")))

    assert 'src="/static/up/a%22b.png"' in html
    assert 'value="a&#34;b.png"' in html
    assert "<script" not in html


# -- a ModelView on SQLite --------------------------------------------------------------


class Base(DeclarativeBase):
    pass


class Document(Base):
    __tablename__ = "hfa_upload_document"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(40))
    path: Mapped[str | None] = mapped_column(sa.String(200))
    # Known to the database alone: a form that validates can still fail to commit.
    __table_args__ = (sa.CheckConstraint("title != 'refused'"),)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[orm.scoped_session[orm.Session]]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'upload.db'}")
    Base.metadata.create_all(engine)
    scoped = orm.scoped_session(orm.sessionmaker(engine))
    yield scoped
    scoped.remove()
    engine.dispose()


@pytest.fixture
def admin_app(app: Hipflask, session: orm.scoped_session[orm.Session], folder: Path) -> Hipflask:
    app.config["WTF_CSRF_ENABLED"] = False

    class DocumentView(ModelView):
        form_overrides = {"path": ImageUploadField}  # noqa: RUF012
        form_args = {"path": {"base_path": str(folder), "label": "Picture"}}  # noqa: RUF012

    Admin(app).add_view(DocumentView(Document, session))
    return app


def test_the_model_view_saves_replaces_and_deletes_uploads(
    admin_app: Hipflask,
    client: HipflaskClient,
    session: orm.scoped_session[orm.Session],
    folder: Path,
    without_pillow: None,
) -> None:
    response = client.post(
        "/admin/document/new/", data={"title": "one", "path": upload("first.png", PNG)}
    )
    assert response.status_code == 302
    document = session.query(Document).one()
    assert document.path == "first.png" and (folder / "first.png").exists()

    page = client.get(f"/admin/document/edit/?id={document.id}")
    assert page.status_code == 200
    assert 'src="/static/first.png"' in page.get_data(as_text=True)

    client.post(
        f"/admin/document/edit/?id={document.id}",
        data={"title": "one", "path": upload("second.gif", GIF)},
    )
    session.expire_all()
    assert session.get(Document, document.id).path == "second.gif"  # type: ignore[union-attr]
    assert not (folder / "first.png").exists()

    client.post(
        f"/admin/document/edit/?id={document.id}",
        data={"title": "one", "path": "second.gif", "_path-delete": "y"},
    )
    session.expire_all()
    assert session.get(Document, document.id).path is None  # type: ignore[union-attr]
    assert list(folder.iterdir()) == []


@dataclass
class Saves:
    """The document view holding ``other`` (no file) and ``mine`` (``mine.png``)."""

    client: HipflaskClient
    session: orm.scoped_session[orm.Session]
    folder: Path
    mine: int

    def edit(self, **data: Any) -> Any:
        """Post the edit form of ``mine``."""
        return self.client.post(f"/admin/document/edit/?id={self.mine}", data=data)

    def stored(self) -> tuple[str, str | None]:
        """``mine``'s committed title and file name."""
        return _stored(self.session, self.mine)

    def files(self) -> list[str]:
        return sorted(p.name for p in self.folder.iterdir())


@pytest.fixture
def saves(
    admin_app: Hipflask,
    client: HipflaskClient,
    session: orm.scoped_session[orm.Session],
    folder: Path,
    without_pillow: None,
) -> Saves:
    client.post("/admin/document/new/", data={"title": "other"})
    client.post("/admin/document/new/", data={"title": "mine", "path": upload("mine.png", PNG)})
    mine = session.query(Document).filter_by(title="mine").one().id
    return Saves(client, session, folder, mine)


def _stored(session: orm.scoped_session[orm.Session], record_id: int) -> tuple[str, str | None]:
    session.expire_all()
    document = session.get(Document, record_id)
    assert document is not None
    return document.title, document.path


def test_a_replacement_the_database_refuses_keeps_the_old_file_and_leaves_no_new_one(
    saves: Saves,
) -> None:
    # The database refuses the title: the commit fails after the new file was written.
    response = saves.edit(title="refused", path=upload("other.gif", GIF))

    assert response.status_code == 200
    assert "Integrity error" in response.get_data(as_text=True)
    assert saves.stored() == ("mine", "mine.png")
    assert saves.files() == ["mine.png"]
    assert (saves.folder / "mine.png").read_bytes() == PNG


def test_a_replacement_under_the_same_name_the_database_refuses_puts_the_old_content_back(
    saves: Saves,
) -> None:
    replacement = PNG + b"new"

    saves.edit(title="refused", path=upload("mine.png", replacement))

    assert saves.stored() == ("mine", "mine.png")
    assert saves.files() == ["mine.png"]  # no hidden copy left
    assert (saves.folder / "mine.png").read_bytes() == PNG

    # Saved, the new content stays and the hidden copy goes.
    saves.edit(title="mine", path=upload("mine.png", replacement))
    assert saves.files() == ["mine.png"]
    assert (saves.folder / "mine.png").read_bytes() == replacement


def test_a_deletion_the_database_refuses_keeps_the_file(saves: Saves) -> None:
    saves.edit(title="refused", path="mine.png", **{"_path-delete": "y"})

    assert saves.stored() == ("mine", "mine.png")
    assert (saves.folder / "mine.png").read_bytes() == PNG


def test_a_record_the_database_refuses_to_create_leaves_no_file(saves: Saves) -> None:
    response = saves.client.post(
        "/admin/document/new/", data={"title": "refused", "path": upload("late.png", PNG)}
    )

    assert "Integrity error" in response.get_data(as_text=True)
    assert saves.session.query(Document).count() == 2
    assert saves.files() == ["mine.png"]


def test_files_follow_the_commit_when_a_hook_after_it_fails(
    app: Hipflask,
    client: HipflaskClient,
    session: orm.scoped_session[orm.Session],
    folder: Path,
    without_pillow: None,
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False

    class HookView(ModelView):
        form_overrides = {"path": ImageUploadField}  # noqa: RUF012
        form_args = {"path": {"base_path": str(folder)}}  # noqa: RUF012

        def after_model_change(self, form: Any, model: Any, is_created: bool) -> None:
            if not is_created:
                raise RuntimeError("the hook failed after the commit")

    Admin(app).add_view(HookView(Document, session, endpoint="hooked"))
    client.post("/admin/hooked/new/", data={"title": "mine", "path": upload("mine.png", PNG)})
    record_id = session.query(Document).one().id
    app.config["PROPAGATE_EXCEPTIONS"] = False

    response = client.post(
        f"/admin/hooked/edit/?id={record_id}",
        data={"title": "mine", "path": upload("next.gif", GIF)},
    )

    assert response.status_code == 500
    # The row was committed with the new name: that file is kept, the old one gone.
    assert _stored(session, record_id) == ("mine", "next.gif")
    assert sorted(p.name for p in folder.iterdir()) == ["next.gif"]


class Album(Base):
    """A record that is falsy while empty, as a container's ``__len__`` makes it."""

    __tablename__ = "hfa_upload_album"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(40))
    path: Mapped[str | None] = mapped_column(sa.String(200))

    def __len__(self) -> int:
        return 0  # the tracks it holds: none yet


def test_a_committed_record_that_is_falsy_keeps_its_files(
    app: Hipflask,
    client: HipflaskClient,
    session: orm.scoped_session[orm.Session],
    folder: Path,
    without_pillow: None,
) -> None:
    # A backend of the app's own commits and returns the record; only None
    # or False say the save failed, not a record that happens to be falsy.
    app.config["WTF_CSRF_ENABLED"] = False

    class OwnBackendView(ModelView):
        form_overrides = {"path": ImageUploadField}  # noqa: RUF012
        form_args = {"path": {"base_path": str(folder)}}  # noqa: RUF012

        def create_model(self, form: Any) -> Any:
            album = Album()
            form.populate_obj(album)
            session.add(album)
            session.commit()
            return album

    Admin(app).add_view(OwnBackendView(Album, session))

    client.post("/admin/album/new/", data={"title": "empty", "path": upload("cover.png", PNG)})

    assert session.query(Album).one().path == "cover.png"
    assert (folder / "cover.png").read_bytes() == PNG


def _concurrent_app(app: Hipflask, session: orm.scoped_session[orm.Session], folder: Path) -> None:
    """A view whose saves meet another save (another worker) of the name ``shared.png``.

    ``on_model_change`` runs after the fields wrote their files and before
    the commit: there the other save writes ``shared.png`` as the upload
    fields do (a new file moved over the name) and is committed.
    """
    app.config["WTF_CSRF_ENABLED"] = False

    class RacedView(ModelView):
        form_overrides = {"path": FileUploadField}  # noqa: RUF012
        form_args = {"path": {"base_path": str(folder)}}  # noqa: RUF012

        def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
            temp = folder / ".other-save.part"
            temp.write_bytes(b"the other save")
            os.replace(temp, folder / "shared.png")

    Admin(app).add_view(RacedView(Document, session, endpoint="raced"))


def test_a_refused_save_does_not_put_back_what_another_save_wrote_over_since(
    app: Hipflask,
    client: HipflaskClient,
    session: orm.scoped_session[orm.Session],
    folder: Path,
) -> None:
    # Put back blindly, the old content would replace the other save's file,
    # committed with its record.
    (folder / "shared.png").write_bytes(b"before")
    _concurrent_app(app, session, folder)

    client.post("/admin/raced/new/", data={"title": "refused", "path": upload("shared.png", PNG)})

    assert session.query(Document).count() == 0
    assert (folder / "shared.png").read_bytes() == b"the other save"
    assert sorted(p.name for p in folder.iterdir()) == ["shared.png"]  # no hidden copy left


def test_a_refused_new_file_is_not_removed_once_another_save_wrote_over_it(
    app: Hipflask,
    client: HipflaskClient,
    session: orm.scoped_session[orm.Session],
    folder: Path,
) -> None:
    _concurrent_app(app, session, folder)

    client.post("/admin/raced/new/", data={"title": "refused", "path": upload("shared.png", PNG)})

    assert (folder / "shared.png").read_bytes() == b"the other save"
    assert sorted(p.name for p in folder.iterdir()) == ["shared.png"]


def test_an_exclusive_new_file_is_identified_by_what_was_linked_not_by_its_name(
    app: Hipflask,
    client: HipflaskClient,
    session: orm.scoped_session[orm.Session],
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # allow_overwrite=False links the new file in place; another save writes
    # over that name at once. Identified by its name afterwards, the other
    # save's file would pass for this one's and go with the refused save.
    app.config["WTF_CSRF_ENABLED"] = False

    class ExclusiveView(ModelView):
        form_overrides = {"path": FileUploadField}  # noqa: RUF012
        form_args = {"path": {"base_path": str(folder), "allow_overwrite": False}}  # noqa: RUF012

    Admin(app).add_view(ExclusiveView(Document, session, endpoint="exclusive"))
    real_link = os.link

    def link_then_overwritten(source: Any, target: Any, *args: Any, **kwargs: Any) -> None:
        real_link(source, target, *args, **kwargs)
        if str(target).endswith("shared.png"):
            other = folder / ".other-save.part"
            other.write_bytes(b"the other save")
            os.replace(other, target)

    monkeypatch.setattr(os, "link", link_then_overwritten)

    client.post(
        "/admin/exclusive/new/", data={"title": "refused", "path": upload("shared.png", PNG)}
    )

    assert session.query(Document).count() == 0
    assert (folder / "shared.png").read_bytes() == b"the other save"


def test_a_saved_record_does_not_delete_a_file_written_anew_since_it_was_replaced(
    app: Hipflask,
    client: HipflaskClient,
    session: orm.scoped_session[orm.Session],
    folder: Path,
) -> None:
    _concurrent_app(app, session, folder)
    client.post("/admin/raced/new/", data={"title": "mine", "path": upload("shared.png", PNG)})
    record_id = session.query(Document).one().id

    # This save replaces shared.png by next.png; meanwhile another record's
    # upload wrote shared.png anew. The old file goes, the other's stays.
    client.post(
        f"/admin/raced/edit/?id={record_id}",
        data={"title": "mine", "path": upload("next.png", PNG)},
    )

    assert _stored(session, record_id) == ("mine", "next.png")
    assert (folder / "shared.png").read_bytes() == b"the other save"


@pytest.fixture
def hard_links_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """``link()`` refused as for a file of another owner under ``fs.protected_hardlinks``."""
    real_link = os.link

    def link(source: Any, target: Any, *args: Any, **kwargs: Any) -> None:
        if str(target).endswith(".old"):
            raise PermissionError(errno.EPERM, "Operation not permitted", str(source))
        real_link(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "link", link)


def test_a_same_name_replacement_needs_no_hard_link(saves: Saves, hard_links_refused: None) -> None:
    # Writing over the name needs the folder's permission alone; keeping the
    # old content for undo must not turn that into a failed save.
    replacement = PNG + b"new"

    saves.edit(title="refused", path=upload("mine.png", replacement))
    assert (saves.folder / "mine.png").read_bytes() == PNG
    response = saves.edit(title="mine", path=upload("mine.png", replacement))

    assert response.status_code == 302, response.get_data(as_text=True)
    assert (saves.folder / "mine.png").read_bytes() == replacement
    assert saves.files() == ["mine.png"]


def test_the_model_view_refuses_a_disguised_page_and_writes_nothing(
    admin_app: Hipflask,
    client: HipflaskClient,
    session: orm.scoped_session[orm.Session],
    folder: Path,
) -> None:
    response = client.post(
        "/admin/document/new/", data={"title": "x", "path": upload("../../evil.png", HTML)}
    )

    assert response.status_code == 200  # the form again, with its error
    assert "Invalid image" in response.get_data(as_text=True)
    assert session.query(Document).count() == 0
    assert list(folder.iterdir()) == []
    assert not (folder.parent.parent / "evil.png").exists()


def test_the_model_view_refuses_an_upload_without_a_csrf_token(
    admin_app: Hipflask,
    client: HipflaskClient,
    session: orm.scoped_session[orm.Session],
    folder: Path,
) -> None:
    admin_app.config["WTF_CSRF_ENABLED"] = True

    response = client.post(
        "/admin/document/new/", data={"title": "x", "path": upload("a.png", PNG)}
    )

    assert response.status_code in (200, 400, 403)
    assert session.query(Document).count() == 0
    assert list(folder.iterdir()) == []
