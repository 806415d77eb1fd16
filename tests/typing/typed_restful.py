"""Flask-RESTful's documented usage, strictly typed, through hipflask.restful."""

from __future__ import annotations

from typing import Any

from hipflask import Flask
from hipflask.login import login_required
from hipflask.restful import Api
from hipflask.restful import Resource
from hipflask.restful import abort
from hipflask.restful import fields
from hipflask.restful import inputs
from hipflask.restful import marshal
from hipflask.restful import marshal_with
from hipflask.restful import reqparse

TODOS: dict[str, dict[str, Any]] = {"todo1": {"task": "build an API", "done": False}}

todo_fields = {
    "task": fields.String,
    "done": fields.Boolean(default=False),
    "uri": fields.Url("todo_ep", absolute=True),
    "tags": fields.List(fields.String),
}

parser = reqparse.RequestParser(bundle_errors=True)
parser.add_argument("task", type=str, required=True, help="Task cannot be blank")
parser.add_argument("done", type=inputs.boolean, default=False, location="json")
parser.add_argument("priority", type=int, choices=(1, 2, 3))


def abort_if_missing(todo_id: str) -> None:
    if todo_id not in TODOS:
        abort(404, message=f"Todo {todo_id} doesn't exist")


class Todo(Resource):
    @marshal_with(todo_fields)
    def get(self, todo_id: str) -> dict[str, Any]:
        abort_if_missing(todo_id)
        return TODOS[todo_id]

    def delete(self, todo_id: str) -> tuple[str, int]:
        abort_if_missing(todo_id)
        del TODOS[todo_id]
        return "", 204

    def put(self, todo_id: str) -> tuple[dict[str, Any], int]:
        args = parser.parse_args()
        TODOS[todo_id] = {"task": args["task"], "done": args.done}
        return TODOS[todo_id], 201


class TodoList(Resource):
    # Flask-RESTful's spelling: a plain list, typed by the base class.
    method_decorators = [login_required]  # noqa: RUF012

    def get(self) -> Any:
        return marshal(list(TODOS.values()), todo_fields, envelope="todos")


def create_app() -> Flask:
    app = Flask(__name__)
    api = Api(app, prefix="/api", catch_all_404s=True)
    api.add_resource(TodoList, "/todos")
    api.add_resource(Todo, "/todos/<todo_id>", endpoint="todo_ep")
    return app
