from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from hipflask import Hipflask
from hipflask.db import SQLAlchemy

from .conftest import define_models


@pytest.fixture
def app_with_users(db: SQLAlchemy, db_app: Hipflask) -> Hipflask:
    User, Post = define_models(db)
    with db_app.app_context():
        db.create_all()
        ann = User(username="ann", email="same@example.com")
        bob = User(username="bob", email="same@example.com")
        db.session.add_all([ann, bob, Post(title="hello", author=ann)])
        db.session.commit()

    @db_app.get("/legacy/get/<int:user_id>")
    def legacy_get(user_id: int) -> str:
        return str(User.query.get_or_404(user_id).username)

    @db_app.get("/legacy/first/<name>")
    def legacy_first(name: str) -> str:
        return str(User.query.filter_by(username=name).first_or_404().id)

    @db_app.get("/legacy/one/<email>")
    def legacy_one(email: str) -> str:
        return str(User.query.filter_by(email=email).one_or_404(description="no one").id)

    @db_app.get("/get/<int:user_id>")
    def get(user_id: int) -> str:
        return str(db.get_or_404(User, user_id, description="No such user").username)

    @db_app.get("/get/<int:user_id>/posts")
    def get_with_posts(user_id: int) -> Any:
        user = db.get_or_404(
            User, user_id, options=[db.defaultload(User.posts)], populate_existing=True
        )
        return [post.title for post in user.posts]

    @db_app.get("/first/<name>")
    def first(name: str) -> str:
        return str(db.first_or_404(db.select(User).filter_by(username=name)).id)

    @db_app.get("/one/<email>")
    def one(email: str) -> str:
        return str(db.one_or_404(db.select(User).filter_by(email=email)).id)

    @db_app.get("/posts/<name>")
    def posts(name: str) -> Any:
        user = User.query.filter_by(username=name).first_or_404()
        return [p.title for p in user.posts.all()]

    db_app.extensions["models"] = (User, Post)
    return db_app


def test_model_query_helpers(app_with_users: Hipflask, protocol: str) -> None:
    client = app_with_users.test_client(protocol=protocol)
    assert client.get("/legacy/get/1").text == "ann"
    assert client.get("/legacy/get/3").status_code == 404
    assert client.get("/legacy/first/bob").text == "2"
    assert client.get("/legacy/first/carl").status_code == 404
    assert client.get("/legacy/one/nobody@example.com").status_code == 404
    response = client.get("/legacy/one/same@example.com")
    assert response.status_code == 404  # two rows are not "one"
    assert b"no one" in response.data


def test_db_query_helpers(app_with_users: Hipflask, protocol: str) -> None:
    client = app_with_users.test_client(protocol=protocol)
    assert client.get("/get/2").text == "bob"
    missing = client.get("/get/99")
    assert missing.status_code == 404
    assert b"No such user" in missing.data
    assert client.get("/first/ann").text == "1"
    assert client.get("/first/zed").status_code == 404
    assert client.get("/one/same@example.com").status_code == 404


def test_dynamic_relationships_query(app_with_users: Hipflask, protocol: str) -> None:
    client = app_with_users.test_client(protocol=protocol)
    assert client.get("/posts/ann").json == ["hello"]
    assert client.get("/posts/bob").json == []


def test_query_get_uses_the_identity_map_without_a_legacy_warning(
    db: SQLAlchemy, app_with_users: Hipflask
) -> None:
    User, _ = app_with_users.extensions["models"]
    with app_with_users.app_context():
        ann = User.query.get(1)  # warnings are errors in this suite
        assert User.query.get(1) is ann
        assert User.query.get(42) is None
        assert db.session.get(User, 1) is ann


def test_model_query_filter_first_all(db: SQLAlchemy, app_with_users: Hipflask) -> None:
    User, _ = app_with_users.extensions["models"]
    with app_with_users.app_context():
        assert [u.username for u in User.query.order_by(User.username).all()] == ["ann", "bob"]
        assert User.query.filter_by(username="bob").first().id == 2
        assert User.query.filter(User.username.startswith("a")).count() == 1
        assert isinstance(User.query, db.Query)


def test_a_custom_query_class(db_app: Hipflask) -> None:
    from hipflask.db import Query

    class MyQuery(Query):
        def by_name(self, name: str) -> Any:
            return self.filter_by(name=name)

    db = SQLAlchemy(db_app, query_class=MyQuery)

    class Tag(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(20))

    with db_app.app_context():
        db.create_all()
        db.session.add(Tag(name="x"))
        db.session.commit()
        assert Tag.query.by_name("x").one().id == 1


def test_get_or_404_passes_keyword_arguments_to_session_get(
    app_with_users: Hipflask, protocol: str
) -> None:
    client = app_with_users.test_client(protocol=protocol)
    assert client.get("/get/1/posts").json == ["hello"]
    assert client.get("/get/99/posts").status_code == 404


def test_a_dynamic_backref_given_as_a_tuple_queries_with_the_query_class(
    db: SQLAlchemy, db_app: Hipflask, protocol: str
) -> None:
    class Author(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    class Book(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        title = db.Column(db.String(80))
        author_id = db.Column(db.ForeignKey("author.id"))
        author = db.relationship("Author", backref=("books", {"lazy": "dynamic"}))

    shelved = db.Table(
        "shelved",
        db.Column("book_id", db.ForeignKey("book.id")),
        db.Column("shelf_id", db.ForeignKey("shelf.id")),
    )

    class Shelf(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        books = db.dynamic_loader(
            "Book", secondary=shelved, backref=("shelves", {"lazy": "dynamic"})
        )

    with db_app.app_context():
        db.create_all()
        db.session.add_all([Book(title="Emma", author=Author()), Author()])
        db.session.commit()

    @db_app.get("/authors/<int:author_id>/books")
    def books(author_id: int) -> Any:
        author = db.get_or_404(Author, author_id)
        page = author.books.order_by(Book.id).paginate()
        return {"titles": [book.title for book in page], "total": page.total}

    @db_app.get("/books/<int:book_id>/shelf")
    def shelf(book_id: int) -> Any:
        return {"first": db.get_or_404(Book, book_id).shelves.first_or_404().id}

    client = db_app.test_client(protocol=protocol)
    assert client.get("/authors/1/books").json == {"titles": ["Emma"], "total": 1}
    assert client.get("/authors/2/books").json == {"titles": [], "total": 0}
    assert client.get("/books/1/shelf").status_code == 404
    with db_app.app_context():
        db.session.add(Shelf(books=[db.session.get(Book, 1)]))
        db.session.commit()
    assert client.get("/books/1/shelf").json == {"first": 1}


class _JSONNotFound(NotFound):
    """An app's own 404, put in its aborter's mapping to answer in JSON."""

    def get_body(self, *args: Any, **kwargs: Any) -> str:
        return json.dumps({"error": self.description})

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [("Content-Type", "application/json")]


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/get/99", "No such user"),
        ("/first/zed", NotFound.description),
        ("/one/same@example.com", NotFound.description),
        ("/legacy/get/99", NotFound.description),
        ("/legacy/first/zed", NotFound.description),
        ("/legacy/one/same@example.com", "no one"),
        ("/page?page=9", "That page is past the end."),
        ("/page?page=0", "Pages are numbered from 1."),
        ("/page?page=x", "The 'page' argument must be a whole number."),
    ],
)
def test_the_404s_are_raised_by_the_apps_aborter(
    app_with_users: Hipflask, protocol: str, path: str, error: str
) -> None:
    User, _ = app_with_users.extensions["models"]
    app_with_users.aborter.mapping[404] = _JSONNotFound

    @app_with_users.get("/page")
    def page() -> Any:
        return [user.id for user in User.query.paginate(per_page=1)]

    response = app_with_users.test_client(protocol=protocol).get(path)
    assert response.status_code == 404
    assert response.json == {"error": error}


def test_get_on_a_filtered_query_is_refused_as_sqlalchemy_refuses_it(
    db: SQLAlchemy, app_with_users: Hipflask
) -> None:
    User, Post = app_with_users.extensions["models"]
    with app_with_users.app_context():
        db.session.add(Post(title="bob's", author=db.session.get(User, 2)))
        db.session.commit()
        ann = db.session.get(User, 1)
        # Never the row by its key alone: bob's post is not among ann's.
        for query in (ann.posts, Post.query.filter_by(user_id=1), Post.query.limit(1)):
            with (
                pytest.raises(sa.exc.InvalidRequestError, match="existing criterion"),
                pytest.warns(sa.exc.LegacyAPIWarning),
            ):
                query.get_or_404(2)


def test_get_honours_the_querys_loading_options(db: SQLAlchemy, app_with_users: Hipflask) -> None:
    User, _ = app_with_users.extensions["models"]
    with app_with_users.app_context():
        ann = User.query.get(1)
        db.session.execute(sa.text("UPDATE user SET email = 'new@example.com' WHERE id = 1"))
        assert User.query.get(1).email == "same@example.com"  # the identity map's
        with pytest.warns(sa.exc.LegacyAPIWarning):
            assert User.query.populate_existing().get(1) is ann
        assert ann.email == "new@example.com"
        assert db.session.query(User).get(2).username == "bob"  # no warning either
