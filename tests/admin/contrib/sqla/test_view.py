from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from tests.admin.contrib.sqla.models import Author
from tests.admin.contrib.sqla.models import Pair
from tests.admin.contrib.sqla.models import Post
from tests.admin.contrib.sqla.models import Tag

from hipflask import Hipflask
from hipflask import get_flashed_messages
from hipflask.admin import Admin
from hipflask.admin.contrib.sqla import ModelView
from hipflask.admin.contrib.sqla import filters
from hipflask.testing.client import HipflaskClient


class JsonRender:
    """Answer with the page's data as JSON instead of rendering its template.

    The list page's arguments are still parsed by the real views, so these
    tests see exactly what ``get_list`` and ``get_one`` gave them.
    """

    def render(self, template: str, **kwargs: Any) -> Any:
        answer: dict[str, Any] = {"flashes": get_flashed_messages(with_categories=True)}
        if "data" in kwargs:
            answer["count"] = kwargs["count"]
            answer["titles"] = [str(row) for row in kwargs["data"]]
        if "form" in kwargs:
            answer["errors"] = kwargs["form"].errors
        return answer


class PostView(JsonRender, ModelView):
    column_list = ("title", "author.name", "views", "tags")
    column_searchable_list = ("title", "author.name", "tags.name", "views")
    column_filters = (
        "views",
        "author.name",
        "status",
        filters.FilterLike("author.email", "Author email"),
        filters.FilterEqual(Author.name, "Author name"),
    )
    column_sortable_list = ("title", "views", ("author.name", "author.name"))
    column_default_sort = ("views", True)
    page_size = 2
    can_view_details = True


class AuthorView(JsonRender, ModelView):
    column_list = ("name", "email")


class PairView(JsonRender, ModelView):
    column_list = ("code", "number", "label")
    column_display_pk = True


@pytest.fixture
def views(app: Hipflask, seeded: orm.scoped_session[orm.Session]) -> dict[str, ModelView]:
    app.config["WTF_CSRF_ENABLED"] = False
    admin = Admin(app)
    found = {
        "post": PostView(Post, seeded),
        "author": AuthorView(Author, seeded),
        "pair": PairView(Pair, seeded),
    }
    for view in found.values():
        admin.add_view(view)
    return found


@pytest.fixture
def admin_client(views: dict[str, ModelView], client: HipflaskClient) -> HipflaskClient:
    return client


def filter_index(view: ModelView, name: str, operation: str) -> int:
    for index, flt in enumerate(view._filters or ()):
        if flt.name == name and flt.operation() == operation:
            return index
    raise LookupError(name, operation)


def listing(client: HipflaskClient, url: str = "/admin/post/", **args: Any) -> dict[str, Any]:
    response = client.get(url, query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.json
    return body


# -- list: default order, paging ------------------------------------------------


def test_the_list_is_paged_in_default_order(admin_client: HipflaskClient) -> None:
    first = listing(admin_client)
    second = listing(admin_client, page=1)

    assert first["count"] == 3
    assert first["titles"] == ["Hello world", "100% pure_fun"]
    assert second["titles"] == ["Third"]


@pytest.mark.parametrize(
    "page", ["99", "-5", "abc", str(10**30)], ids=["past-end", "negative", "text", "huge"]
)
def test_a_page_out_of_range_is_a_clean_page(admin_client: HipflaskClient, page: str) -> None:
    body = listing(admin_client, page=page)

    assert body["count"] == 3
    assert body["titles"] in ([], ["Hello world", "100% pure_fun"])


# -- search -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "titles"),
    [
        ("hello", ["Hello world"]),
        ("ANN", ["Hello world", "Third"]),
        ("blue", ["100% pure_fun"]),
        ("10", ["Hello world", "100% pure_fun"]),
        ("100%", ["100% pure_fun"]),
        ("o_w", []),
        ("%", ["100% pure_fun"]),
        ("_", ["100% pure_fun"]),
        ("hello world", ["Hello world"]),
        ("=Third", ["Third"]),
    ],
    ids=[
        "title",
        "related-case-insensitive",
        "many-to-many",
        "number-as-text",
        "percent-is-literal",
        "underscore-is-literal",
        "lone-percent",
        "lone-underscore",
        "every-word",
        "exact",
    ],
)
def test_search(admin_client: HipflaskClient, term: str, titles: list[str]) -> None:
    body = listing(admin_client, search=term, page_size=0)

    assert sorted(body["titles"]) == sorted(titles)
    assert body["count"] == len(titles)


def test_a_match_in_two_related_rows_is_one_row(admin_client: HipflaskClient) -> None:
    # "100% pure_fun" has the tags red and blue: both match "e", and it is listed once.
    body = listing(admin_client, search="e")

    assert body["count"] == 2
    assert sorted(body["titles"]) == ["100% pure_fun", "Hello world"]


@pytest.mark.parametrize(
    "term",
    ["' OR '1'='1", "'; DROP TABLE hfa_post; --", '" OR ""="', "\\", "%' --"],
    ids=["or-true", "drop", "double-quote", "backslash", "percent-comment"],
)
def test_sql_looking_search_terms_match_literally(
    admin_client: HipflaskClient, seeded: orm.scoped_session[orm.Session], term: str
) -> None:
    body = listing(admin_client, search=term)

    assert body["count"] == 0
    assert seeded.query(Post).count() == 3


# -- filters ------------------------------------------------------------------------


def test_filters_on_own_and_related_columns(
    admin_client: HipflaskClient, views: dict[str, ModelView]
) -> None:
    view = views["post"]
    greater = filter_index(view, "Views", "greater than")
    related = filter_index(view, "author / Hfa Author / Name", "equals")
    email = filter_index(view, "Author email", "contains")
    by_attribute = filter_index(view, "Author name", "equals")

    assert listing(admin_client, **{f"flt0_{greater}": "4"})["count"] == 2
    assert listing(admin_client, **{f"flt0_{related}": "bob"})["titles"] == ["100% pure_fun"]
    assert listing(admin_client, **{f"flt0_{email}": "example"})["count"] == 2
    assert listing(admin_client, **{f"flt0_{by_attribute}": "ann"})["count"] == 2
    both = listing(admin_client, **{f"flt0_{greater}": "4", f"flt1_{related}": "ann"})
    assert both["titles"] == ["Hello world"]


def test_negative_filters_keep_null_rows(
    admin_client: HipflaskClient, views: dict[str, ModelView]
) -> None:
    not_equal = filter_index(views["post"], "Author email", "contains")
    not_like = filter_index(views["post"], "author / Hfa Author / Name", "not equal")

    assert listing(admin_client, **{f"flt0_{not_equal}": "nobody"})["count"] == 0
    assert listing(admin_client, **{f"flt0_{not_like}": "ann"})["count"] == 1


@pytest.mark.parametrize(
    ("name", "operation", "value"),
    [
        ("Views", "equals", "ten"),
        ("Views", "in list", "1,x"),
        ("Views", "greater than", str(10**40)),
        ("Views", "in list", f"1,{10**40}"),
        ("Status", "equals", "archived"),
        ("Status", "in list", "draft,nope"),
    ],
    ids=[
        "not-int",
        "list-not-int",
        "huge-int",
        "huge-int-in-list",
        "enum-unknown",
        "enum-list-unknown",
    ],
)
def test_a_tampered_filter_value_is_dropped_not_a_500(
    admin_client: HipflaskClient,
    views: dict[str, ModelView],
    name: str,
    operation: str,
    value: str,
) -> None:
    index = filter_index(views["post"], name, operation)

    body = listing(admin_client, **{f"flt0_{index}": value})

    assert body["count"] in (0, 3)


@pytest.mark.parametrize("arg", ["flt0_999", "flt0_-1", "flt0_abc", "flt0_", "flt_0_1"], ids=str)
def test_a_tampered_filter_index_is_ignored(admin_client: HipflaskClient, arg: str) -> None:
    assert listing(admin_client, **{arg: "1"})["count"] == 3


def test_an_enum_filter_matches_members(
    admin_client: HipflaskClient,
    views: dict[str, ModelView],
    seeded: orm.scoped_session[orm.Session],
) -> None:
    from tests.admin.contrib.sqla.models import Status

    seeded.query(Post).filter_by(title="Third").one().status = Status.published
    seeded.commit()
    index = filter_index(views["post"], "Status", "equals")

    assert listing(admin_client, **{f"flt0_{index}": "published"})["titles"] == ["Third"]


# -- sorting --------------------------------------------------------------------------


def test_sorting_by_own_and_related_columns(admin_client: HipflaskClient) -> None:
    by_title = listing(admin_client, sort=0)
    by_author_desc = listing(admin_client, sort=1, desc=1)

    assert by_title["titles"] == ["100% pure_fun", "Hello world"]
    assert by_author_desc["titles"][0] == "100% pure_fun"
    assert by_author_desc["count"] == 3


@pytest.mark.parametrize("sort", ["3", "99", "-1", "abc"], ids=str)
def test_an_unknown_sort_column_falls_back_to_the_default(
    admin_client: HipflaskClient, sort: str
) -> None:
    assert listing(admin_client, sort=sort)["titles"] == ["Hello world", "100% pure_fun"]


# -- create, edit, delete --------------------------------------------------------------


def test_create_inserts_a_row_and_runs_the_hooks(
    app: Hipflask,
    views: dict[str, ModelView],
    client: HipflaskClient,
    seeded: orm.scoped_session[orm.Session],
) -> None:
    calls: list[tuple[str, bool]] = []
    view = views["author"]
    view.on_model_change = lambda form, model, created: calls.append(("on", created))  # type: ignore[method-assign]
    view.after_model_change = lambda form, model, created: calls.append(("after", created))  # type: ignore[method-assign]

    response = client.post("/admin/author/new/", data={"name": "cleo", "email": ""})

    assert response.status_code == 302
    cleo = seeded.query(Author).filter_by(name="cleo").one()
    assert cleo.email is None
    assert calls == [("on", True), ("after", True)]


def test_a_unique_clash_is_a_form_error_and_writes_nothing(
    admin_client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    response = admin_client.post("/admin/author/new/", data={"name": "ann"})

    assert response.status_code == 200
    assert response.json["errors"] == {"name": ["Already exists."]}
    assert seeded.query(Author).count() == 2


def test_a_database_error_rolls_back_and_is_flashed(
    views: dict[str, ModelView], client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    def fail(form: Any, model: Any, created: bool) -> None:
        seeded.flush()
        seeded.execute(sa.text("INSERT INTO hfa_tag (id, name) VALUES (1, 'dup')"))

    views["author"].on_model_change = fail  # type: ignore[method-assign]

    response = client.post("/admin/author/new/", data={"name": "dora"})

    assert response.status_code == 200
    flashes = response.json["flashes"]
    assert flashes[0][0] == "error"
    assert flashes[0][1].startswith("Integrity error.")
    assert "INSERT" not in flashes[0][1]
    assert seeded.query(Author).filter_by(name="dora").count() == 0
    assert seeded.query(Tag).count() == 2


def test_edit_updates_and_a_relationship_can_be_changed(
    admin_client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    post = seeded.query(Post).filter_by(title="Third").one()
    bob = seeded.query(Author).filter_by(name="bob").one()
    red = seeded.query(Tag).filter_by(name="red").one()

    response = admin_client.post(
        f"/admin/post/edit/?id={post.id}",
        data={"title": "Third, edited", "author": str(bob.id), "tags": [str(red.id)], "views": "4"},
    )

    assert response.status_code == 302
    seeded.expire_all()
    post = seeded.get(Post, post.id)
    assert post is not None
    assert (post.title, post.author.name, [t.name for t in post.tags]) == (
        "Third, edited",
        "bob",
        ["red"],
    )


def test_a_tampered_relationship_id_is_a_form_error(
    admin_client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    post = seeded.query(Post).filter_by(title="Third").one()

    response = admin_client.post(
        f"/admin/post/edit/?id={post.id}",
        data={"title": "Third", "author": "1 OR 1=1", "tags": ["999"]},
    )

    assert response.status_code == 200
    assert response.json["errors"] == {
        "author": ["Not a valid choice"],
        "tags": ["Not a valid choice"],
    }
    seeded.expire_all()
    assert seeded.get(Post, post.id).author.name == "ann"  # type: ignore[union-attr]


@pytest.mark.parametrize("record_id", ["abc", "1.5", str(10**30), "", "1,2", "%00"], ids=str)
def test_a_bad_id_is_not_found_not_a_500(
    admin_client: HipflaskClient, seeded: orm.scoped_session[orm.Session], record_id: str
) -> None:
    edit = admin_client.get("/admin/post/edit/", query_string={"id": record_id})
    details = admin_client.get("/admin/post/details/", query_string={"id": record_id})
    delete = admin_client.post("/admin/post/delete/", data={"id": record_id})
    pair = admin_client.get("/admin/pair/edit/", query_string={"id": record_id})

    assert [edit.status_code, details.status_code, delete.status_code, pair.status_code] == [
        302
    ] * 4
    assert seeded.query(Post).count() == 3


def test_delete_removes_the_row_and_runs_the_hooks(
    views: dict[str, ModelView], client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    seen: list[str] = []
    view = views["post"]
    view.on_model_delete = lambda model: seen.append("on:" + model.title)  # type: ignore[method-assign]
    view.after_model_delete = lambda model: seen.append("after:" + model.title)  # type: ignore[method-assign]
    post = seeded.query(Post).filter_by(title="Third").one()

    response = client.post("/admin/post/delete/", data={"id": str(post.id)})

    assert response.status_code == 302
    assert seeded.query(Post).filter_by(title="Third").count() == 0
    assert seen == ["on:Third", "after:Third"]


def test_a_delete_the_database_refuses_is_rolled_back(
    admin_client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    ann = seeded.query(Author).filter_by(name="ann").one()

    response = admin_client.post("/admin/author/delete/", data={"id": str(ann.id)})

    assert response.status_code == 302
    seeded.expire_all()
    assert seeded.query(Author).filter_by(name="ann").count() == 1
    assert seeded.query(Post).count() == 3


# -- the delete action ---------------------------------------------------------------


def test_the_delete_action_deletes_the_selected_rows(
    admin_client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    ids = [str(post.id) for post in seeded.query(Post).filter(Post.views > 2)]

    response = admin_client.post(
        "/admin/post/action/", data={"action": "delete", "rowid": [*ids, "abc", str(10**30)]}
    )

    assert response.status_code == 302
    assert [post.title for post in seeded.query(Post)] == ["Third"]


def test_fast_mass_delete_uses_one_statement(
    views: dict[str, ModelView], client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    views["pair"].fast_mass_delete = True
    seeded.add_all(
        [Pair(code="a,b", number=1), Pair(code="c.d", number=2), Pair(code="x", number=3)]
    )
    seeded.commit()
    ids = [views["pair"].get_pk_value(pair) for pair in seeded.query(Pair).filter(Pair.number < 3)]

    response = client.post("/admin/pair/action/", data={"action": "delete", "rowid": ids})

    assert response.status_code == 302
    assert [pair.code for pair in seeded.query(Pair)] == ["x"]


def test_the_delete_action_is_not_offered_without_can_delete(
    views: dict[str, ModelView], client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    views["post"].can_delete = False
    ids = [str(post.id) for post in seeded.query(Post)]

    client.post("/admin/post/action/", data={"action": "delete", "rowid": ids})

    assert seeded.query(Post).count() == 3


# -- composite keys --------------------------------------------------------------------


def test_composite_keys_round_trip_through_urls(
    admin_client: HipflaskClient,
    views: dict[str, ModelView],
    seeded: orm.scoped_session[orm.Session],
) -> None:
    pair = Pair(code="a,b.c", number=7, label="odd")
    seeded.add(pair)
    seeded.commit()
    record_id = views["pair"].get_pk_value(pair)

    response = admin_client.post(
        "/admin/pair/edit/",
        query_string={"id": record_id},
        data={"code": "a,b.c", "number": "7", "label": "even"},
    )

    assert record_id == "a.,b..c,7"
    assert response.status_code == 302
    seeded.expire_all()
    assert seeded.get(Pair, ("a,b.c", 7)).label == "even"  # type: ignore[union-attr]
    assert views["pair"].get_one("a.,b..c,x") is None
    assert views["pair"].get_one("only-one-part") is None


# -- CSRF ---------------------------------------------------------------------------------


def test_a_create_without_a_csrf_token_writes_nothing(
    app: Hipflask, seeded: orm.scoped_session[orm.Session], client: HipflaskClient
) -> None:
    admin = Admin(app)
    admin.add_view(AuthorView(Author, seeded))

    response = client.post("/admin/author/new/", data={"name": "mallory"})

    assert response.status_code in (200, 400, 403)
    assert seeded.query(Author).filter_by(name="mallory").count() == 0


# -- hipflask.db: the db object, its scoped session, classic Column models -----------------


@pytest.fixture
def db_admin(app: Hipflask, tmp_path: Any) -> Any:
    from hipflask.db import SQLAlchemy

    app.config.update(
        WTF_CSRF_ENABLED=False, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'db.sqlite'}"
    )
    db = SQLAlchemy(app)

    class Writer(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "hfa_writer"
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(30), unique=True, nullable=False)

        def __str__(self) -> str:
            return str(self.name)

    class Note(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "hfa_note"
        id = db.Column(db.Integer, primary_key=True)
        text = db.Column(db.Text, nullable=False)
        writer_id = db.Column(db.Integer, db.ForeignKey("hfa_writer.id"), nullable=False)
        writer = db.relationship(Writer, backref=db.backref("notes", lazy="dynamic"))

        def __str__(self) -> str:
            return str(self.text)

    admin = Admin(app)

    class WriterView(JsonRender, ModelView):
        column_searchable_list = ("name",)

    class NoteView(JsonRender, ModelView):
        column_searchable_list = ("text", "writer.name")

    admin.add_view(WriterView(Writer, db))
    admin.add_view(NoteView(Note, db.session))
    with app.app_context():
        db.create_all()
    yield db, Writer, Note
    with app.app_context():
        db.drop_all()
        for engine in db.engines.values():
            engine.dispose()


def test_the_db_object_and_its_session_both_work(
    app: Hipflask, db_admin: Any, client: HipflaskClient
) -> None:
    db, writer_model, note_model = db_admin

    assert client.post("/admin/writer/new/", data={"name": "Ursula"}).status_code == 302
    with app.app_context():
        writer = db.session.scalars(sa.select(writer_model)).one()
        writer_id = writer.id
    response = client.post(
        "/admin/note/new/", data={"text": "Earthsea notes", "writer": str(writer_id)}
    )
    assert response.status_code == 302
    assert listing(client, "/admin/note/", search="ursula")["titles"] == ["Earthsea notes"]
    assert client.post("/admin/writer/new/", data={"name": "Ursula"}).json["errors"] == {
        "name": ["Already exists."]
    }
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(note_model)) == 1


# -- the full round-trip on SQLite, PostgreSQL and MariaDB --------------------------------


def lock_timeout(url: str, seconds: int) -> dict[str, Any]:
    """Connection options that make a wait on another transaction's lock fail after ``seconds``."""
    if url.startswith("postgresql"):
        return {"options": f"-c lock_timeout={seconds * 1000}"}
    if url.startswith("mysql"):
        return {"init_command": f"SET SESSION lock_wait_timeout = {seconds}"}
    return {"timeout": seconds}


@pytest.fixture
def backend_session(app: Hipflask, backend_url: str) -> Any:
    """A scoped session on ``backend_url``, seeded; the tables are dropped afterwards.

    Each request's session is removed when its app context ends, in the
    thread that ran it (under ASGI a worker thread, whose session the test
    cannot reach): a transaction left open there would keep MariaDB's tables
    locked, and the drop would wait for ever. Should one stay open anyway,
    the drop fails after a lock timeout instead.
    """
    from tests.admin.contrib.sqla.models import Base

    engine = sa.create_engine(backend_url, connect_args=lock_timeout(backend_url, 10))
    Base.metadata.create_all(engine)
    scoped = orm.scoped_session(orm.sessionmaker(engine))
    app.teardown_appcontext(lambda exc: scoped.remove())
    ann, bob = Author(name="ann", email="ann@example.com"), Author(name="bob")
    red, blue = Tag(name="red"), Tag(name="blue")
    scoped.add_all(
        [
            Post(title="Hello world", author=ann, views=10, tags=[red]),
            Post(title="100% pure_fun", author=bob, views=5, tags=[red, blue]),
            Post(title="Third", author=ann, views=1),
        ]
    )
    scoped.commit()
    yield scoped
    scoped.remove()
    Base.metadata.drop_all(engine)
    engine.dispose()


def test_crud_search_filter_sort_round_trip(
    app: Hipflask, backend_session: Any, client: HipflaskClient
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    admin = Admin(app)
    view = PostView(Post, backend_session)
    admin.add_view(view)
    admin.add_view(AuthorView(Author, backend_session))
    session = backend_session

    assert listing(client)["titles"] == ["Hello world", "100% pure_fun"]
    assert listing(client, search="100%")["titles"] == ["100% pure_fun"]
    assert listing(client, search="o_w")["count"] == 0
    assert listing(client, search="ANN")["count"] == 2
    assert listing(client, search="e")["count"] == 2
    assert listing(client, search="' OR '1'='1")["count"] == 0
    assert listing(client, search="\\")["count"] == 0
    related = filter_index(view, "author / Hfa Author / Name", "equals")
    greater = filter_index(view, "Views", "greater than")
    assert listing(client, **{f"flt0_{related}": "bob"})["titles"] == ["100% pure_fun"]
    assert listing(client, **{f"flt0_{greater}": str(10**40)})["count"] == 3
    assert listing(client, **{f"flt0_{greater}": "abc"})["count"] == 3
    assert listing(client, sort=0)["titles"] == ["100% pure_fun", "Hello world"]
    assert listing(client, sort=1, desc=1)["titles"][0] == "100% pure_fun"
    assert listing(client, page=str(10**30))["titles"] == []

    # Ids, not instances: a request under WSGI ends the test thread's session too.
    bob = str(session.query(Author).filter_by(name="bob").one().id)
    created = client.post("/admin/post/new/", data={"title": "Fourth", "author": bob, "views": "2"})
    assert created.status_code == 302
    # Under ASGI the view ran in another thread, with that thread's session: end
    # this one's transaction, or MariaDB's repeatable read hides the new row.
    session.rollback()
    fourth = session.query(Post).filter_by(title="Fourth").one().id
    edited = client.post(
        f"/admin/post/edit/?id={fourth}",
        data={"title": "Fourth!", "author": bob, "views": "3"},
    )
    assert edited.status_code == 302
    session.rollback()
    assert session.get(Post, fourth).title == "Fourth!"
    for bad in ("abc", str(10**30), "1.5"):
        assert client.get("/admin/post/edit/", query_string={"id": bad}).status_code == 302
    clash = client.post("/admin/author/new/", data={"name": "bob"})
    assert clash.json["errors"] == {"name": ["Already exists."]}
    refused = client.post("/admin/author/delete/", data={"id": bob})
    assert refused.status_code == 302
    session.rollback()
    assert session.query(Author).count() == 2
    deleted = client.post(
        "/admin/post/action/", data={"action": "delete", "rowid": [str(fourth), "abc"]}
    )
    assert deleted.status_code == 302
    session.rollback()
    assert session.query(Post).count() == 3


def test_a_test_that_ends_on_a_read_leaves_the_tables_free(
    app: Hipflask, backend_session: Any, backend_url: str, client: HipflaskClient
) -> None:
    # Under ASGI the view runs in a worker thread, on that thread's session.
    # A read left its transaction open there, and on MariaDB the tables it
    # read stayed locked: the fixture's drop_all waited on them for ever.
    Admin(app).add_view(PostView(Post, backend_session))
    assert listing(client)["count"] == 3
    if backend_url.startswith("sqlite"):
        return  # a finished read holds no lock there
    engine = sa.create_engine(backend_url, connect_args=lock_timeout(backend_url, 3))
    try:
        with engine.connect() as connection:
            if backend_url.startswith("mysql"):
                connection.exec_driver_sql("LOCK TABLES hfa_post WRITE")
                connection.exec_driver_sql("UNLOCK TABLES")
            else:
                connection.exec_driver_sql("LOCK TABLE hfa_post IN ACCESS EXCLUSIVE MODE")
            connection.rollback()
    finally:
        engine.dispose()


class LookupPostView(PostView):
    can_export = True
    form_ajax_refs = {"author": {"fields": ("name",)}}  # noqa: RUF012 - Flask-Admin's setting


def test_a_nul_byte_in_a_search_a_filter_a_lookup_or_a_unique_field_is_never_a_500(
    app: Hipflask, backend_session: Any, client: HipflaskClient
) -> None:
    # PostgreSQL refuses a NUL in any text parameter, so a crafted %00 that
    # reached a query failed the whole page there instead of finding nothing.
    app.config["WTF_CSRF_ENABLED"] = False
    admin = Admin(app)
    view = LookupPostView(Post, backend_session)
    admin.add_view(view)
    admin.add_view(AuthorView(Author, backend_session))
    admin.add_view(PairView(Pair, backend_session))
    like = filter_index(view, "Author email", "contains")
    equal = filter_index(view, "author / Hfa Author / Name", "equals")

    searched = listing(client, search="hello\x00")
    filtered = listing(client, **{f"flt0_{like}": "ann\x00", f"flt1_{equal}": "bob\x00"})
    lookup = client.get(
        "/admin/post/ajax/lookup/", query_string={"name": "author", "query": "a\x00"}
    )
    exported = client.get("/admin/post/export/csv/", query_string={"search": "hello\x00"})
    created = client.post("/admin/author/new/", data={"name": "eve\x00"})
    opened = client.get("/admin/pair/details/", query_string={"id": "a\x00,1"})

    assert searched["count"] == 0
    assert filtered["count"] == 3
    assert [category for category, _ in filtered["flashes"]] == ["error", "error"]
    assert lookup.status_code == 200
    assert lookup.json == []
    assert exported.status_code == 200
    assert exported.get_data(as_text=True).splitlines()[1:] == []
    assert created.status_code == 200
    assert created.json["errors"] == {"name": ["Not a valid value."]}
    assert opened.status_code == 302
    backend_session.rollback()
    assert backend_session.query(Author).count() == 2


class PostFormView(JsonRender, ModelView):
    form_columns = ("title", "author", "extra")


def test_json_nested_too_deep_is_a_form_error_not_a_500(
    app: Hipflask, seeded: orm.scoped_session[orm.Session], client: HipflaskClient
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    Admin(app).add_view(PostFormView(Post, seeded))
    bob = str(seeded.query(Author).filter_by(name="bob").one().id)

    response = client.post(
        "/admin/post/new/", data={"title": "Deep", "author": bob, "extra": '{"a":' * 5_000}
    )

    assert response.status_code == 200
    assert response.json["errors"] == {"extra": ["Invalid JSON"]}
    seeded.rollback()
    assert seeded.query(Post).filter_by(title="Deep").count() == 0


class StatusSearchView(JsonRender, ModelView):
    column_list = ("title",)
    column_searchable_list = ("title", "status")
    column_filters = (filters.FilterLike(Post.status, "Status text"),)


def test_a_search_over_an_enum_column_finds_its_values(
    app: Hipflask, backend_session: Any, client: HipflaskClient
) -> None:
    # SQLAlchemy's Enum is a String type, so the search left it uncast; on
    # PostgreSQL it is a type of its own, with no ILIKE: any search made the
    # list a 500 there ("operator does not exist: hfa_status ~~* text").
    from tests.admin.contrib.sqla.models import Status

    backend_session.query(Post).filter_by(title="Third").one().status = Status.published
    backend_session.commit()
    view = StatusSearchView(Post, backend_session)
    Admin(app).add_view(view)
    like = filter_index(view, "Status text", "contains")

    assert listing(client, search="PUBLISH")["titles"] == ["Third"]
    assert listing(client, search="hello")["titles"] == ["Hello world"]
    assert listing(client, **{f"flt0_{like}": "lish"})["titles"] == ["Third"]


# -- settings ------------------------------------------------------------------------------


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


# -- the real pages ------------------------------------------------------------------------


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


# -- hybrid properties and joined inheritance ------------------------------------------------


def test_hybrid_properties_and_joined_inheritance(
    app: Hipflask, client: HipflaskClient, tmp_path: Any
) -> None:
    from sqlalchemy.ext.hybrid import hybrid_property

    class Local(orm.DeclarativeBase):
        pass

    class Person(Local):
        __tablename__ = "hfa_person"
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        kind: orm.Mapped[str] = orm.mapped_column(sa.String(10))
        first: orm.Mapped[str] = orm.mapped_column(sa.String(20))
        last: orm.Mapped[str] = orm.mapped_column(sa.String(20))
        __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "person"}  # noqa: RUF012

        @hybrid_property
        def full_name(self) -> str:
            return self.first + " " + self.last

        def __str__(self) -> str:
            return self.full_name

    class Employee(Person):
        __tablename__ = "hfa_employee"
        id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("hfa_person.id"), primary_key=True)
        team: orm.Mapped[str] = orm.mapped_column(sa.String(20))
        __mapper_args__ = {"polymorphic_identity": "employee"}  # noqa: RUF012

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'people.db'}")
    Local.metadata.create_all(engine)
    session = orm.scoped_session(orm.sessionmaker(engine))
    session.add_all(
        [
            Employee(first="Grace", last="Hopper", team="navy"),
            Employee(first="Alan", last="Kay", team="parc"),
        ]
    )
    session.commit()
    app.config["WTF_CSRF_ENABLED"] = False

    class EmployeeView(JsonRender, ModelView):
        column_list = ("full_name", "team")
        column_searchable_list = ("full_name", "team")
        column_filters = ("team",)

    view = EmployeeView(Employee, session)
    Admin(app).add_view(view)
    try:
        assert listing(client, "/admin/employee/", search="grace hop")["titles"] == ["Grace Hopper"]
        form_fields = {name for name in vars(view.get_create_form()) if not name.startswith("_")}
        assert form_fields == {"first", "last", "team"}
        created = client.post(
            "/admin/employee/new/", data={"first": "Ada", "last": "Lovelace", "team": "math"}
        )
        assert created.status_code == 302
        session.rollback()
        assert session.query(Employee).filter_by(first="Ada").one().kind == "employee"
    finally:
        session.remove()
        engine.dispose()


# -- inline models ---------------------------------------------------------------------------


@pytest.fixture
def inline_admin(
    app: Hipflask, seeded: orm.scoped_session[orm.Session]
) -> tuple[ModelView, list[tuple[str, bool]]]:
    from hipflask.admin.model.form import InlineFormAdmin

    app.config["WTF_CSRF_ENABLED"] = False
    changes: list[tuple[str, bool]] = []

    class PostInline(InlineFormAdmin):
        form_columns = ("id", "title", "views")

        def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
            changes.append((model.title, is_created))

    class AuthorWithPosts(JsonRender, ModelView):
        inline_models = (PostInline(Post),)

    view = AuthorWithPosts(Author, seeded)
    Admin(app).add_view(view)
    return view, changes


def test_inline_rows_are_edited_added_and_deleted_with_the_parent(
    inline_admin: tuple[ModelView, list[tuple[str, bool]]],
    client: HipflaskClient,
    seeded: orm.scoped_session[orm.Session],
) -> None:
    _view, changes = inline_admin
    ann = seeded.query(Author).filter_by(name="ann").one()
    hello, third = sorted(ann.posts, key=lambda post: post.title)
    data = {
        "name": "ann",
        "posts-0-id": str(hello.id),
        "posts-0-title": "Hello again",
        "posts-0-views": "11",
        "posts-1-id": str(third.id),
        "posts-1-title": "Third",
        "del-posts-1": "on",
        "posts-2-id": "",
        "posts-2-title": "Brand new",
        "posts-3-id": "",
        "posts-3-title": "",
    }

    response = client.post(f"/admin/author/edit/?id={ann.id}", data=data)

    assert response.status_code == 302, response.get_data(as_text=True)
    seeded.rollback()
    titles = sorted(post.title for post in seeded.query(Author).filter_by(name="ann").one().posts)
    assert titles == ["Brand new", "Hello again"]
    assert seeded.query(Post).filter_by(title="Third").count() == 0
    assert sorted(changes) == [("Brand new", True), ("Hello again", False)]


def test_an_inline_row_of_another_parent_cannot_be_taken_over(
    inline_admin: tuple[ModelView, list[tuple[str, bool]]],
    client: HipflaskClient,
    seeded: orm.scoped_session[orm.Session],
) -> None:
    ann = seeded.query(Author).filter_by(name="ann").one()
    bobs = seeded.query(Post).filter(Post.author.has(Author.name == "bob")).one()
    data = {
        "name": "ann",
        "posts-0-id": str(bobs.id),
        "posts-0-title": "stolen",
        "del-posts-0": "",
    }

    client.post(f"/admin/author/edit/?id={ann.id}", data=data)

    seeded.rollback()
    assert seeded.get(Post, bobs.id).title == "100% pure_fun"  # type: ignore[union-attr]
    assert seeded.get(Post, bobs.id).author.name == "bob"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "key",
    ["posts-\u00b2-title", "del-posts-\u00b2", "posts-\u0663-title"],
    ids=["sup", "del", "arabic"],
)
def test_an_inline_row_number_that_is_not_ascii_digits_is_ignored(
    inline_admin: tuple[ModelView, list[tuple[str, bool]]],
    client: HipflaskClient,
    seeded: orm.scoped_session[orm.Session],
    key: str,
) -> None:
    ann = seeded.query(Author).filter_by(name="ann").one()
    hello = seeded.query(Post).filter_by(title="Hello world").one()
    data = {
        "name": "ann",
        "posts-0-id": str(hello.id),
        "posts-0-title": "Hello again",
        "posts-0-views": "10",
        key: "x",
    }

    response = client.post(f"/admin/author/edit/?id={ann.id}", data=data)

    assert response.status_code == 302, response.get_data(as_text=True)
    seeded.rollback()
    assert seeded.get(Post, hello.id).title == "Hello again"  # type: ignore[union-attr]
    assert seeded.query(Post).filter_by(title="x").count() == 0


def test_an_invalid_inline_row_is_a_form_error(
    inline_admin: tuple[ModelView, list[tuple[str, bool]]],
    client: HipflaskClient,
    seeded: orm.scoped_session[orm.Session],
) -> None:
    ann = seeded.query(Author).filter_by(name="ann").one()

    response = client.post(
        f"/admin/author/edit/?id={ann.id}",
        data={"name": "ann", "posts-0-id": "", "posts-0-views": "many"},
    )

    assert response.status_code == 200
    assert "posts" in response.json["errors"]
    assert seeded.query(Post).count() == 3


def test_the_inline_rows_render_escaped_with_a_blank_row(
    app: Hipflask, seeded: orm.scoped_session[orm.Session], client: HipflaskClient
) -> None:
    class AuthorWithPosts(ModelView):
        inline_models = (Post,)

    Admin(app).add_view(AuthorWithPosts(Author, seeded))
    ann = seeded.query(Author).filter_by(name="ann").one()
    ann.posts[0].title = "<script>x</script>"
    seeded.commit()

    body = client.get(f"/admin/author/edit/?id={ann.id}").get_data(as_text=True)

    assert "<script>x" not in body
    assert "&lt;script&gt;x&lt;/script&gt;" in body
    assert 'name="del-posts-0"' in body
    assert 'name="posts-2-title"' in body
    assert 'name="del-posts-2"' not in body


def test_inline_models_need_one_one_to_many_relationship(
    app: Hipflask, seeded: orm.scoped_session[orm.Session]
) -> None:
    from hipflask.errors import ConfigurationError

    class Wrong(ModelView):
        inline_models = (Tag,)

    with pytest.raises(ConfigurationError, match="Tag"):
        Wrong(Post, seeded)


def test_a_hook_raising_validation_error_refuses_the_change_with_its_message(
    views: dict[str, ModelView], client: HipflaskClient, seeded: orm.scoped_session[orm.Session]
) -> None:
    from wtforms.validators import ValidationError

    def refuse(*args: Any) -> None:
        raise ValidationError("Authors named eve are not allowed.")

    views["author"].on_model_change = refuse  # type: ignore[method-assign]
    views["author"].on_model_delete = refuse  # type: ignore[method-assign]
    # cleo has no posts: only the hook can stop her deletion.
    cleo = Author(name="cleo")
    seeded.add(cleo)
    seeded.commit()

    created = client.post("/admin/author/new/", data={"name": "eve"})
    client.post("/admin/author/delete/", data={"id": str(cleo.id)})

    assert created.json["flashes"] == [["error", "Authors named eve are not allowed."]]
    seeded.rollback()
    assert sorted(author.name for author in seeded.query(Author)) == ["ann", "bob", "cleo"]
