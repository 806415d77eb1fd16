"""``FieldListInputRequired``: a list field needs at least one entry."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from tests.admin.memory_backend import MemoryModelView
from tests.admin.memory_backend import Person
from tests.admin.memory_backend import people
from werkzeug.datastructures import MultiDict
from wtforms import FieldList
from wtforms import Form
from wtforms import StringField
from wtforms.validators import InputRequired

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.form.validators import FieldListInputRequired
from hipflask.admin.helpers import get_form_data
from hipflask.admin.helpers import is_required_form_field
from hipflask.testing.client import HipflaskClient

MESSAGE = "This field requires at least one item."
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class TagsForm(Form):
    tags = FieldList(StringField(), validators=[FieldListInputRequired()])


def test_a_list_without_entries_fails_with_the_message(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.post("/tags")
    def tags() -> Any:
        form = TagsForm(get_form_data())
        return {"valid": form.validate(), "errors": form.errors}

    empty = client.post("/tags", data={"other": "x"}).get_json()
    one = client.post("/tags", data={"tags-0": "red"}).get_json()

    assert empty == {"valid": False, "errors": {"tags": [MESSAGE]}}
    assert one == {"valid": True, "errors": {}}


def test_an_empty_entry_still_counts_as_an_entry() -> None:
    # As in Flask-Admin: the validator counts entries; their content is theirs to check.
    form = TagsForm(MultiDict({"tags-0": ""}))

    assert form.validate()


def test_the_field_is_flagged_required() -> None:
    form = TagsForm()

    assert form.tags.flags.required
    assert is_required_form_field(form.tags)


def test_on_a_field_that_is_not_a_list_it_says_what_to_use() -> None:
    class NameForm(Form):
        name = StringField(validators=[FieldListInputRequired()])

    with pytest.raises(TypeError, match="use InputRequired"):
        NameForm(MultiDict()).validate()


class TaggedView(MemoryModelView):
    form_extra_fields = {  # noqa: RUF012
        "tags": FieldList(
            StringField("Tag", validators=[InputRequired()]),
            validators=[FieldListInputRequired()],
        )
    }


def test_an_admin_form_refuses_a_record_without_entries(
    app: Hipflask, client: HipflaskClient
) -> None:
    view = TaggedView(Person, people())
    Admin(app).add_view(view)
    page = client.get("/admin/person/new/").get_data(as_text=True)
    found = _TOKEN.search(page)
    assert found is not None
    form = {"name": "Zed", "age": "40", "csrf_token": found.group(1)}

    refused = client.post("/admin/person/new/", data=form)
    created = client.post("/admin/person/new/", data={**form, "tags-0": "new"})

    assert refused.status_code == 200
    assert MESSAGE in html.unescape(refused.get_data(as_text=True))
    assert created.status_code == 302
    assert [(p.name, getattr(p, "tags", None)) for p in view.rows[5:]] == [("Zed", ["new"])]
