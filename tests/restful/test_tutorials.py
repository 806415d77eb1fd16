"""The Flask-RESTful tutorials' examples, ported by renaming the imports only.

The code in each app below is the tutorials' code with ``flask`` ->
``hipflask`` and ``flask_restful`` -> ``hipflask.restful``; the UserAPI keeps
its table in SQLite through the standard library.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from hipflask import Flask
from hipflask import g
from hipflask.restful import Api
from hipflask.restful import Resource
from hipflask.restful import abort
from hipflask.restful import fields
from hipflask.restful import marshal_with
from hipflask.restful import reqparse


def hello_app() -> Flask:
    app = Flask(__name__)
    api = Api(app)

    class HelloWorld(Resource):
        def get(self):  # type: ignore[no-untyped-def]
            return {"hello": "world"}

    api.add_resource(HelloWorld, "/")
    return app


def todo_app() -> Flask:
    app = Flask(__name__)
    api = Api(app)

    TODOS = {
        "todo1": {"task": "build an API"},
        "todo2": {"task": "?????"},
        "todo3": {"task": "profit!"},
    }

    def abort_if_todo_doesnt_exist(todo_id):  # type: ignore[no-untyped-def]
        if todo_id not in TODOS:
            abort(404, message="Todo {} doesn't exist".format(todo_id))  # noqa: UP032

    parser = reqparse.RequestParser()
    parser.add_argument("task")

    class Todo(Resource):
        def get(self, todo_id):  # type: ignore[no-untyped-def]
            abort_if_todo_doesnt_exist(todo_id)
            return TODOS[todo_id]

        def delete(self, todo_id):  # type: ignore[no-untyped-def]
            abort_if_todo_doesnt_exist(todo_id)
            del TODOS[todo_id]
            return "", 204

        def put(self, todo_id):  # type: ignore[no-untyped-def]
            args = parser.parse_args()
            task = {"task": args["task"]}
            TODOS[todo_id] = task
            return task, 201

    class TodoList(Resource):
        def get(self):  # type: ignore[no-untyped-def]
            return TODOS

        def post(self):  # type: ignore[no-untyped-def]
            args = parser.parse_args()
            todo_id = int(max(TODOS.keys()).lstrip("todo")) + 1  # noqa: B005
            todo_id = "todo%i" % todo_id  # noqa: UP031
            TODOS[todo_id] = {"task": args["task"]}
            return TODOS[todo_id], 201

    api.add_resource(TodoList, "/todos")
    api.add_resource(Todo, "/todos/<todo_id>")
    return app


def user_app(database: str) -> Flask:
    app = Flask(__name__)
    api = Api(app)

    def get_db():  # type: ignore[no-untyped-def]
        if "db" not in g:
            g.db = sqlite3.connect(database)
            g.db.row_factory = sqlite3.Row
        return g.db

    @app.teardown_appcontext
    def close_db(exception):  # type: ignore[no-untyped-def]
        db = g.pop("db", None)
        if db is not None:
            db.close()

    user_fields = {
        "id": fields.Integer,
        "username": fields.String,
        "email": fields.String,
        "uri": fields.Url("user"),
    }

    user_parser = reqparse.RequestParser()
    user_parser.add_argument("username", type=str, required=True, help="No username provided")
    user_parser.add_argument("email", type=str, required=True, location=["json", "form"])

    class UserAPI(Resource):
        @marshal_with(user_fields)
        def get(self, id):  # type: ignore[no-untyped-def]
            row = get_db().execute("SELECT * FROM user WHERE id = ?", (id,)).fetchone()
            if row is None:
                abort(404, message="User {} doesn't exist".format(id))  # noqa: UP032
            return dict(row)

        def delete(self, id):  # type: ignore[no-untyped-def]
            db = get_db()
            db.execute("DELETE FROM user WHERE id = ?", (id,))
            db.commit()
            return "", 204

    class UserListAPI(Resource):
        @marshal_with(user_fields)
        def post(self):  # type: ignore[no-untyped-def]
            args = user_parser.parse_args()
            db = get_db()
            cursor = db.execute(
                "INSERT INTO user (username, email) VALUES (?, ?)",
                (args["username"], args["email"]),
            )
            db.commit()
            return {"id": cursor.lastrowid, **args}, 201

    api.add_resource(UserListAPI, "/users", endpoint="users")
    api.add_resource(UserAPI, "/users/<int:id>", endpoint="user")
    return app


@pytest.fixture
def database(tmp_path: Path) -> str:
    path = str(tmp_path / "users.sqlite")
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE user"
            " (id INTEGER PRIMARY KEY, username TEXT NOT NULL, email TEXT NOT NULL)"
        )
    return path


def test_hello_world(protocol: str) -> None:
    client = hello_app().test_client(protocol=protocol)
    response = client.get("/")
    assert response.status_code == 200
    assert response.get_json() == {"hello": "world"}


def test_todo_tutorial(protocol: str) -> None:
    client: Any = todo_app().test_client(protocol=protocol)
    assert client.get("/todos/todo1").get_json() == {"task": "build an API"}
    assert client.put("/todos/todo4", data={"task": "Remember the milk"}).status_code == 201
    assert client.get("/todos/todo4").get_json() == {"task": "Remember the milk"}
    created = client.post("/todos", data={"task": "something new"})
    assert created.status_code == 201
    assert created.get_json() == {"task": "something new"}
    assert "todo5" in client.get("/todos").get_json()
    assert client.delete("/todos/todo2").status_code == 204
    missing = client.get("/todos/todo2")
    assert missing.status_code == 404
    assert missing.get_json() == {"message": "Todo todo2 doesn't exist"}


def test_user_api_over_form_and_json(protocol: str, database: str) -> None:
    client: Any = user_app(database).test_client(protocol=protocol)
    by_form = client.post("/users", data={"username": "ann", "email": "ann@example.org"})
    assert by_form.status_code == 201
    assert by_form.get_json() == {
        "id": 1,
        "username": "ann",
        "email": "ann@example.org",
        "uri": "/users/1",
    }
    by_json = client.post("/users", json={"username": "bob", "email": "bob@example.org"})
    assert by_json.status_code == 201
    assert by_json.get_json()["uri"] == "/users/2"
    assert client.get("/users/2").get_json()["username"] == "bob"
    assert client.delete("/users/1").status_code == 204
    assert client.get("/users/1").get_json() == {"message": "User 1 doesn't exist"}


def test_user_api_reports_a_missing_argument(protocol: str, database: str) -> None:
    client: Any = user_app(database).test_client(protocol=protocol)
    response = client.post("/users", data={"email": "x@example.org"})
    assert response.status_code == 400
    assert response.get_json() == {"message": {"username": "No username provided"}}
