"""SQLAlchemy ModelView on hipflask.db and on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from tests.admin.contrib.sqla.admin_views import AuthorView
from tests.admin.contrib.sqla.admin_views import JsonRender
from tests.admin.contrib.sqla.admin_views import PairView
from tests.admin.contrib.sqla.admin_views import PostView
from tests.admin.contrib.sqla.admin_views import filter_index
from tests.admin.contrib.sqla.admin_views import listing
from tests.admin.contrib.sqla.models import Author
from tests.admin.contrib.sqla.models import Pair
from tests.admin.contrib.sqla.models import Post
from tests.admin.contrib.sqla.models import Tag

from hipflask import Hipflask
from hipflask.admin import Admin
from hipflask.admin.contrib.sqla import ModelView
from hipflask.admin.contrib.sqla import filters
from hipflask.testing.client import HipflaskClient


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


class UntypedFilterView(JsonRender, ModelView):
    column_list = ("title",)
    column_filters = (
        filters.FilterEqual(Post.views, "Views"),
        filters.FilterGreater(Post.views, "Views"),
        filters.FilterInList(Post.views, "Views"),
        filters.FilterNotEqual(Post.day, "Day"),
    )


def test_an_untyped_filter_on_a_number_or_a_date_column_filters_on_every_backend(
    app: Hipflask, backend_session: Any, client: HipflaskClient
) -> None:
    # A filter made as FilterEqual(Post.views, ...) cleans nothing, and
    # SQLAlchemy bound its text as VARCHAR against the INTEGER column:
    # PostgreSQL has no "integer = character varying", and the list was a 500.
    import datetime

    backend_session.query(Post).filter_by(title="Third").one().day = datetime.date(2024, 5, 1)
    backend_session.commit()
    view = UntypedFilterView(Post, backend_session)
    Admin(app).add_view(view)
    equal = filter_index(view, "Views", "equals")
    greater = filter_index(view, "Views", "greater than")
    in_list = filter_index(view, "Views", "in list")
    not_day = filter_index(view, "Day", "not equal")

    assert listing(client, **{f"flt0_{equal}": "5"})["titles"] == ["100% pure_fun"]
    assert listing(client, **{f"flt0_{greater}": "4"})["count"] == 2
    assert listing(client, **{f"flt0_{in_list}": "1, 10"})["count"] == 2
    assert listing(client, **{f"flt0_{not_day}": "2024-05-01"})["count"] == 2
