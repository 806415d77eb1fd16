"""In-list editing (``column_editable_list``), through the in-memory backend, both protocols."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.admin.memory_backend import MemoryModelView
from tests.admin.memory_backend import Person
from tests.admin.memory_backend import people
from wtforms import Form
from wtforms import IntegerField
from wtforms import StringField
from wtforms import ValidationError
from wtforms import validators as v

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.model.form import create_editable_list_form
from hipflask.testing.client import HipflaskClient

_CELL_TOKEN = re.compile(r'data-csrf="([^"]+)"')
URL = "/admin/person/ajax/update/"


class EditablePersonView(MemoryModelView):
    column_editable_list = ("name", "age")
    column_list = ("name", "age", "email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.changes: list[tuple[str, bool]] = []
        self.allowed = True
        super().__init__(*args, **kwargs)

    def is_accessible(self) -> bool:
        return self.allowed

    def scaffold_list_form(self, widget: Any = None, validators: Any = None) -> type[Form]:
        class Editable(Form):
            name = StringField("Name", validators=[v.InputRequired()])
            age = IntegerField("Age", validators=[v.NumberRange(min=0, max=150)])

        return create_editable_list_form(self.form_base_class, Editable, widget)

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        if model.name == "forbidden":
            raise ValidationError("That name is not allowed.")
        self.changes.append((model.name, is_created))


@pytest.fixture
def view() -> EditablePersonView:
    return EditablePersonView(Person, people())


@pytest.fixture
def app(app: Hipflask, view: EditablePersonView) -> Hipflask:
    Admin(app, name="Test").add_view(view)
    return app


def cell_token(client: HipflaskClient) -> str:
    found = _CELL_TOKEN.search(client.get("/admin/person/").get_data(as_text=True))
    assert found is not None, "the editable cells carry no CSRF token"
    return found.group(1)


def post(client: HipflaskClient, data: dict[str, Any], **kwargs: Any) -> Any:
    return client.post(URL, data=data, **kwargs)


# -- the list page ------------------------------------------------------------------


def test_editable_cells_carry_the_row_key_the_update_url_and_the_input(
    client: HipflaskClient,
) -> None:
    page = client.get("/admin/person/").get_data(as_text=True)

    assert 'data-role="x-editable"' in page
    assert 'data-pk="1"' in page and 'data-name="age"' in page
    assert f'data-url="{URL}"' in page
    assert (
        '<template data-editable-input><input max="150" min="0" name="age" type="number"'
        ' value="34">' in page
    )
    assert "<script>" not in page  # no inline script: the admin's file does the editing


def test_a_column_not_in_the_list_is_not_editable(client: HipflaskClient) -> None:
    page = client.get("/admin/person/").get_data(as_text=True)

    assert 'data-name="email"' not in page
    assert "alice@example.test" in page


def test_without_can_edit_the_cells_are_plain_text(
    client: HipflaskClient, view: EditablePersonView
) -> None:
    view.can_edit = False

    page = client.get("/admin/person/").get_data(as_text=True)

    assert "data-editable-open" not in page
    assert "Alice" in page


# -- saving a cell ----------------------------------------------------------------------


def test_a_cell_is_saved_through_the_model_hooks(
    client: HipflaskClient, view: EditablePersonView
) -> None:
    token = cell_token(client)

    response = post(client, {"list_form_pk": "2", "name": "Robert", "csrf_token": token})

    assert response.status_code == 200
    assert response.get_data(as_text=True) == "Record was successfully saved."
    assert view.rows[1].name == "Robert"
    assert view.rows[1].age == 27  # the column not sent keeps its value
    assert view.changes == [("Robert", False)]


def test_an_invalid_value_is_400_with_the_message_and_nothing_is_written(
    client: HipflaskClient, view: EditablePersonView
) -> None:
    token = cell_token(client)

    response = post(client, {"list_form_pk": "1", "age": "900", "csrf_token": token})

    assert response.status_code == 400
    assert "between 0 and 150" in response.get_data(as_text=True)
    assert view.rows[0].age == 34
    assert view.changes == []


def test_a_hook_refusing_the_change_is_400_with_its_message(
    client: HipflaskClient, view: EditablePersonView
) -> None:
    token = cell_token(client)

    response = post(client, {"list_form_pk": "1", "name": "forbidden", "csrf_token": token})

    assert response.status_code == 400
    assert "That name is not allowed." in response.get_data(as_text=True)
    assert view.changes == []


def test_the_error_answer_carries_only_this_updates_errors(
    app: Hipflask, client: HipflaskClient, view: EditablePersonView
) -> None:
    from hipflask import flash
    from hipflask import get_flashed_messages

    @app.get("/flash-earlier")
    def flash_earlier() -> str:
        flash("Your earlier notice.", "info")
        return "flashed"

    @app.get("/next-page")
    def next_page() -> Any:
        return {"messages": get_flashed_messages(with_categories=True)}

    token = cell_token(client)
    client.get("/flash-earlier")

    response = post(client, {"list_form_pk": "1", "name": "forbidden", "csrf_token": token})

    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert text == "Failed to update record. That name is not allowed."
    # The user's own notice is not the update's error, and is not lost:
    # the next page shows it, and shows nothing of the failed update.
    assert client.get("/next-page").json == {"messages": [["info", "Your earlier notice."]]}


def test_the_error_answer_is_plain_text_not_html(client: HipflaskClient) -> None:
    token = cell_token(client)

    response = post(client, {"list_form_pk": "1", "age": "<script>x</script>", "csrf_token": token})

    assert response.status_code == 400
    assert response.mimetype == "text/plain"


def test_an_unknown_record_is_404(client: HipflaskClient) -> None:
    token = cell_token(client)

    response = post(client, {"list_form_pk": "99", "name": "Ghost", "csrf_token": token})

    assert response.status_code == 404
    assert response.get_data(as_text=True) == "Record does not exist."


def test_a_missing_row_key_is_400(client: HipflaskClient, view: EditablePersonView) -> None:
    token = cell_token(client)

    response = post(client, {"name": "Nobody", "csrf_token": token})

    assert response.status_code == 400
    assert [row.name for row in view.rows].count("Nobody") == 0


# -- attacks -------------------------------------------------------------------------------


def test_a_tampered_field_name_is_refused(client: HipflaskClient, view: EditablePersonView) -> None:
    token = cell_token(client)

    response = post(
        client, {"list_form_pk": "1", "email": "evil@example.test", "csrf_token": token}
    )

    assert response.status_code == 400
    assert "No editable column was sent." in response.get_data(as_text=True)
    assert view.rows[0].email == "alice@example.test"


def test_a_post_without_the_csrf_token_is_refused(
    client: HipflaskClient, view: EditablePersonView
) -> None:
    response = post(client, {"list_form_pk": "1", "name": "Mallory"})

    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert view.rows[0].name == "Alice"


def test_a_forged_csrf_token_is_refused(client: HipflaskClient, view: EditablePersonView) -> None:
    response = post(client, {"list_form_pk": "1", "name": "Mallory", "csrf_token": "forged.x"})

    assert response.status_code == 400
    assert view.rows[0].name == "Alice"


def test_a_cross_site_post_is_refused(client: HipflaskClient, view: EditablePersonView) -> None:
    token = cell_token(client)

    response = post(
        client,
        {"list_form_pk": "1", "name": "Mallory", "csrf_token": token},
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test"},
    )

    assert response.status_code == 403
    assert view.rows[0].name == "Alice"


def test_a_view_without_can_edit_refuses_the_update(
    client: HipflaskClient, view: EditablePersonView
) -> None:
    token = cell_token(client)
    view.can_edit = False

    response = post(client, {"list_form_pk": "1", "name": "Mallory", "csrf_token": token})

    assert response.status_code == 403
    assert view.rows[0].name == "Alice"


def test_a_view_the_user_may_not_open_refuses_the_update(
    client: HipflaskClient, view: EditablePersonView
) -> None:
    token = cell_token(client)
    view.allowed = False

    response = post(client, {"list_form_pk": "1", "name": "Mallory", "csrf_token": token})

    assert response.status_code == 403
    assert view.rows[0].name == "Alice"


def test_a_get_is_not_an_update(client: HipflaskClient, view: EditablePersonView) -> None:
    response = client.get(URL, query_string={"list_form_pk": "1", "name": "Mallory"})

    assert response.status_code == 405
    assert view.rows[0].name == "Alice"


def test_a_view_without_editable_columns_has_no_update_page(
    app: Hipflask, client: HipflaskClient
) -> None:
    other = MemoryModelView(Person, people(), endpoint="plain")
    Admin(app, name="Other", url="/other", endpoint="other").add_view(other)

    response = client.post("/other/plain/ajax/update/", data={"list_form_pk": "1", "name": "x"})

    assert response.status_code == 404
