"""Admin form bases: CSRF-protected by default."""

from __future__ import annotations

import io
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import FieldList
from wtforms import FileField
from wtforms import FormField
from wtforms import StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

from hipflask import Hipflask
from hipflask.admin.form import BaseForm
from hipflask.admin.form import FormOpts
from hipflask.admin.form import JSONField
from hipflask.admin.form import SecureForm
from hipflask.admin.form import recreate_field
from hipflask.admin.helpers import get_form_data
from hipflask.testing.client import HipflaskClient


class NoteForm(BaseForm):
    text = StringField()


def test_base_form_refuses_a_post_without_a_token(app: Hipflask) -> None:
    with app.test_request_context("/", method="POST", data={"text": "hi"}):
        form = NoteForm()
        assert not form.validate()
        assert "csrf_token" in form.errors


def test_base_form_accepts_its_own_token(app: Hipflask) -> None:
    # The token is bound to the session: issue and check it in one request.
    with app.test_request_context("/", method="POST"):
        issued = NoteForm(MultiDict()).csrf_token.current_token
        form = NoteForm(MultiDict({"text": "hi", "csrf_token": issued}))
        assert form.validate(), form.errors


def test_a_file_posted_under_a_text_field_is_a_field_error(
    app: Hipflask, client: HipflaskClient
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False

    class LimitedForm(BaseForm):
        text = StringField(validators=[Length(max=5)])
        data = JSONField()
        upload = FileField()
        rows = FieldList(FormField(NoteForm), min_entries=1)

    @app.post("/submit")
    def submit() -> Any:
        form = LimitedForm(get_form_data())
        valid = form.validate()
        return {"valid": valid, "errors": form.errors, "upload": form.upload.data is not None}

    for name in ("text", "data", "rows-0-text"):
        response = client.post(
            "/submit",
            data={name: (io.BytesIO(b"x"), "a.txt"), "upload": (io.BytesIO(b"y"), "b.txt")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 200
        body: Any = response.json
        assert body["valid"] is False
        assert body["upload"] is True
        assert "file" in str(body["errors"])


def test_secure_form_is_a_base_form() -> None:
    assert issubclass(SecureForm, BaseForm)


def test_secure_form_checks_its_token_even_with_csrf_turned_off(app: Hipflask) -> None:
    class Secure(SecureForm):
        text = StringField()

    app.config["WTF_CSRF_ENABLED"] = False
    with app.test_request_context("/", method="POST", data={"text": "hi"}):
        assert not Secure().validate()
        assert NoteForm().validate()


def test_csrf_can_be_turned_off_for_tests(app: Hipflask) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    with app.test_request_context("/", method="POST", data={"text": "hi"}):
        assert NoteForm().validate()


def test_form_opts_defaults() -> None:
    opts = FormOpts()

    assert opts.widget_args == {}
    assert opts.form_rules is None


def test_recreate_field_copies_an_unbound_field() -> None:
    original = StringField("Label", default="x")

    copy = recreate_field(original)

    assert isinstance(copy, UnboundField)
    assert copy is not original
    assert copy.args == ("Label",)
    assert copy.kwargs == {"default": "x"}
    with pytest.raises(TypeError, match="unbound field"):
        recreate_field("text")  # type: ignore[arg-type]


def test_base_form_takes_flask_admins_positional_arguments(app: Hipflask) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    model = type("Model", (), {"text": "from the model"})()
    with app.test_request_context("/", method="POST", data={"text": "from the request"}):
        assert NoteForm(None, model).text.data == "from the model"
        assert NoteForm(MultiDict({"text": "given"}), model).text.data == "given"
        assert NoteForm().text.data == "from the request"
        assert NoteForm(None, None, "p").text.name == "p-text"
