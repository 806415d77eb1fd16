"""Upload fields on a ModelView over SQLite: saving, replacing, deleting and refusing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from tests.admin.form.upload_apps import GIF
from tests.admin.form.upload_apps import HTML
from tests.admin.form.upload_apps import PNG
from tests.admin.form.upload_apps import Base
from tests.admin.form.upload_apps import Document
from tests.admin.form.upload_apps import admin_app as admin_app
from tests.admin.form.upload_apps import files as files
from tests.admin.form.upload_apps import folder as folder
from tests.admin.form.upload_apps import record as record
from tests.admin.form.upload_apps import session as session
from tests.admin.form.upload_apps import upload
from tests.admin.form.upload_apps import without_pillow as without_pillow

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.contrib.sqla import ModelView
from hipflask.admin.form.upload import ImageUploadField
from hipflask.testing.client import HipflaskClient


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
