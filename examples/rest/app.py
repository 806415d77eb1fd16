"""A small bookshop API using every REST feature of hipflask.

* ``/authors``: Flask-RESTful resources with ``reqparse`` and ``marshal_with``,
  stored in SQLite through the standard library;
* ``/books``: typed views, validated and serialised by pydantic models;
* ``/openapi.json`` and ``/docs``: the generated document and its docs page.

Run it with ``hipflask --app examples.rest.app --debug run`` and open /docs.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Annotated
from typing import Any

from pydantic import BaseModel
from pydantic import Field

from hipflask import Hipflask
from hipflask import abort
from hipflask import current_app
from hipflask import g
from hipflask.openapi import OpenAPI
from hipflask.openapi import doc
from hipflask.restful import Api
from hipflask.restful import Query
from hipflask.restful import Resource
from hipflask.restful import fields
from hipflask.restful import marshal_with
from hipflask.restful import reqparse
from hipflask.restful import validate

author_fields = {
    "id": fields.Integer,
    "name": fields.String,
    "uri": fields.Url("author"),
}

author_parser = reqparse.RequestParser()
author_parser.add_argument("name", required=True, help="The author's name: {error_msg}")


# SQLite stores 64-bit integers: larger ids are refused with a 422 (or a 404
# from the URL converter) instead of failing in the database with a 500.
MAX_ID = 2**63 - 1


class NewBook(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    author_id: int = Field(ge=1, le=MAX_ID)
    price: float = Field(ge=0, le=1_000_000)


class Book(NewBook):
    id: int


class BookFilters(BaseModel):
    max_price: float | None = Field(default=None, allow_inf_nan=False)
    limit: int = Field(default=20, ge=1, le=100)


def get_db() -> sqlite3.Connection:
    """This request's connection, with the tables created on first use."""
    if "db" not in g:
        g.db = sqlite3.connect(current_app.config["DATABASE"])
        g.db.row_factory = sqlite3.Row
        g.db.execute("CREATE TABLE IF NOT EXISTS author (id INTEGER PRIMARY KEY, name TEXT)")
        g.db.execute(
            "CREATE TABLE IF NOT EXISTS book (id INTEGER PRIMARY KEY, title TEXT,"
            " author_id INTEGER, price REAL)"
        )
    connection: sqlite3.Connection = g.db
    return connection


def close_db(exc: BaseException | None) -> None:
    connection = g.pop("db", None)
    if connection is not None:
        connection.close()


class AuthorList(Resource):
    @marshal_with(author_fields)
    def get(self) -> Any:
        """Every author."""
        return [dict(row) for row in get_db().execute("SELECT * FROM author")]

    @doc(responses={201: "Created"})
    @marshal_with(author_fields)
    def post(self) -> Any:
        """Add an author."""
        args = author_parser.parse_args()
        cursor = get_db().execute("INSERT INTO author (name) VALUES (?)", (args["name"],))
        get_db().commit()
        return {"id": cursor.lastrowid, "name": args["name"]}, 201


class Author(Resource):
    @doc(responses={404: "No such author"})
    @marshal_with(author_fields)
    def get(self, id: int) -> Any:
        """One author."""
        row = get_db().execute("SELECT * FROM author WHERE id = ?", (id,)).fetchone()
        if row is None:
            abort(404, description=f"Author {id} doesn't exist")
        return dict(row)


@validate(status_code=201)
@doc(tags=["books"])
def add_book(book: NewBook) -> Book:
    """Add a book."""
    cursor = get_db().execute(
        "INSERT INTO book (title, author_id, price) VALUES (?, ?, ?)",
        (book.title, book.author_id, book.price),
    )
    get_db().commit()
    return Book(id=cursor.lastrowid or 0, **book.model_dump())


@doc(tags=["books"])
def list_books(filters: Annotated[BookFilters, Query()]) -> list[Book]:
    """Books, cheapest first."""
    rows = get_db().execute("SELECT * FROM book ORDER BY price LIMIT ?", (filters.limit,))
    books = [Book(**dict(row)) for row in rows]
    if filters.max_price is not None:
        books = [book for book in books if book.price <= filters.max_price]
    return books


def create_app(database: str | None = None) -> Hipflask:
    app = Hipflask(__name__)
    if database is None:
        os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(
        SECRET_KEY=os.environ.get("HIPFLASK_SECRET_KEY", "dev-only-key-change-me-0123456789abcdef"),
        DATABASE=database or os.path.join(app.instance_path, "books.sqlite"),
        OPENAPI_TITLE="Bookshop",
    )
    app.teardown_appcontext(close_db)

    api = Api(app)
    api.add_resource(AuthorList, "/authors", endpoint="authors")
    api.add_resource(Author, f"/authors/<int(max={MAX_ID}):id>", endpoint="author")

    app.add_url_rule("/books", view_func=add_book, methods=["POST"])
    app.add_url_rule("/books", view_func=list_books, methods=["GET"])

    OpenAPI(app, version="1.0.0")
    return app
