"""Row buttons: the built-in ones and the extra ones a view adds."""

from __future__ import annotations

import pytest
from tests.admin.memory_backend import MemoryModelView
from tests.admin.memory_backend import Person
from tests.admin.memory_backend import people

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.model import template
from hipflask.testing.client import HipflaskClient


class RowsView(MemoryModelView):
    can_view_details = True
    column_extra_row_actions = [  # noqa: RUF012 - Flask-Admin's class attribute
        template.LinkRowAction("icon-mail", "/mail/{row_id}", title="Mail"),
        template.EndpointLinkRowAction("icon-copy", ".create_view", title="Copy", id_arg="from"),
        template.LinkRowAction("icon-x", lambda action, row_id, row: f"/x/{row.name}", "X"),
    ]
    column_formatters = {  # noqa: RUF012 - Flask-Admin's class attribute
        "email": template.macro("render_email"),
    }


@pytest.fixture
def app(app: Hipflask) -> Hipflask:
    Admin(app).add_view(RowsView(Person, people()[:1]))
    return app


def test_rows_carry_view_edit_delete_and_extra_actions(client: HipflaskClient) -> None:
    body = client.get("/admin/person/").get_data(as_text=True)

    assert 'href="/admin/person/details/?id=1&amp;url=' in body
    assert 'href="/admin/person/edit/?id=1&amp;url=' in body
    assert 'method="POST" action="/admin/person/delete/">' in body
    assert 'href="/mail/1"' in body
    assert 'href="/admin/person/new/?from=1"' in body
    assert 'href="/x/Alice"' in body


def test_a_macro_formatter_missing_from_the_template_renders_nothing(
    client: HipflaskClient,
) -> None:
    body = client.get("/admin/person/").get_data(as_text=True)

    assert "alice@example.test" not in body


def test_popup_variants_are_the_page_actions() -> None:
    assert template.ViewPopupRowAction().template_name == "row_actions.view_row"
    assert template.EditPopupRowAction().template_name == "row_actions.edit_row"
    with pytest.raises(NotImplementedError):
        template.BaseListRowAction().render(None, 1, None)
