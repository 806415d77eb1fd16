"""BaseModelView's configuration surface and hooks, and the backend contract it calls."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from tests.admin.memory_backend import MemoryModelView
from tests.admin.memory_backend import Person
from tests.admin.memory_backend import people
from tests.conftest import SECRET
from wtforms import StringField
from wtforms import ValidationError

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.form import rules
from hipflask.admin.model import BaseModelView
from hipflask.testing.client import HipflaskClient

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def serve(app: Hipflask, view: BaseModelView, protocol: str) -> HipflaskClient:
    Admin(app).add_view(view)
    client: HipflaskClient = app.test_client(protocol=protocol)
    return client


def token(client: HipflaskClient, url: str) -> str:
    found = _TOKEN.search(client.get(url).get_data(as_text=True))
    assert found is not None
    return found.group(1)


def header_cells(body: str) -> list[str]:
    return re.findall(r'<th class="admin-col-(\w+)"', body)


def test_form_rules_order_and_drop_unlisted_fields(app: Hipflask, protocol: str) -> None:
    class View(MemoryModelView):
        form_rules = (
            rules.FieldSet(("age", "name"), "Who"),
            rules.Text("<b>note</b>"),
            rules.HTML("<hr class=sep>"),
        )
        form_widget_args = {"name": {"placeholder": "Full name", "class": "wide"}}  # noqa: RUF012

    rows = people()[:1]
    client = serve(app, View(Person, rows), protocol)
    body = client.get("/admin/person/edit/?id=1").get_data(as_text=True)

    assert '<h3 class="admin-form-header">Who</h3>' in body
    assert body.index('name="age"') < body.index('name="name"')
    assert 'name="email"' not in body
    assert 'placeholder="Full name"' in body
    assert 'class="admin-input wide"' in body
    assert "&lt;b&gt;note&lt;/b&gt;" in body
    assert "<hr class=sep>" in body

    client.post(
        "/admin/person/edit/?id=1",
        data={
            "name": "A",
            "age": "1",
            "email": "changed@evil.test",
            "csrf_token": _TOKEN.search(body).group(1),
        },  # type: ignore[union-attr]
    )
    assert rows[0].name == "A"
    assert rows[0].email == "alice@example.test"


def test_create_and_edit_rules_differ(app: Hipflask, protocol: str) -> None:
    class View(MemoryModelView):
        form_create_rules = ("name", "age", "email")
        form_edit_rules = ("email", "age", "name")

    client = serve(app, View(Person, people()), protocol)
    create = client.get("/admin/person/new/").get_data(as_text=True)
    edit = client.get("/admin/person/edit/?id=1").get_data(as_text=True)

    assert create.index('name="name"') < create.index('name="email"')
    assert edit.index('name="email"') < edit.index('name="name"')


def test_form_extra_fields_and_an_explicit_form(app: Hipflask, protocol: str) -> None:
    class View(MemoryModelView):
        form_extra_fields = {"nickname": StringField("Nickname")}  # noqa: RUF012

    body = (
        serve(app, View(Person, people()), protocol)
        .get("/admin/person/new/")
        .get_data(as_text=True)
    )

    assert 'name="nickname"' in body


def test_hooks_run_around_changes(app: Hipflask, protocol: str) -> None:
    calls: list[str] = []

    class View(MemoryModelView):
        def after_model_change(self, form: Any, model: Any, is_created: bool) -> None:
            calls.append(f"after {model.name} {is_created}")

        def on_form_prefill(self, form: Any, id: Any) -> None:
            calls.append(f"prefill {id}")
            form.email.data = "prefilled@example.test"

        def on_model_delete(self, model: Any) -> None:
            if model.name == "Alice":
                raise ValidationError("Alice stays.")

        def after_model_delete(self, model: Any) -> None:
            calls.append(f"deleted {model.name}")

    rows = people()
    client = serve(app, View(Person, rows), protocol)
    edit = client.get("/admin/person/edit/?id=2").get_data(as_text=True)
    assert 'value="prefilled@example.test"' in edit
    csrf = token(client, "/admin/person/new/")
    client.post("/admin/person/new/", data={"name": "Zed", "age": "9", "csrf_token": csrf})
    client.post("/admin/person/delete/", data={"id": "1", "csrf_token": csrf})
    client.post("/admin/person/delete/", data={"id": "2", "csrf_token": csrf})

    assert calls == ["prefill 2", "after Zed True", "deleted Bob"]
    assert "Alice stays." in client.get("/admin/person/").get_data(as_text=True)


def test_a_backend_error_propagates_when_asked(app: Hipflask) -> None:
    class View(MemoryModelView):
        def on_model_delete(self, model: Any) -> None:
            raise RuntimeError("database down")

    app.config["FLASK_ADMIN_RAISE_ON_VIEW_EXCEPTION"] = True
    view = View(Person, people())
    Admin(app).add_view(view)

    with app.test_request_context("/"), pytest.raises(RuntimeError, match="database down"):
        view.delete_model(view.rows[0])


def test_save_return_url_can_be_overridden(app: Hipflask, protocol: str) -> None:
    class View(MemoryModelView):
        def get_save_return_url(self, model: Any, is_created: bool = False) -> str:
            return self.get_url(".details_view", id=model.id)

    client = serve(app, View(Person, people()), protocol)
    csrf = token(client, "/admin/person/new/")
    response = client.post(
        "/admin/person/new/", data={"name": "Zed", "age": "9", "csrf_token": csrf}
    )

    assert response.headers["Location"] == "/admin/person/details/?id=6"


def test_add_another_goes_back_to_the_create_form(app: Hipflask, protocol: str) -> None:
    client = serve(app, MemoryModelView(Person, people()), protocol)
    csrf = token(client, "/admin/person/new/")

    response = client.post(
        "/admin/person/new/",
        data={"name": "Zed", "age": "9", "csrf_token": csrf, "_add_another": "1"},
    )

    assert response.headers["Location"].startswith("/admin/person/new/?url=")


def test_a_custom_list_template(tmp_path: Path, protocol: str) -> None:
    (tmp_path / "people.html").write_text(
        "{% extends 'admin/model/list.html' %}"
        "{% block list_row_actions %}<em>no actions</em>{% endblock %}"
        "{% block model_menu_bar_before_filters %}<li>Before</li>{% endblock %}"
        "{% block empty_list_message %}Nobody yet{% endblock %}"
    )
    app = Hipflask("people", template_folder=str(tmp_path))
    app.config.update(TESTING=True, SECRET_KEY=SECRET)

    class View(MemoryModelView):
        list_template = "people.html"

    rows = people()[:1]
    client = serve(app, View(Person, rows), protocol)
    body = client.get("/admin/person/").get_data(as_text=True)
    assert "<em>no actions</em>" in body
    assert "<li>Before</li>" in body
    rows.clear()
    assert "Nobody yet" in client.get("/admin/person/").get_data(as_text=True)


def test_named_filter_urls(app: Hipflask, protocol: str) -> None:
    class View(MemoryModelView):
        column_filters = ("age",)
        named_filter_urls = True

    client = serve(app, View(Person, people()), protocol)
    body = client.get("/admin/person/?flt0_age_greater_than=30").get_data(as_text=True)

    assert re.findall(r'admin-col-name">(\w+)<', body) == ["Alice", "Carol"]
    assert '<option value="age_equals"' in body


def test_an_unknown_filter_name_is_a_setup_error() -> None:
    class View(MemoryModelView):
        column_filters = ("shoe_size",)

    with pytest.raises(TypeError, match="shoe_size"):
        View(Person, people())


def test_a_page_size_outside_the_options_is_a_setup_error() -> None:
    class View(MemoryModelView):
        can_set_page_size = True
        page_size = 7

    with pytest.raises(ValueError, match="page_size_options"):
        View(Person, people())


@pytest.mark.parametrize(
    "method",
    ["scaffold_list_columns", "scaffold_sortable_columns", "scaffold_form", "scaffold_list_form"],
)
def test_the_contract_names_what_is_missing(method: str) -> None:
    class Partial(BaseModelView):
        pass

    view = Partial.__new__(Partial)
    with pytest.raises(NotImplementedError, match=method):
        getattr(view, method)()


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("get_pk_value", (None,)),
        ("get_list", (0, None, False, None, None)),
        ("get_one", ("1",)),
        ("create_model", (None,)),
        ("update_model", (None, None)),
        ("delete_model", (None,)),
    ],
)
def test_the_data_contract_names_what_is_missing(method: str, args: tuple[Any, ...]) -> None:
    view = BaseModelView.__new__(BaseModelView)

    with pytest.raises(NotImplementedError, match=method):
        getattr(view, method)(*args)


def test_contract_defaults() -> None:
    view = BaseModelView.__new__(BaseModelView)

    assert view.init_search() is False
    assert view.search_placeholder() is None
    assert view.scaffold_filters("x") is None
    assert view.is_valid_filter("x") is False


def test_endpoint_and_name_come_from_the_model() -> None:
    view = MemoryModelView(Person, [])

    assert view.endpoint == "person"
    assert view.name == "Person"
    assert MemoryModelView(Person, [], endpoint="people", name="Folks").endpoint == "people"


def test_async_exposed_methods_run(app: Hipflask, protocol: str) -> None:
    from hipflask.admin import expose

    class View(MemoryModelView):
        @expose("/count")
        async def count(self) -> str:
            return str(len(self.rows))

    client = serve(app, View(Person, people()), protocol)

    assert client.get("/admin/person/count").get_data(as_text=True) == "5"
