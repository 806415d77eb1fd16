"""A file posted under a field that is not a file field is a field error, never a 500."""

from __future__ import annotations

import io

import pytest
from wtforms import BooleanField
from wtforms import DateField
from wtforms import FieldList
from wtforms import FloatField
from wtforms import Form
from wtforms import FormField
from wtforms import IntegerField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import Length

from hipflask import Hipflask
from hipflask.forms import FlaskForm
from hipflask.forms.file import FileField
from hipflask.forms.uploads import NOT_A_FILE
from hipflask.testing.client import HipflaskClient


class Row(FlaskForm):
    class Meta:
        csrf = False

    text = StringField(validators=[Length(max=5)])


class ProfileForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(validators=[Length(max=20)])
    bio = TextAreaField(validators=[Length(max=200)])
    age = IntegerField()
    score = FloatField()
    born = DateField()
    rows = FieldList(FormField(Row), min_entries=1)
    avatar = FileField()


@pytest.fixture
def app(app: Hipflask) -> Hipflask:
    @app.post("/profile")
    def profile() -> object:
        form = ProfileForm()
        valid = form.validate()
        avatar = form.avatar.data
        return {
            "valid": valid,
            "errors": form.errors,
            "avatar": avatar.filename if avatar else None,
            "name": form.name.data,
        }

    return app


def upload(name: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(b"not a value"), name


@pytest.mark.parametrize("field", ["name", "bio", "age", "score", "born", "rows-0-text"])
def test_a_file_under_another_field_is_that_fields_error(
    client: HipflaskClient, field: str
) -> None:
    response = client.post(
        "/profile",
        data={field: upload("x.txt"), "avatar": upload("me.png")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 200
    body = response.get_json()
    assert body["valid"] is False
    assert NOT_A_FILE in str(body["errors"])
    assert body["avatar"] == "me.png"


def test_a_file_field_still_gets_its_upload_beside_text(client: HipflaskClient) -> None:
    response = client.post(
        "/profile",
        data={"name": "ada", "age": "36", "avatar": upload("me.png")},
        content_type="multipart/form-data",
    )

    body = response.get_json()
    assert body["avatar"] == "me.png"
    assert body["name"] == "ada"
    assert NOT_A_FILE not in str(body["errors"])


class Attachment(Form):
    file = FileField()
    caption = StringField()


class AttachmentsForm(FlaskForm):
    class Meta:
        csrf = False

    files = FieldList(FileField())
    attachments = FieldList(FormField(Attachment))
    flags = FieldList(BooleanField())


@pytest.fixture
def attachments_client(app: Hipflask, protocol: str) -> HipflaskClient:
    @app.post("/attachments")
    def attachments() -> object:
        form = AttachmentsForm()
        valid = form.validate()
        return {
            "valid": valid,
            "errors": form.errors,
            "files": [entry.data.filename if entry.data else None for entry in form.files],
            "attachments": [
                [row.file.data.filename if row.file.data else None, row.caption.data]
                for row in form.attachments
            ],
        }

    return app.test_client(protocol=protocol)  # type: ignore[return-value]


def test_a_field_list_of_file_fields_gets_an_entry_per_upload(
    attachments_client: HipflaskClient,
) -> None:
    # As under Flask-WTF: each entry is found from the names the uploads came under.
    body = attachments_client.post(
        "/attachments",
        data={"files-0": upload("a.txt"), "files-1": upload("b.txt")},
        content_type="multipart/form-data",
    ).get_json()
    assert body["files"] == ["a.txt", "b.txt"]
    assert body["valid"] is True


def test_a_field_list_of_form_fields_gets_their_uploads(
    attachments_client: HipflaskClient,
) -> None:
    body = attachments_client.post(
        "/attachments",
        data={
            "attachments-0-file": upload("a.txt"),
            "attachments-1-file": upload("b.txt"),
            "attachments-1-caption": "second",
        },
        content_type="multipart/form-data",
    ).get_json()
    assert body["attachments"] == [["a.txt", None], ["b.txt", "second"]]


def test_a_file_under_a_field_list_entry_that_is_no_file_field_is_no_entry(
    attachments_client: HipflaskClient,
) -> None:
    body = attachments_client.post(
        "/attachments",
        data={"flags-0": upload("x.txt"), "files-0": upload("a.txt")},
        content_type="multipart/form-data",
    ).get_json()
    assert body["files"] == ["a.txt"]
    assert body["errors"] == {}
