"""An admin over an in-memory backend, for ``test_admin_browser.py``.

It answers every page with a strict Content-Security-Policy (scripts and
styles from the site only, nothing inline), so the browser test proves the
admin's pages work without inline code. Servers import it as ``adminapp:app``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# The in-memory backend lives with the admin tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.admin.memory_backend import MemoryModelView
from tests.admin.memory_backend import Person
from tests.admin.memory_backend import people
from wtforms import Form
from wtforms import IntegerField
from wtforms.validators import NumberRange

from hipflask import Hipflask
from hipflask import flash
from hipflask.admin import Admin
from hipflask.admin.actions import action
from hipflask.admin.model.ajax import DEFAULT_PAGE_SIZE
from hipflask.admin.model.ajax import AjaxModelLoader
from hipflask.admin.model.fields import AjaxSelectField
from hipflask.admin.model.form import create_editable_list_form

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none';"
    " base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

app = Hipflask(__name__)
app.config.update(
    SECRET_KEY="adminapp-secret-key-that-is-long-enough-0123456789",
    # Served over plain HTTP on loopback.
    SESSION_COOKIE_SECURE=False,
)


class PersonView(MemoryModelView):
    column_filters = ("age", "name")
    column_searchable_list = ("name",)
    can_view_details = True

    @action("shout", "Shout", "Shout at them?")
    def action_shout(self, ids: list[str]) -> None:
        for row in self.rows:
            if str(row.id) in ids:
                row.name = row.name.upper()


@app.after_request
def strict_csp(response: Any) -> Any:
    response.headers["Content-Security-Policy"] = STRICT_CSP
    return response


class FriendLoader(AjaxModelLoader):
    """Finds people by name for the ``friend`` field of the team view."""

    def __init__(self, rows: list[Person]) -> None:
        super().__init__("friend", {"placeholder": "Find a friend", "minimum_input_length": 2})
        self.rows = rows

    def format(self, model: Any) -> tuple[Any, str] | None:
        return None if model is None else (model.id, model.name)

    def get_one(self, pk: Any) -> Any:
        return next((row for row in self.rows if str(row.id) == str(pk)), None)

    def get_list(self, query: str, offset: int = 0, limit: int = DEFAULT_PAGE_SIZE) -> list[Any]:
        found = [row for row in self.rows if query.lower() in row.name.lower()]
        return found[offset : offset + limit]


class TeamView(MemoryModelView):
    """In-list editing of ages, and an ajax ``friend`` field on the create form."""

    column_list = ("name", "age")
    column_editable_list = ("age",)

    def scaffold_list_form(self, widget: Any = None, validators: Any = None) -> type[Form]:
        class Editable(Form):
            age = IntegerField("Age", validators=[NumberRange(min=0, max=150)])

        return create_editable_list_form(self.form_base_class, Editable, widget)

    def after_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        friend = getattr(model, "friend", None)
        if friend is not None:
            flash(f"{model.name} is a friend of {friend.name}.", "success")


team = people()
TeamView.form_ajax_refs = {"friend": FriendLoader(team)}
TeamView.form_extra_fields = {"friend": AjaxSelectField(TeamView.form_ajax_refs["friend"])}

admin = Admin(app, name="Browser")
admin.add_view(PersonView(Person, people()))
admin.add_view(TeamView(Person, team, name="Team", endpoint="team"))
