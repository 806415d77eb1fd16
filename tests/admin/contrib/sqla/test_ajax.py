"""The SQLAlchemy loader of ``form_ajax_refs``: search, filters, bounds, ids; both protocols."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from tests.admin.contrib.sqla.models import Author
from tests.admin.contrib.sqla.models import Base
from tests.admin.contrib.sqla.models import Post
from tests.admin.contrib.sqla.models import Tag
from tests.db.conftest import backend_database

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.contrib.sqla import ModelView
from hipflask.admin.contrib.sqla.ajax import QueryAjaxModelLoader
from hipflask.admin.contrib.sqla.ajax import create_ajax_loader
from hipflask.admin.model.fields import AjaxSelectField
from hipflask.admin.model.fields import AjaxSelectMultipleField
from hipflask.testing.client import HipflaskClient

NAMES = ["ann", "Anna", "100%", "1000", "pure_fun", "pureXfun", "bob"]
LOOKUP = "/admin/post/ajax/lookup/"


def add_rows(session: Any) -> None:
    authors = {name: Author(name=name, email=f"{name}@example.test") for name in NAMES}
    authors["bob"].email = None
    session.add_all(authors.values())
    session.add_all([Tag(name="red"), Tag(name="blue"), Tag(name="Redish")])
    session.add(Post(title="Hello", author=authors["ann"]))
    session.commit()


class PostView(ModelView):
    form_columns = ("title", "author", "tags")
    column_list = ("title", "author")
    column_editable_list = ("title", "author")
    form_ajax_refs = {  # noqa: RUF012 - Flask-Admin's class attribute
        "author": {
            "fields": ("name", "email"),
            "page_size": 3,
            "placeholder": "Find an author",
            "minimum_input_length": 0,
            "filters": ["email IS NOT NULL"],
            "order_by": "name",
        },
        "tags": {"fields": ["name"]},
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.allowed = True
        super().__init__(*args, **kwargs)

    def is_accessible(self) -> bool:
        return self.allowed


@pytest.fixture
def view(app: Hipflask, session: orm.scoped_session[orm.Session]) -> PostView:
    app.config["WTF_CSRF_ENABLED"] = False
    add_rows(session)
    view = PostView(Post, session)
    Admin(app).add_view(view)
    return view


def lookup(client: HipflaskClient, query: str, name: str = "author", **args: Any) -> Any:
    response = client.get(LOOKUP, query_string={"name": name, "query": query, **args})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def author_id(session: Any, name: str) -> int:
    return int(session.scalar(sa.select(Author.id).where(Author.name == name)))


# -- the loaders the view builds -----------------------------------------------------


def test_the_view_builds_a_loader_per_relationship(view: PostView) -> None:
    loader = view._form_ajax_refs["author"]

    assert isinstance(loader, QueryAjaxModelLoader)
    assert loader.model is Author
    tags = view._form_ajax_refs["tags"]
    assert isinstance(tags, QueryAjaxModelLoader)
    assert tags.model is Tag


def test_the_relationships_become_ajax_fields(view: PostView) -> None:
    form_class: Any = view._edit_form_class

    assert form_class.author.field_class is AjaxSelectField
    assert form_class.tags.field_class is AjaxSelectMultipleField


@pytest.mark.parametrize(
    ("field", "options", "message"),
    [
        ("author", {}, "needs 'fields'"),
        ("author", {"fields": ("nope",)}, "has no field 'nope'"),
        ("title", {"fields": ("name",)}, "not a relationship"),
        ("ghost", {"fields": ("name",)}, "does not have"),
    ],
)
def test_a_wrong_entry_fails_at_startup_as_a_value_error(
    session: Any, field: str, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        create_ajax_loader(Post, session, field, field, options)


# -- the lookup ----------------------------------------------------------------------------


def test_the_lookup_searches_case_insensitively_within_the_filters(
    view: PostView, client: HipflaskClient, session: Any
) -> None:
    found = lookup(client, "ANN")

    # Ordered by name: "Anna" before "ann" in SQLite's binary collation.
    assert found == [[author_id(session, "Anna"), "Anna"], [author_id(session, "ann"), "ann"]]


def test_the_users_wildcards_are_literal(view: PostView, client: HipflaskClient) -> None:
    assert [label for _id, label in lookup(client, "100%")] == ["100%"]
    assert [label for _id, label in lookup(client, "pure_")] == ["pure_fun"]


def test_a_row_the_filters_exclude_is_never_offered(view: PostView, client: HipflaskClient) -> None:
    assert lookup(client, "bob") == []


def test_the_answer_is_bounded_by_page_size_and_ordered(
    view: PostView, client: HipflaskClient
) -> None:
    first = lookup(client, "", limit="500")
    second = lookup(client, "", offset="3")

    assert [label for _id, label in first] == sorted(
        [n for n in NAMES if n != "bob"], key=lambda n: n
    )[:3]
    assert len(second) == 3
    assert {row[1] for row in first}.isdisjoint(row[1] for row in second)


@pytest.mark.parametrize("offset", [str(10**30), "-1", "x"])
def test_a_bad_offset_is_a_clean_answer(
    view: PostView, client: HipflaskClient, offset: str
) -> None:
    response = client.get(LOOKUP, query_string={"name": "author", "query": "a", "offset": offset})

    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    [" ".join(f"w{i}" for i in range(2000)), "a" * 60_000],
    ids=["thousands-of-words", "a-word-over-the-like-limit"],
)
def test_a_lookup_the_database_would_refuse_is_a_400(
    view: PostView, client: HipflaskClient, query: str
) -> None:
    # Each word is a LIKE on every searched field: two thousand of them were
    # a statement SQLite refuses ("Expression tree is too large"), and one
    # word over 50,000 bytes a pattern it refuses; both were a 500.
    response = client.get(LOOKUP, query_string={"name": "author", "query": query})

    assert response.status_code == 400
    assert "search" in response.get_data(as_text=True)


def test_a_lookup_of_fifty_words_is_answered(view: PostView, client: HipflaskClient) -> None:
    assert lookup(client, " ".join(["an"] * 50)) != []


def test_the_lookup_of_a_view_the_user_may_not_open_is_refused(
    view: PostView, client: HipflaskClient
) -> None:
    view.allowed = False

    response = client.get(LOOKUP, query_string={"name": "author", "query": "ann"})

    assert response.status_code == 403
    assert "ann" not in response.get_data(as_text=True)


# -- posted ids ------------------------------------------------------------------------------


def edit(client: HipflaskClient, author: str, tags: list[str] | None = None) -> Any:
    data: dict[str, Any] = {"title": "Hello", "author": author}
    if tags is not None:
        data["tags"] = tags
    return client.post("/admin/post/edit/", query_string={"id": "1"}, data=data)


def test_a_chosen_id_is_saved(view: PostView, client: HipflaskClient, session: Any) -> None:
    response = edit(client, str(author_id(session, "Anna")))

    assert response.status_code == 302
    session.expire_all()
    assert session.get(Post, 1).author.name == "Anna"


@pytest.mark.parametrize("tampered", ["999", "abc", str(10**30), "1 OR 1=1"])
def test_a_tampered_id_is_a_form_error(
    view: PostView, client: HipflaskClient, session: Any, tampered: str
) -> None:
    response = edit(client, tampered)

    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Post, 1).author.name == "ann"


def test_an_id_the_filters_exclude_is_a_form_error(
    view: PostView, client: HipflaskClient, session: Any
) -> None:
    response = edit(client, str(author_id(session, "bob")))

    assert "Not a valid choice" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Post, 1).author.name == "ann"


def test_several_tags_are_saved_and_a_tampered_one_refused(
    view: PostView, client: HipflaskClient, session: Any
) -> None:
    ids = [str(i) for i in session.scalars(sa.select(Tag.id).order_by(Tag.id))]

    assert edit(client, str(author_id(session, "ann")), ids[:2]).status_code == 302
    refused = edit(client, str(author_id(session, "ann")), [ids[0], "999"])

    assert "Not a valid choice" in refused.get_data(as_text=True)
    session.expire_all()
    assert sorted(tag.name for tag in session.get(Post, 1).tags) == ["blue", "red"]


def test_the_edit_page_shows_only_the_current_author(
    view: PostView, client: HipflaskClient
) -> None:
    page = client.get("/admin/post/edit/", query_string={"id": "1"}).get_data(as_text=True)
    start = page.index('name="author"')
    select = page[start : page.index("</select>", start)]

    assert 'data-placeholder="Find an author"' in page
    assert ">ann</option>" in select
    assert "Anna" not in select


# -- in-list editing on SQLAlchemy --------------------------------------------------------------


def test_a_cell_is_saved_and_a_too_long_title_refused(
    view: PostView, client: HipflaskClient, session: Any
) -> None:
    saved = client.post("/admin/post/ajax/update/", data={"list_form_pk": "1", "title": "Hi"})
    refused = client.post(
        "/admin/post/ajax/update/", data={"list_form_pk": "1", "title": "x" * 101}
    )

    assert saved.get_data(as_text=True) == "Record was successfully saved."
    assert refused.status_code == 400
    assert "100" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(Post, 1).title == "Hi"


def test_an_ajax_cell_takes_an_offered_id_only(
    view: PostView, client: HipflaskClient, session: Any
) -> None:
    url = "/admin/post/ajax/update/"
    bob = str(author_id(session, "bob"))
    anna = str(author_id(session, "Anna"))

    refused = client.post(url, data={"list_form_pk": "1", "author": bob})
    saved = client.post(url, data={"list_form_pk": "1", "author": anna})

    assert refused.status_code == 400
    assert saved.status_code == 200
    session.expire_all()
    assert session.get(Post, 1).author.name == "Anna"


# -- the real databases ----------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mariadb"])
def server_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with backend_database(request.param, "admin_sqla_ajax", tmp_path_factory) as url:
        yield url


@pytest.fixture
def server_session(server_url: str) -> Iterator[Any]:
    engine = sa.create_engine(server_url)
    Base.metadata.create_all(engine)
    # One session for the test, whichever thread serves the request (a scoped
    # session would leave the ASGI worker thread's transaction open and block
    # the DROP below on PostgreSQL).
    session = orm.Session(engine)
    add_rows(session)
    yield session
    session.close()
    Base.metadata.drop_all(engine)
    engine.dispose()


def test_the_search_is_literal_and_case_insensitive_on_every_database(
    app: Hipflask, server_session: Any, client: HipflaskClient
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    Admin(app).add_view(PostView(Post, server_session))

    assert sorted(label for _id, label in lookup(client, "ANN")) == ["Anna", "ann"]
    assert [label for _id, label in lookup(client, "100%")] == ["100%"]
    assert [label for _id, label in lookup(client, "pure_")] == ["pure_fun"]
    assert lookup(client, "bob") == []
    assert lookup(client, "a", offset=str(10**30)) == []
    assert sorted(label for _id, label in lookup(client, "red", name="tags")) == ["Redish", "red"]
    assert edit(client, "9" * 30).status_code == 200  # refused in the form, not a 500
