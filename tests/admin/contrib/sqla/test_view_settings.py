"""SQLAlchemy ModelView: its settings, their limits, and the rendered pages."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from tests.admin.contrib.sqla.admin_views import JsonRender
from tests.admin.contrib.sqla.admin_views import admin_client as admin_client
from tests.admin.contrib.sqla.admin_views import filter_index
from tests.admin.contrib.sqla.admin_views import listing
from tests.admin.contrib.sqla.admin_views import views as views
from tests.admin.contrib.sqla.models import Author
from tests.admin.contrib.sqla.models import Post

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.contrib.sqla import ModelView
from hipflask.testing.client import HipflaskClient


def test_a_relationship_filter_offers_each_related_column(
    app: Hipflask, seeded: orm.scoped_session[orm.Session], client: HipflaskClient
) -> None:
    class ByAuthor(JsonRender, ModelView):
        column_filters = ("author",)

    view = ByAuthor(Post, seeded)
    Admin(app).add_view(view)
    names = {str(flt.name) for flt in view._filters or ()}
    index = filter_index(view, "Hfa Author / Email", "empty")

    assert names == {"Hfa Author / Name", "Hfa Author / Email"}
    assert listing(client, **{f"flt0_{index}": "1"})["count"] == 1


def test_a_search_of_thousands_of_words_is_a_clean_page(admin_client: HipflaskClient) -> None:
    words = " ".join(f"w{i}" for i in range(1500))

    body = listing(admin_client, search="hello " + words)

    assert body["count"] == 0
    assert body["flashes"][0][0] == "error"
    assert "search" in body["flashes"][0][1]


def test_thousands_of_filters_are_a_clean_page(
    admin_client: HipflaskClient, views: dict[str, ModelView]
) -> None:
    index = filter_index(views["post"], "Views", "greater than")
    args = {f"flt{i}_{index}": "0" for i in range(1500)}

    body = listing(admin_client, **args)

    assert body["count"] == 3
    assert body["flashes"][0][0] == "error"
    assert "filters" in body["flashes"][0][1]


def test_a_search_word_too_long_for_a_like_pattern_is_a_clean_page(
    admin_client: HipflaskClient,
) -> None:
    # SQLite refuses a LIKE pattern over 50,000 bytes ("LIKE or GLOB pattern
    # too complex"): one pasted word that long made the list a 500.
    body = listing(admin_client, search="hello " + "a" * 60_000)

    assert body["count"] == 3
    assert body["flashes"][0][0] == "error"
    assert "too long" in body["flashes"][0][1]


@pytest.mark.parametrize(
    ("column", "operation"),
    [
        ("author / Hfa Author / Name", "contains"),
        ("author / Hfa Author / Name", "not contains"),
        ("Author email", "contains"),
    ],
)
def test_a_filter_value_too_long_for_a_like_pattern_is_dropped(
    admin_client: HipflaskClient, views: dict[str, ModelView], column: str, operation: str
) -> None:
    index = filter_index(views["post"], column, operation)

    body = listing(admin_client, **{f"flt0_{index}": "\u20ac" * 20_000})

    assert body["count"] == 3
    assert body["flashes"] == [["error", "Filter value too long: at most 10,000 characters."]]


def test_in_list_filters_of_a_quarter_million_values_are_a_clean_page(
    admin_client: HipflaskClient, views: dict[str, ModelView]
) -> None:
    # Each value of an "in list" filter is a parameter of the statement: fifty
    # filters of 5,000 ids each, every one within the length limit, passed
    # SQLite's limit on parameters ("too many SQL variables"), a 500.
    index = filter_index(views["post"], "Views", "in list")
    args = {f"flt{i}_{index}": ",".join(["1"] * 5_000) for i in range(50)}

    body = listing(admin_client, **args)

    assert body["count"] == 1
    assert body["flashes"] == [
        ["error", "Filter values too long: at most 50,000 characters in all were applied."]
    ]


def test_default_sort_as_a_list_of_pairs(
    app: Hipflask, seeded: orm.scoped_session[orm.Session], client: HipflaskClient
) -> None:
    class Sorted(JsonRender, ModelView):
        column_default_sort = [("author.name", False), ("views", False)]  # noqa: RUF012

    Admin(app).add_view(Sorted(Post, seeded))

    assert listing(client)["titles"] == ["Third", "Hello world", "100% pure_fun"]


def test_get_query_narrows_the_list_the_count_and_the_delete_action(
    app: Hipflask, seeded: orm.scoped_session[orm.Session], client: HipflaskClient
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False

    class AnnsPosts(JsonRender, ModelView):
        def get_query(self) -> Any:
            return super().get_query().filter(Post.author.has(Author.name == "ann"))

        def get_count_query(self) -> Any:
            return super().get_count_query().filter(Post.author.has(Author.name == "ann"))

    Admin(app).add_view(AnnsPosts(Post, seeded))
    ids = [str(post.id) for post in seeded.query(Post)]

    assert listing(client)["count"] == 2
    client.post("/admin/post/action/", data={"action": "delete", "rowid": ids})
    seeded.rollback()
    assert [post.title for post in seeded.query(Post)] == ["100% pure_fun"]


def test_rows_get_query_hides_cannot_be_reached_by_id(
    app: Hipflask, seeded: orm.scoped_session[orm.Session], client: HipflaskClient
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False

    class AnnsPosts(JsonRender, ModelView):
        can_view_details = True

        def get_query(self) -> Any:
            return super().get_query().filter(Post.author.has(Author.name == "ann"))

    Admin(app).add_view(AnnsPosts(Post, seeded))
    bobs = seeded.query(Post).filter(Post.author.has(Author.name == "bob")).one()
    anns = seeded.query(Post).filter(Post.author.has(Author.name == "ann")).first()
    assert anns is not None
    hidden, shown = str(bobs.id), str(anns.id)

    for page in ("edit", "details"):
        assert client.get(f"/admin/post/{page}/?id={hidden}").status_code == 302
        assert client.get(f"/admin/post/{page}/?id={shown}").status_code == 200
    edited = client.post(f"/admin/post/edit/?id={hidden}", data={"title": "taken over"})
    deleted = client.post("/admin/post/delete/", data={"id": hidden})

    assert edited.status_code == deleted.status_code == 302
    seeded.expire_all()
    assert seeded.get(Post, bobs.id) is not None
    assert seeded.get(Post, bobs.id).title == "100% pure_fun"


def test_a_get_query_ending_in_a_limit_still_opens_the_rows_it_shows(
    app: Hipflask, seeded: orm.scoped_session[orm.Session], client: HipflaskClient
) -> None:
    class FirstTwo(JsonRender, ModelView):
        can_view_details = True

        def get_query(self) -> Any:
            return super().get_query().order_by(Post.id).limit(2)

    Admin(app).add_view(FirstTwo(Post, seeded))
    first, _, last = (str(post.id) for post in seeded.query(Post).order_by(Post.id))

    assert client.get(f"/admin/post/details/?id={first}").status_code == 200
    assert client.get(f"/admin/post/details/?id={last}").status_code == 302


def test_the_count_of_a_view_narrowing_only_get_query_counts_its_rows(
    app: Hipflask, seeded: orm.scoped_session[orm.Session], client: HipflaskClient
) -> None:
    class AnnsPosts(JsonRender, ModelView):
        column_searchable_list = ("title",)

        def get_query(self) -> Any:
            return super().get_query().filter(Post.author.has(Author.name == "ann"))

    Admin(app).add_view(AnnsPosts(Post, seeded))

    assert listing(client)["count"] == 2
    assert listing(client, search="third")["count"] == 1
    assert listing(client, search="pure")["count"] == 0


def test_related_rows_shown_in_the_list_are_loaded_with_it(
    app: Hipflask, seeded: orm.scoped_session[orm.Session]
) -> None:
    class Listed(JsonRender, ModelView):
        column_list = ("title", "author", "tags")

    class Chosen(JsonRender, ModelView):
        column_select_related_list = ("author",)

    class Lazy(JsonRender, ModelView):
        column_auto_select_related = False

    admin = Admin(app)
    listed, chosen, lazy = (
        Listed(Post, seeded),
        Chosen(Post, seeded, endpoint="c"),
        Lazy(Post, seeded, endpoint="l"),
    )
    for view in (listed, chosen, lazy):
        admin.add_view(view)

    def unloaded(view: ModelView) -> set[str]:
        seeded.expunge_all()
        _count, rows = view.get_list(0, None, False, None, None)
        return set().union(*(sa.inspect(row).unloaded for row in rows))

    assert not {"author", "tags"} & unloaded(listed)
    assert "author" not in unloaded(chosen)
    assert "tags" in unloaded(chosen)
    assert {"author", "tags"} <= unloaded(lazy)


def test_hidden_attributes_stay_out_of_forms_unless_asked_for(
    app: Hipflask, session: orm.scoped_session[orm.Session]
) -> None:
    from tests.admin.contrib.sqla.models import Base

    class Secret(Base):
        __tablename__ = "hfa_secret"
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        name: orm.Mapped[str] = orm.mapped_column(sa.String(10))
        _token: orm.Mapped[str | None] = orm.mapped_column("token", sa.String(10))

    class Shown(ModelView):
        ignore_hidden = False

    admin = Admin(app)
    hidden, shown = ModelView(Secret, session), Shown(Secret, session, endpoint="shown")
    admin.add_view(hidden)
    admin.add_view(shown)
    try:
        assert "_token" not in vars(hidden.get_create_form())
        assert "_token" in vars(shown.get_create_form())
    finally:
        Base.metadata.remove(Secret.__table__)


def test_database_values_are_escaped_on_every_page(
    app: Hipflask, seeded: orm.scoped_session[orm.Session], client: HipflaskClient
) -> None:
    ann = seeded.query(Author).filter_by(name="ann").one()
    ann.name = "<script>alert(1)</script>"
    post = seeded.query(Post).filter_by(title="Third").one()
    post.title = '"><img src=x onerror=alert(1)>'
    seeded.commit()

    class Pages(ModelView):
        column_list = ("title", "author.name", "author", "tags")
        column_searchable_list = ("title", "author.name")
        column_filters = ("views", "author.name")
        can_view_details = True

    Admin(app).add_view(Pages(Post, seeded))
    Admin(app, url="/other", endpoint="other").add_view(
        ModelView(Author, seeded, endpoint="other_author")
    )
    pages = [
        "/admin/post/",
        "/admin/post/?search=alert&sort=0",
        f"/admin/post/edit/?id={post.id}",
        f"/admin/post/details/?id={post.id}",
        "/admin/post/new/",
        "/other/other_author/",
    ]
    for page in pages:
        response = client.get(page)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, page
        assert "<script>alert" not in body, page
        assert "<img src=x" not in body, page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/admin/post/").get_data(
        as_text=True
    )


def test_integrity_errors_can_be_raised_for_debugging(
    app: Hipflask, views: dict[str, ModelView], seeded: orm.scoped_session[orm.Session]
) -> None:
    app.config["FLASK_ADMIN_RAISE_ON_INTEGRITY_ERROR"] = True
    ann = seeded.query(Author).filter_by(name="ann").one()

    with app.test_request_context(), pytest.raises(sa.exc.IntegrityError):
        views["author"].delete_model(ann)
    seeded.rollback()
    assert seeded.query(Author).count() == 2
