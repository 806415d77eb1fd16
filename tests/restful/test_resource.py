"""Resource: method dispatch, method_decorators, per-resource representations, async methods."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import Hipflask
from hipflask import Response
from hipflask import request
from hipflask.restful import Api
from hipflask.restful import Resource
from hipflask.restful import abort


def shout(f: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        data = f(*args, **kwargs)
        return {key: value.upper() for key, value in data.items()}

    return wrapper


def only_for_get(f: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return {"decorated": "get"}

    return wrapper


class Word(Resource):
    method_decorators = [shout]  # noqa: RUF012

    def get(self) -> Any:
        return {"word": "hello"}


class PerMethod(Resource):
    method_decorators = {"get": [only_for_get]}  # noqa: RUF012

    def get(self) -> Any:
        return {"decorated": "no"}

    def post(self) -> Any:
        return {"decorated": "no"}


def output_text(data: Any, code: int, headers: Any = None) -> Response:
    return Response(f"text:{data['word']}", code, headers)


class Text(Resource):
    representations = {"text/plain": output_text}  # noqa: RUF012

    def get(self) -> Any:
        return {"word": "plain"}


class Raw(Resource):
    def get(self) -> Any:
        return Response("raw body", 202, mimetype="text/x-raw")


class Slow(Resource):
    async def get(self, number: int) -> Any:
        return {"number": number}, 201


@pytest.fixture
def api(app: Hipflask) -> Api:
    api = Api(app)
    api.add_resource(Word, "/word")
    api.add_resource(PerMethod, "/per-method")
    api.add_resource(Text, "/text")
    api.add_resource(Raw, "/raw")
    api.add_resource(Slow, "/slow/<int:number>")
    return api


def test_method_decorators_wrap_every_method(api: Api, client: Any) -> None:
    assert client.get("/word").get_json() == {"word": "HELLO"}


def test_method_decorators_by_method_name(api: Api, client: Any) -> None:
    assert client.get("/per-method").get_json() == {"decorated": "get"}
    assert client.post("/per-method").get_json() == {"decorated": "no"}


def test_resource_representation_is_chosen_by_accept(api: Api, client: Any) -> None:
    response = client.get("/text", headers={"Accept": "text/plain"})
    assert response.data == b"text:plain"
    assert response.headers["Content-Type"] == "text/plain"
    assert client.get("/text").get_json() == {"word": "plain"}


def test_returned_response_passes_through(api: Api, client: Any) -> None:
    response = client.get("/raw")
    assert response.status_code == 202
    assert response.data == b"raw body"


def test_async_method(api: Api, client: Any) -> None:
    response = client.get("/slow/5")
    assert response.status_code == 201
    assert response.get_json() == {"number": 5}


def test_head_uses_get(api: Api, client: Any) -> None:
    response = client.head("/word")
    assert response.status_code == 200
    assert response.data == b""


def test_unimplemented_method_is_405(api: Api, client: Any) -> None:
    assert client.delete("/word").status_code == 405


def require_key(f: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if request.headers.get("X-Key") != "right":
            abort(401)
        return f(*args, **kwargs)

    return wrapper


class Guarded(Resource):
    method_decorators = {"get": [require_key]}  # noqa: RUF012

    def get(self) -> Any:
        return {"secret": "s3cret"}, 200, {"X-Secret-Count": "42"}


def test_head_answered_by_get_is_guarded_by_gets_decorators(app: Hipflask, client: Any) -> None:
    # HEAD runs ``get``: without its decorators an unauthenticated HEAD would
    # run it and read its headers and the body's length.
    Api(app).add_resource(Guarded, "/guarded")
    refused = client.head("/guarded")
    assert refused.status_code == 401
    assert "X-Secret-Count" not in refused.headers
    allowed = client.head("/guarded", headers={"X-Key": "right"})
    assert allowed.status_code == 200
    assert allowed.headers["X-Secret-Count"] == "42"


class ListedOnly(Resource):
    methods = ["GET", "POST"]  # noqa: RUF012

    def get(self) -> Any:
        return {"listed": True}


def test_a_listed_method_without_its_function_is_a_405(app: Hipflask, client: Any) -> None:
    Api(app).add_resource(ListedOnly, "/listed")
    response = client.post("/listed")
    assert response.status_code == 405
    assert response.mimetype == "application/json"
