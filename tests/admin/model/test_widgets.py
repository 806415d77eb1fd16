"""The ajax select and the in-list editor: plain, escaped HTML that admin.js enhances."""

from __future__ import annotations

from typing import Any

import pytest
from tests.admin.memory_backend import MemoryModelView
from tests.admin.memory_backend import Person
from tests.admin.memory_backend import people
from tests.admin.model.test_fields import RowLoader
from wtforms import Form
from wtforms import StringField

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.model.fields import AjaxSelectField
from hipflask.admin.model.fields import AjaxSelectMultipleField
from hipflask.admin.model.form import create_editable_list_form
from hipflask.admin.model.widgets import XEditableWidget
from hipflask.testing.client import HipflaskClient

EVIL = '<img src=x onerror="alert(1)">'


class WidgetView(MemoryModelView):
    column_editable_list = ("name",)

    def scaffold_list_form(self, widget: Any = None, validators: Any = None) -> type[Form]:
        class Editable(Form):
            name = StringField("Name")

        return create_editable_list_form(self.form_base_class, Editable, widget)


@pytest.fixture
def view() -> WidgetView:
    loader = RowLoader()
    loader.options = {"placeholder": "Find a row", "minimum_input_length": 2}
    WidgetView.form_ajax_refs = {"row": loader}
    WidgetView.form_extra_fields = {
        "row": AjaxSelectField(loader, allow_blank=True),
        "rows": AjaxSelectMultipleField(loader),
    }
    try:
        rows = people()
        rows[0].name = EVIL
        return WidgetView(Person, rows)
    finally:
        WidgetView.form_ajax_refs = None
        WidgetView.form_extra_fields = None


@pytest.fixture
def app(app: Hipflask, view: WidgetView) -> Hipflask:
    Admin(app, name="Test").add_view(view)
    return app


def test_the_ajax_select_names_its_lookup_url_in_data_attributes(
    client: HipflaskClient,
) -> None:
    page = client.get("/admin/person/new/").get_data(as_text=True)

    assert 'data-url="/admin/person/ajax/lookup/?name=row"' in page
    assert 'data-role="select2-ajax"' in page
    assert 'data-placeholder="Find a row"' in page
    assert 'data-minimum-input-length="2"' in page
    assert 'data-allow-blank="1"' in page
    assert "<script>" not in page


def test_the_ajax_select_lists_no_rows_but_the_blank_choice(client: HipflaskClient) -> None:
    page = client.get("/admin/person/new/").get_data(as_text=True)
    start = page.index('name="row"')
    select = page[start : page.index("</select>", start)]

    assert select.count("<option") == 1
    assert "ann" not in select


def test_a_multiple_ajax_select_is_a_select_multiple(client: HipflaskClient) -> None:
    page = client.get("/admin/person/new/").get_data(as_text=True)

    assert 'multiple name="rows"' in page


def test_the_editable_cell_escapes_the_value_in_the_button_and_the_input(
    client: HipflaskClient,
) -> None:
    page = client.get("/admin/person/").get_data(as_text=True)

    assert EVIL not in page
    assert "&lt;img src=x onerror=" in page
    assert 'value="&lt;img src=x onerror=&#34;alert(1)&#34;&gt;"' in page


def test_the_editor_needs_the_rows_key() -> None:
    class Editable(Form):
        name = StringField(widget=XEditableWidget())

    with pytest.raises(ValueError, match="pk="):
        Editable().name(display_value="x")
