"""``form_ajax_refs`` and the ``ajax_lookup`` page, with a loader of the test's own."""

from __future__ import annotations

from typing import Any

import pytest
from tests.admin.memory_backend import MemoryModelView
from tests.admin.memory_backend import Person
from tests.admin.memory_backend import people

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.model.ajax import DEFAULT_PAGE_SIZE
from hipflask.admin.model.ajax import AjaxModelLoader
from hipflask.errors import ConfigurationError
from hipflask.testing.client import HipflaskClient

URL = "/admin/person/ajax/lookup/"


class PeopleLoader(AjaxModelLoader):
    """Searches a list of people by name; records what the page asked for."""

    def __init__(self, name: str, rows: list[Person], **options: Any) -> None:
        super().__init__(name, options)
        self.rows = rows
        self.calls: list[tuple[str, int, int]] = []

    def format(self, model: Any) -> tuple[Any, str] | None:
        return None if model is None else (model.id, model.name)

    def get_one(self, pk: Any) -> Any:
        return next((row for row in self.rows if str(row.id) == str(pk)), None)

    def get_list(self, query: str, offset: int = 0, limit: int = DEFAULT_PAGE_SIZE) -> list[Any]:
        self.calls.append((query, offset, limit))
        found = [row for row in self.rows if query.lower() in row.name.lower()]
        return found[offset : offset + limit]


class LookupView(MemoryModelView):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.allowed = True
        super().__init__(*args, **kwargs)

    def is_accessible(self) -> bool:
        return self.allowed


@pytest.fixture
def loader() -> PeopleLoader:
    return PeopleLoader("friend", people(), page_size=3)


@pytest.fixture
def view(loader: PeopleLoader) -> LookupView:
    LookupView.form_ajax_refs = {"friend": loader}
    try:
        return LookupView(Person, people())
    finally:
        LookupView.form_ajax_refs = None


@pytest.fixture
def app(app: Hipflask, view: LookupView) -> Hipflask:
    Admin(app, name="Test").add_view(view)
    return app


def test_a_given_loader_is_used_as_it_is(view: LookupView, loader: PeopleLoader) -> None:
    assert view._form_ajax_refs == {"friend": loader}


def test_the_lookup_answers_id_label_pairs_as_json(client: HipflaskClient) -> None:
    response = client.get(URL, query_string={"name": "friend", "query": "e"})

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json == [[1, "Alice"], [4, "Dave"], [5, "Eve"]]


def test_the_lookup_is_bounded_by_the_loaders_page_size(
    client: HipflaskClient, loader: PeopleLoader
) -> None:
    response = client.get(URL, query_string={"name": "friend", "query": "", "limit": "100000"})

    assert response.json is not None
    assert len(response.json) == 3
    assert loader.calls == [("", 0, 3)]


def test_the_next_page_is_asked_for_with_offset(
    client: HipflaskClient, loader: PeopleLoader
) -> None:
    response = client.get(URL, query_string={"name": "friend", "query": "", "offset": "3"})

    assert response.json == [[4, "Dave"], [5, "Eve"]]


@pytest.mark.parametrize(
    ("args", "expected_call"),
    [
        ({"name": "friend"}, ("", 0, 3)),
        ({"name": "friend", "query": "a", "offset": "abc", "limit": "x"}, ("a", 0, 3)),
        ({"name": "friend", "query": "a", "offset": "-5", "limit": "-1"}, ("a", 0, 1)),
        ({"name": "friend", "query": "a", "offset": str(10**40)}, ("a", 10**9, 3)),
    ],
    ids=["no-query", "not-numbers", "negative", "huge-offset"],
)
def test_bad_arguments_are_cleaned_never_a_500(
    client: HipflaskClient, loader: PeopleLoader, args: dict[str, str], expected_call: Any
) -> None:
    response = client.get(URL, query_string=args)

    assert response.status_code == 200
    assert loader.calls == [expected_call]


@pytest.mark.parametrize("name", ["nope", "", "__class__"])
def test_an_unknown_field_name_is_404(client: HipflaskClient, name: str) -> None:
    response = client.get(URL, query_string={"name": name, "query": "a"})

    assert response.status_code == 404


def test_a_view_without_ajax_fields_has_nothing_to_look_up(
    app: Hipflask, client: HipflaskClient
) -> None:
    Admin(app, name="Other", url="/other", endpoint="other").add_view(
        MemoryModelView(Person, people(), endpoint="plain")
    )

    response = client.get("/other/plain/ajax/lookup/", query_string={"name": "friend"})

    assert response.status_code == 404


def test_a_user_who_may_not_open_the_view_cannot_look_up(
    client: HipflaskClient, view: LookupView, loader: PeopleLoader
) -> None:
    view.allowed = False

    response = client.get(URL, query_string={"name": "friend", "query": "a"})

    assert response.status_code == 403
    assert "Alice" not in response.get_data(as_text=True)
    assert loader.calls == []


def test_a_view_that_can_neither_create_nor_edit_offers_no_lookup(
    client: HipflaskClient, view: LookupView, loader: PeopleLoader
) -> None:
    # The lookup feeds the create and edit forms only: on a read-only view it
    # would list the related table's rows to whoever may open the list.
    view.can_create = view.can_edit = False

    refused = client.get(URL, query_string={"name": "friend", "query": "a"})
    view.can_edit = True
    allowed = client.get(URL, query_string={"name": "friend", "query": "a"})

    assert refused.status_code == 403
    assert refused.mimetype == "text/plain"
    assert "Alice" not in refused.get_data(as_text=True)
    assert allowed.status_code == 200
    assert len(loader.calls) == 1


def test_a_custom_handle_view_guards_the_lookup(app: Hipflask, client: HipflaskClient) -> None:
    class Guarded(MemoryModelView):
        form_ajax_refs = {"friend": PeopleLoader("friend", people())}  # noqa: RUF012

        def _handle_view(self, name: str, **kwargs: Any) -> Any:
            return "go away", 401

    Admin(app, name="G", url="/guarded", endpoint="guarded").add_view(
        Guarded(Person, people(), endpoint="g")
    )

    response = client.get("/guarded/g/ajax/lookup/", query_string={"name": "friend"})

    assert response.status_code == 401


def test_options_need_a_backend_to_build_a_loader() -> None:
    class NoBackend(MemoryModelView):
        form_ajax_refs = {"friend": {"fields": ("name",)}}  # noqa: RUF012

    with pytest.raises(ConfigurationError, match="AjaxModelLoader"):
        NoBackend(Person, people())


def test_an_entry_of_another_type_fails_at_startup() -> None:
    class Wrong(MemoryModelView):
        form_ajax_refs = {"friend": ("name",)}  # noqa: RUF012

    with pytest.raises(ConfigurationError, match=r"form_ajax_refs\['friend'\]"):
        Wrong(Person, people())


def test_the_base_loader_names_what_a_subclass_must_implement() -> None:
    loader = AjaxModelLoader("x", {})

    with pytest.raises(NotImplementedError, match="format"):
        loader.format(None)
    with pytest.raises(NotImplementedError, match="get_one"):
        loader.get_one(1)
    with pytest.raises(NotImplementedError, match="get_list"):
        loader.get_list("a")
