"""What the upload field tests share: sample files, a folder to upload to, form and admin apps."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from wtforms import Form

from hipflask import Hipflask
from hipflask import jsonify
from hipflask.admin import Admin
from hipflask.admin.contrib.sqla import ModelView
from hipflask.admin.form import BaseForm
from hipflask.admin.form import upload as upload_module
from hipflask.admin.form.upload import FileUploadField
from hipflask.admin.form.upload import ImageUploadField

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


GIF = b"GIF89a" + b"\x00" * 32


HTML = b"<html><script>alert(1)</script></html>"


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


def bound(field: Any) -> Any:
    """The field bound to a plain WTForms form, as a view's form holds it."""

    class Plain(Form):
        upload = field

    return Plain().upload


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
