"""The generic model pages, driven through an in-memory backend, under both protocols."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.admin.memory_backend import MemoryModelView
from tests.admin.memory_backend import Person
from tests.admin.memory_backend import people
from wtforms import ValidationError

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.actions import action
from hipflask.testing.client import HipflaskClient

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class PersonView(MemoryModelView):
    column_searchable_list = ("name", "email")
    column_filters = ("age", "name")
    column_default_sort = "name"
    can_view_details = True
    can_export = True
    page_size = 2

    @action("shout", "Shout", "Shout at them?")
    def action_shout(self, ids: list[str]) -> None:
        for row in self.rows:
            if str(row.id) in ids:
                row.name = row.name.upper()

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        if model.name == "forbidden":
            raise ValidationError("That name is not allowed.")


@pytest.fixture
def view() -> PersonView:
    return PersonView(Person, people())


@pytest.fixture
def app(app: Hipflask, view: PersonView) -> Hipflask:
    Admin(app, name="Test").add_view(view)
    return app


def token_from(client: HipflaskClient, url: str) -> str:
    found = _TOKEN.search(client.get(url).get_data(as_text=True))
    assert found is not None, "the page carries no CSRF token"
    return found.group(1)


def rows_of(body: str) -> list[str]:
    return re.findall(r'<td class="admin-col-name">([^<]*)</td>', body)


def test_list_shows_the_first_page_in_default_order(client: HipflaskClient) -> None:
    response = client.get("/admin/person/")

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rows_of(body) == ["Alice", "Bob"]
    assert "List (5)" in body


def test_pages_sort_and_descending_sort(client: HipflaskClient) -> None:
    assert rows_of(client.get("/admin/person/?page=2").get_data(as_text=True)) == ["Eve"]
    # Column 1 is age; ties keep their order.
    assert rows_of(client.get("/admin/person/?sort=1").get_data(as_text=True)) == ["Dave", "Bob"]
    descending = client.get("/admin/person/?sort=1&desc=1").get_data(as_text=True)
    assert rows_of(descending) == ["Carol", "Alice"]


def test_search_and_filters_narrow_the_list(client: HipflaskClient) -> None:
    searched = client.get("/admin/person/?search=car").get_data(as_text=True)
    assert rows_of(searched) == ["Carol"]
    # Filter 1 is "age greater than", filter 0 "age equals".
    filtered = client.get("/admin/person/?flt0_1=30").get_data(as_text=True)
    assert rows_of(filtered) == ["Alice", "Carol"]
    both = client.get("/admin/person/?flt0_0=27&flt1_2=Eve").get_data(as_text=True)
    assert rows_of(both) == ["Eve"]


def test_page_size_is_chosen_only_among_the_options(
    app: Hipflask, view: PersonView, protocol: str
) -> None:
    view.can_set_page_size = True
    view.page_size_options = (2, 4)
    client = app.test_client(protocol=protocol)

    assert len(rows_of(client.get("/admin/person/?page_size=4").get_data(as_text=True))) == 4
    assert len(rows_of(client.get("/admin/person/?page_size=1000").get_data(as_text=True))) == 2


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=-3",
        "page=99999999999999999999999999",
        "sort=99",
        "sort=x&desc=y",
        "flt0_1=notanumber",
        "flt9_zz=1",
        "fltx=1",
        "endpoint=x",
        "export_type=x",
        "_scheme=javascript",
        "_external=1",
        "_anchor=x",
    ],
)
def test_malformed_list_arguments_fall_back_without_an_error(
    client: HipflaskClient, query: str
) -> None:
    response = client.get(f"/admin/person/?{query}")
    export = client.get(f"/admin/person/export/csv/?{query}")

    assert response.status_code == 200
    assert export.status_code == 200
    assert "javascript" not in response.headers.get("Location", "")


def test_the_page_number_given_to_the_backend_is_bounded(
    client: HipflaskClient, view: PersonView
) -> None:
    seen: list[Any] = []
    original = view.get_list

    def spy(page: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(page)
        return original(page, *args, **kwargs)

    view.get_list = spy  # type: ignore[method-assign]
    client.get("/admin/person/?page=99999999999999999999999999")

    assert seen == [10**9]


def test_an_invalid_filter_value_is_reported(client: HipflaskClient) -> None:
    body = client.get("/admin/person/?flt0_1=notanumber").get_data(as_text=True)

    assert "Invalid Filter Value: notanumber" in body


def test_create_with_a_token_adds_the_record(client: HipflaskClient, view: PersonView) -> None:
    token = token_from(client, "/admin/person/new/")

    response = client.post(
        "/admin/person/new/", data={"name": "Frank", "age": "50", "csrf_token": token}
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/person/")
    assert [r.name for r in view.rows][-1] == "Frank"


def test_create_with_invalid_data_shows_the_errors(
    client: HipflaskClient, view: PersonView
) -> None:
    token = token_from(client, "/admin/person/new/")

    response = client.post(
        "/admin/person/new/", data={"name": "", "age": "900", "csrf_token": token}
    )

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Failed to create record." in body
    assert 'aria-invalid="true"' in body
    assert len(view.rows) == 5


def test_a_validation_error_from_a_hook_is_flashed(
    client: HipflaskClient, view: PersonView
) -> None:
    token = token_from(client, "/admin/person/new/")

    response = client.post(
        "/admin/person/new/", data={"name": "forbidden", "age": "5", "csrf_token": token}
    )

    assert "That name is not allowed." in response.get_data(as_text=True)
    assert len(view.rows) == 5


def test_create_without_a_token_is_refused(client: HipflaskClient, view: PersonView) -> None:
    response = client.post("/admin/person/new/", data={"name": "Mallory", "age": "30"})

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Failed to create record." in body
    assert "The CSRF token is missing." in body
    assert all(r.name != "Mallory" for r in view.rows)


def test_create_with_a_forged_token_is_refused(client: HipflaskClient, view: PersonView) -> None:
    client.get("/admin/person/new/")

    client.post(
        "/admin/person/new/", data={"name": "Mallory", "age": "30", "csrf_token": "forged.token"}
    )

    assert all(r.name != "Mallory" for r in view.rows)


def test_edit_fills_the_form_and_saves(client: HipflaskClient, view: PersonView) -> None:
    page = client.get("/admin/person/edit/?id=2").get_data(as_text=True)
    assert 'value="Bob"' in page
    token = _TOKEN.search(page).group(1)  # type: ignore[union-attr]

    response = client.post(
        "/admin/person/edit/?id=2",
        data={"name": "Robert", "age": "28", "csrf_token": token, "_continue_editing": "1"},
    )

    assert response.status_code == 302
    assert "/admin/person/edit/?id=2" in response.headers["Location"]
    assert view.get_one("2").name == "Robert"


def test_edit_without_a_token_changes_nothing(client: HipflaskClient, view: PersonView) -> None:
    client.post("/admin/person/edit/?id=2", data={"name": "Pwned", "age": "1"})

    assert view.get_one("2").name == "Bob"


def test_edit_of_a_missing_record_redirects_with_a_message(client: HipflaskClient) -> None:
    response = client.get("/admin/person/edit/?id=999")

    assert response.status_code == 302
    assert "Record does not exist." in client.get("/admin/person/").get_data(as_text=True)


@pytest.mark.parametrize("page", ["edit", "details"])
def test_an_empty_id_goes_back_to_the_list_without_a_message(
    client: HipflaskClient, page: str
) -> None:
    response = client.get(f"/admin/person/{page}/?id=")

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/person/"
    with client.session_transaction() as session:
        assert "_flashes" not in session


def test_details_page_shows_the_record(client: HipflaskClient) -> None:
    body = client.get("/admin/person/details/?id=3").get_data(as_text=True)

    assert "<td>Carol</td>" in body
    assert "carol@example.test" in body


def test_delete_needs_post_and_a_token(client: HipflaskClient, view: PersonView) -> None:
    assert client.get("/admin/person/delete/?id=1").status_code == 405
    client.post("/admin/person/delete/", data={"id": "1"})
    assert view.get_one("1") is not None

    token = token_from(client, "/admin/person/")
    response = client.post("/admin/person/delete/", data={"id": "1", "csrf_token": token})

    assert response.status_code == 302
    assert view.get_one("1") is None


def test_delete_token_does_not_count_from_the_query_string(
    client: HipflaskClient, view: PersonView
) -> None:
    token = token_from(client, "/admin/person/")

    client.post(f"/admin/person/delete/?id=1&csrf_token={token}")

    assert view.get_one("1") is not None


def test_actions_run_with_a_token_only(client: HipflaskClient, view: PersonView) -> None:
    body = client.get("/admin/person/").get_data(as_text=True)
    assert 'value="shout"' in body
    assert 'data-confirm="Shout at them?"' in body

    client.post("/admin/person/action/", data={"action": "shout", "rowid": ["1", "2"]})
    assert view.get_one("1").name == "Alice"

    token = _TOKEN.search(body).group(1)  # type: ignore[union-attr]
    client.post(
        "/admin/person/action/", data={"action": "shout", "rowid": ["1", "2"], "csrf_token": token}
    )
    assert [view.get_one(i).name for i in ("1", "2", "3")] == ["ALICE", "BOB", "Carol"]


def test_a_disallowed_action_does_not_run(client: HipflaskClient, view: PersonView) -> None:
    view.action_disallowed_list = ("shout",)
    token = token_from(client, "/admin/person/new/")

    client.post(
        "/admin/person/action/", data={"action": "shout", "rowid": "1", "csrf_token": token}
    )

    assert view.get_one("1").name == "Alice"
    assert 'value="shout"' not in client.get("/admin/person/").get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.test/",
        "//evil.test/",
        "/\\evil.test",
        "javascript:alert(1)",
        "http://evil.test",
    ],
)
def test_off_site_return_targets_are_ignored(
    client: HipflaskClient, view: PersonView, target: str
) -> None:
    token = token_from(client, "/admin/person/new/")

    response = client.post(
        "/admin/person/new/",
        query_string={"url": target},
        data={"name": "Frank", "age": "50", "csrf_token": token},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/person/"


def test_a_local_return_target_is_followed(client: HipflaskClient) -> None:
    token = token_from(client, "/admin/person/new/")

    response = client.post(
        "/admin/person/new/?url=/admin/person/%3Fpage%3D1",
        data={"name": "Frank", "age": "50", "csrf_token": token},
    )

    assert response.headers["Location"] == "/admin/person/?page=1"


def test_stored_markup_is_rendered_escaped(client: HipflaskClient, view: PersonView) -> None:
    view.rows[0].name = "<script>alert(1)</script>"

    listing = client.get("/admin/person/?sort=1&desc=1").get_data(as_text=True)
    details = client.get("/admin/person/details/?id=1").get_data(as_text=True)
    edit = client.get("/admin/person/edit/?id=1").get_data(as_text=True)

    for body in (listing, details, edit):
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_disabled_permissions_redirect_to_the_list(
    client: HipflaskClient, view: PersonView
) -> None:
    view.can_create = view.can_edit = view.can_view_details = False

    for url in ("/admin/person/new/", "/admin/person/edit/?id=1", "/admin/person/details/?id=1"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"] == "/admin/person/"
