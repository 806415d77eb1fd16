"""Column lists, labels, formatters and sorting of a model view (its columns mixin)."""

from __future__ import annotations

import re
from typing import Any

from tests.admin.memory_backend import MemoryModelView
from tests.admin.memory_backend import Person
from tests.admin.memory_backend import people

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.model import BaseModelView
from hipflask.testing.client import HipflaskClient


def serve(app: Hipflask, view: BaseModelView, protocol: str) -> HipflaskClient:
    Admin(app).add_view(view)
    client: HipflaskClient = app.test_client(protocol=protocol)
    return client


def header_cells(body: str) -> list[str]:
    return re.findall(r'<th class="admin-col-(\w+)"', body)


def test_column_list_exclude_labels_and_descriptions(app: Hipflask, protocol: str) -> None:
    class View(MemoryModelView):
        column_list = ("name", "age", "email")
        column_exclude_list = ("email",)
        column_labels = {"name": "Full name"}  # noqa: RUF012
        column_descriptions = {"age": "In years"}  # noqa: RUF012

    body = serve(app, View(Person, people()), protocol).get("/admin/person/").get_data(as_text=True)

    assert header_cells(body) == ["actions", "name", "age"]
    assert ">Full name</a>" in body
    assert 'title="In years"' in body


def test_formatters_choices_and_type_formatters(app: Hipflask, protocol: str) -> None:
    class View(MemoryModelView):
        column_list = ("name", "age", "email", "active")
        column_formatters = {  # noqa: RUF012
            "name": lambda view, context, model, name: f"[{model.name}]",
        }
        column_choices = {"age": [(34, "thirty-four")]}  # noqa: RUF012

    rows = people()[:1]
    rows[0].active = True  # type: ignore[attr-defined]
    body = serve(app, View(Person, rows), protocol).get("/admin/person/").get_data(as_text=True)

    assert '<td class="admin-col-name">[Alice]</td>' in body
    assert '<td class="admin-col-age">thirty-four</td>' in body
    assert 'class="admin-bool" title="Yes"' in body


def test_only_sortable_columns_sort(app: Hipflask, protocol: str) -> None:
    class View(MemoryModelView):
        column_sortable_list = ("name", ("years", "age"))
        column_list = ("name", "years")
        column_default_sort = ("name", True)

        def _get_field_value(self, model: Any, name: Any) -> Any:
            return model.age if name == "years" else super()._get_field_value(model, name)

    client = serve(app, View(Person, people()), protocol)
    body = client.get("/admin/person/").get_data(as_text=True)

    assert re.findall(r'admin-col-name">(\w+)<', body)[:2] == ["Eve", "Dave"]
    assert 'href="/admin/person/?sort=1' in body


def test_details_and_export_columns(app: Hipflask, protocol: str) -> None:
    class View(MemoryModelView):
        can_view_details = True
        can_export = True
        column_details_list = ("name",)
        column_export_list = ("email",)

    client = serve(app, View(Person, people()[:1]), protocol)
    details = client.get("/admin/person/details/?id=1").get_data(as_text=True)
    export = client.get("/admin/person/export/csv/").get_data(as_text=True)

    assert "Alice" in details
    assert "alice@example.test" not in details
    assert export.splitlines() == ["Email", "alice@example.test"]


def test_dotted_column_names_follow_relations() -> None:
    view = MemoryModelView(Person, [])
    holder = type("Holder", (), {"owner": Person(1, "Ann", 30), "empty": None, "data": {"k": 1}})()

    assert view._get_field_value(holder, "owner.name") == "Ann"
    assert view._get_field_value(holder, "empty.name") is None
    assert view._get_field_value(holder, "data.k") == 1
    assert view.get_column_name("owner.name") == "Owner.Name"
