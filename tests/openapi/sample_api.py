"""A sample API mixing typed views, Flask-RESTful resources and plain views.

The OpenAPI tests generate its document, validate it against the 3.1
meta-schema and let schemathesis fuzz the app against it.
"""

from __future__ import annotations

from typing import Annotated
from typing import Any

from pydantic import BaseModel
from pydantic import Field

from hipflask import Hipflask
from hipflask.core.typed import Query
from hipflask.openapi import OpenAPI
from hipflask.openapi import doc
from hipflask.restful import Api
from hipflask.restful import Resource
from hipflask.restful import abort
from hipflask.restful import fields
from hipflask.restful import inputs
from hipflask.restful import marshal_with
from hipflask.restful import reqparse


class NewItem(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    price: float = Field(ge=0, le=1_000_000)
    tags: list[str] = Field(default_factory=list, max_length=5)


class ItemOut(BaseModel):
    id: int
    name: str
    price: float
    tags: list[str]


class ItemFilters(BaseModel):
    tag: str | None = None
    limit: int = Field(default=10, ge=1, le=100)


TODO_FIELDS = {
    "id": fields.Integer,
    "task": fields.String,
    "done": fields.Boolean(default=False),
    "uri": fields.Url("todo"),
}

todo_parser = reqparse.RequestParser()
todo_parser.add_argument("task", type=str, required=True, help="The task: {error_msg}")
todo_parser.add_argument("done", type=inputs.boolean, default=False)

list_parser = reqparse.RequestParser()
list_parser.add_argument("limit", type=inputs.int_range(1, 50), location="args", default=10)


def create_app() -> Hipflask:
    app = Hipflask(__name__)
    app.config.update(TESTING=True, SECRET_KEY="sample-api-secret-key-long-enough-0123456789")
    items: dict[int, ItemOut] = {}
    todos: dict[int, dict[str, Any]] = {1: {"id": 1, "task": "write docs", "done": False}}

    @app.post("/items")
    @doc(tags=["items"], security=["bearerAuth"])
    def create_item(item: NewItem) -> ItemOut:
        """Create an item."""
        new = ItemOut(id=len(items) + 1, **item.model_dump())
        items[new.id] = new
        return new

    @app.get("/items")
    @doc(tags=["items"])
    def list_items(filters: Annotated[ItemFilters, Query()]) -> list[ItemOut]:
        """List items, optionally by tag."""
        found = [item for item in items.values() if filters.tag in (None, *item.tags)]
        return found[: filters.limit]

    @app.get("/items/<int:item_id>")
    @doc(tags=["items"], responses={404: "No such item"})
    def get_item(item_id: int) -> ItemOut:
        """One item."""
        item = items.get(item_id)
        if item is None:
            abort(404, message=f"Item {item_id} doesn't exist")
        return item  # type: ignore[return-value]

    @app.get("/ping")
    def ping() -> str:
        """A plain view."""
        return "pong"

    api = Api(app, prefix="/api")

    class TodoList(Resource):
        @marshal_with(TODO_FIELDS)
        def get(self) -> Any:
            """List todos."""
            args = list_parser.parse_args()
            return list(todos.values())[: args["limit"]]

        @doc(responses={201: "Created"})
        @marshal_with(TODO_FIELDS)
        def post(self) -> Any:
            """Add a todo."""
            args = todo_parser.parse_args()
            todo = {"id": max(todos, default=0) + 1, "task": args["task"], "done": args["done"]}
            todos[todo["id"]] = todo
            return todo, 201

    class Todo(Resource):
        @doc(responses={404: "No such todo"})
        @marshal_with(TODO_FIELDS)
        def get(self, id: int) -> Any:
            """One todo."""
            if id not in todos:
                abort(404, message=f"Todo {id} doesn't exist")
            return todos[id]

        @doc(responses={204: "Removed", 404: "No such todo"}, security=["cookieAuth"])
        def delete(self, id: int) -> Any:
            """Remove a todo."""
            if todos.pop(id, None) is None:
                abort(404, message=f"Todo {id} doesn't exist")
            return "", 204

    api.add_resource(TodoList, "/todos", endpoint="todos")
    api.add_resource(Todo, "/todos/<int:id>", endpoint="todo")
    OpenAPI(app, title="Sample API", version="1.0.0")
    return app
