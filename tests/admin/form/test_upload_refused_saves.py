"""Uploads whose save the database refuses: old files kept, new ones removed, others' kept."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import orm
from tests.admin.form.upload_apps import GIF
from tests.admin.form.upload_apps import PNG
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
from hipflask.admin.form.upload import FileUploadField
from hipflask.admin.form.upload import ImageUploadField
from hipflask.testing.client import HipflaskClient


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
