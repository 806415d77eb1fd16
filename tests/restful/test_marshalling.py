"""marshal, marshal_with, marshal_with_field on resources, under both protocols."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Hipflask
from hipflask.restful import Api
from hipflask.restful import Resource
from hipflask.restful import fields
from hipflask.restful import marshal
from hipflask.restful import marshal_with
from hipflask.restful import marshal_with_field
from hipflask.restful import unpack

TODO_FIELDS = {"task": fields.String, "done": fields.Boolean}


class Todo(Resource):
    @marshal_with(TODO_FIELDS)
    def get(self) -> Any:
        return {"task": "write", "done": 0, "secret": "hidden"}

    @marshal_with(TODO_FIELDS, envelope="todo")
    def post(self) -> Any:
        return {"task": "new"}, 201, {"X-Created": "1"}


class Todos(Resource):
    @marshal_with(TODO_FIELDS)
    async def get(self) -> Any:
        return [{"task": "a"}, {"task": "b", "done": True}]


class Tags(Resource):
    @marshal_with_field(fields.List(fields.String))
    def get(self) -> Any:
        return [1, 2]


@pytest.fixture
def api(app: Hipflask) -> Api:
    api = Api(app)
    api.add_resource(Todo, "/todo")
    api.add_resource(Todos, "/todos")
    api.add_resource(Tags, "/tags")
    return api


def test_marshal_with_filters_fields(api: Api, client: Any) -> None:
    assert client.get("/todo").get_json() == {"task": "write", "done": False}


def test_marshal_with_envelope_keeps_status_and_headers(api: Api, client: Any) -> None:
    response = client.post("/todo")
    assert response.status_code == 201
    assert response.headers["X-Created"] == "1"
    assert response.get_json() == {"todo": {"task": "new", "done": None}}


def test_marshal_with_on_an_async_list(api: Api, client: Any) -> None:
    assert client.get("/todos").get_json() == [
        {"task": "a", "done": None},
        {"task": "b", "done": True},
    ]


def test_marshal_with_field(api: Api, client: Any) -> None:
    assert client.get("/tags").get_json() == ["1", "2"]


def test_marshal_envelope_and_nested_dict() -> None:
    out = marshal(
        [{"a": 1}], {"a": fields.Integer, "inner": {"a": fields.String}}, envelope="items"
    )
    assert out == {"items": [{"a": 1, "inner": {"a": "1"}}]}


def test_unpack() -> None:
    assert unpack({"a": 1}) == ({"a": 1}, 200, {})
    assert unpack(({"a": 1}, 201)) == ({"a": 1}, 201, {})
    assert unpack(({"a": 1}, 201, {"X": "y"})) == ({"a": 1}, 201, {"X": "y"})
