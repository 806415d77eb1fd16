"""Typed views: inputs validated and output serialised from annotations, under both protocols."""

from __future__ import annotations

import dataclasses
import sys
from typing import Annotated
from typing import Any

import pytest
from pydantic import BaseModel

from hipflask import Hipflask
from hipflask.core.typed import Body
from hipflask.core.typed import Query
from hipflask.core.typed import TypedViewError
from hipflask.core.typed import validate
from hipflask.core.typed import view_spec
from hipflask.views import MethodView


class Item(BaseModel):
    name: str
    price: float


class PublicUser(BaseModel):
    id: int
    name: str


class UserRecord(BaseModel):
    id: int
    name: str
    password_hash: str


class Filters(BaseModel):
    tags: list[str] = []
    limit: int = 10


@dataclasses.dataclass
class Point:
    x: int
    y: int


@pytest.fixture
def app(app: Hipflask) -> Hipflask:
    @app.post("/shops/<int:shop>/items")
    def create_item(shop: int, item: Item, dry_run: bool = False) -> Item:
        return item

    @app.get("/users/<int:user_id>")
    def get_user(user_id: int) -> PublicUser:
        return UserRecord(id=user_id, name="ann", password_hash="secret-hash")  # type: ignore[return-value]

    @app.get("/search")
    def search(filters: Annotated[Filters, Query()]) -> Filters:
        return filters

    @app.post("/points")
    def points(point: Point) -> Point:
        return {"x": point.x, "y": point.y, "extra": "dropped"}  # type: ignore[return-value]

    @app.post("/numbers")
    def numbers(values: Annotated[list[int], Body()]) -> dict[str, int]:
        return {"sum": sum(values)}

    @app.post("/created")
    @validate(status_code=201)
    def created(item: Item) -> Item:
        return item

    @app.get("/plain/<int:number>")
    def plain(number: int) -> str:
        return str(number)

    @app.get("/async/<int:number>")
    async def async_view(number: int, item_filter: Annotated[Filters, Query()]) -> Filters:
        return item_filter

    @app.get("/tuple")
    @validate
    def with_status(limit: int = 1) -> PublicUser:
        return PublicUser(id=limit, name="t"), 202, {"X-Limit": str(limit)}  # type: ignore[return-value]

    class Points(MethodView):
        def post(self, point: Point) -> Point:
            return point

    app.add_url_rule("/class-points", view_func=Points.as_view("class_points"))
    return app


def test_plain_view_is_registered_unchanged(app: Hipflask) -> None:
    assert view_spec(app.view_functions["plain"]) is None
    assert app.view_functions["plain"].__name__ == "plain"
    assert not hasattr(app.view_functions["plain"], "__wrapped__")


def test_plain_view_with_simple_annotations_keeps_flask_behaviour(client: Any) -> None:
    response = client.get("/plain/7")
    assert response.status_code == 200
    assert response.data == b"7"


def test_json_body_is_validated_and_returned(client: Any) -> None:
    response = client.post("/shops/1/items", json={"name": "pen", "price": "1.5"})
    assert response.status_code == 200
    assert response.get_json() == {"name": "pen", "price": 1.5}
    assert response.mimetype == "application/json"


def test_form_body_is_validated(client: Any) -> None:
    response = client.post("/shops/1/items", data={"name": "pen", "price": "2"})
    assert response.status_code == 200
    assert response.get_json() == {"name": "pen", "price": 2.0}


def test_every_bad_field_of_body_and_query_is_reported_in_one_422(client: Any) -> None:
    response = client.post("/shops/1/items?dry_run=maybe", json={"price": "x"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["message"] == "Input validation failed."
    locations = [error["loc"] for error in body["errors"]]
    assert locations == [["body", "name"], ["body", "price"], ["query", "dry_run"]]
    assert all(error["msg"] and error["type"] for error in body["errors"])


def test_malformed_json_is_a_422_not_a_500(client: Any) -> None:
    response = client.post("/shops/1/items", data=b"{bad", content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["type"] == "json_invalid"


def test_missing_body_is_a_422(client: Any) -> None:
    response = client.post("/shops/1/items")
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"loc": ["body"], "msg": "Field required", "type": "missing"}
    ]


def test_output_is_filtered_by_the_declared_type(client: Any) -> None:
    response = client.get("/users/3")
    assert response.get_json() == {"id": 3, "name": "ann"}
    assert b"secret-hash" not in response.data


def test_query_model_reads_lists_and_defaults(client: Any) -> None:
    response = client.get("/search?tags=a&tags=b&limit=3")
    assert response.get_json() == {"tags": ["a", "b"], "limit": 3}
    assert client.get("/search").get_json() == {"tags": [], "limit": 10}


def test_query_model_errors_are_located_in_the_query(client: Any) -> None:
    response = client.get("/search?limit=many")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["loc"] == ["query", "limit"]


def test_dataclass_body_and_output(client: Any) -> None:
    response = client.post("/points", json={"x": "4", "y": 5})
    assert response.get_json() == {"x": 4, "y": 5}


def test_body_marker_reads_a_non_model_body(client: Any) -> None:
    assert client.post("/numbers", json=[1, 2, 3]).get_json() == {"sum": 6}
    assert client.post("/numbers", json=["x"]).status_code == 422


def test_validate_sets_the_success_status(client: Any) -> None:
    response = client.post("/created", json={"name": "a", "price": 1})
    assert response.status_code == 201


def test_returned_status_and_headers_are_kept(client: Any) -> None:
    response = client.get("/tuple?limit=4")
    assert response.status_code == 202
    assert response.headers["X-Limit"] == "4"
    assert response.get_json() == {"id": 4, "name": "t"}


@pytest.mark.parametrize("path", ["/users/3", "/created", "/tuple?limit=4"])
def test_typed_output_is_made_by_werkzeugs_response_class_too(
    app: Hipflask, client: Any, path: str
) -> None:
    from werkzeug.wrappers import Response as WerkzeugResponse

    # A Flask app may install Werkzeug's class (or one derived from it).
    app.response_class = WerkzeugResponse  # type: ignore[assignment]

    if path == "/created":
        response = client.post(path, json={"name": "a", "price": 1})
    else:
        response = client.get(path)

    assert response.status_code in (200, 201, 202)
    assert response.mimetype == "application/json"
    assert response.get_json()["name"] in ("ann", "a", "t")


def test_async_typed_view(client: Any) -> None:
    assert client.get("/async/1?limit=2").get_json() == {"tags": [], "limit": 2}


def test_method_view_handlers_are_typed(client: Any) -> None:
    assert client.post("/class-points", json={"x": 1, "y": 2}).get_json() == {"x": 1, "y": 2}
    assert client.post("/class-points", json={"x": "a"}).status_code == 422


def test_same_function_under_two_rules_is_one_endpoint(app: Hipflask) -> None:
    def both(item: Item) -> Item:
        return item

    app.add_url_rule("/one", view_func=both, methods=["POST"])
    app.add_url_rule("/two", view_func=both, methods=["POST"])
    assert app.view_functions["both"] is app.view_functions["both"]


def test_two_bodies_are_refused_at_registration(app: Hipflask) -> None:
    def two(first: Item, second: Point) -> None:
        return None

    with pytest.raises(TypedViewError, match="two request bodies"):
        app.add_url_rule("/two-bodies", view_func=two, methods=["POST"])


def test_json_sent_as_text_plain_is_refused(client: Any) -> None:
    # A cross-site form (enctype="text/plain") or a no-preflight fetch can send
    # this content type: a JSON API must not parse it.
    response = client.post(
        "/shops/1/items",
        data=b'{"name": "pen", "price": 1}',
        headers={"Content-Type": "text/plain", "Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    response = client.post(
        "/shops/1/items", data=b'{"name": "pen", "price": 1}', content_type="text/plain"
    )
    assert response.status_code == 415
    assert response.get_json()["message"].startswith("The request body must be JSON")


def test_vendor_json_media_type_is_json(client: Any) -> None:
    response = client.post(
        "/shops/1/items",
        data=b'{"name": "pen", "price": 1}',
        content_type="application/vnd.api+json",
    )
    assert response.status_code == 200


def test_path_value_is_validated_against_its_annotation(app: Hipflask, protocol: str) -> None:
    @app.post("/orders/<order_id>")
    def order(order_id: int, item: Item) -> dict[str, int]:
        return {"order": order_id}

    client: Any = app.test_client(protocol=protocol)
    assert client.post("/orders/12", json={"name": "a", "price": 1}).get_json() == {"order": 12}
    response = client.post("/orders/twelve", json={"name": "a", "price": 1})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["loc"] == ["path", "order_id"]


def test_validate_declares_the_output_of_an_unannotated_view(app: Hipflask, protocol: str) -> None:
    @app.get("/record")
    @validate(response=PublicUser)
    def record():  # type: ignore[no-untyped-def]
        return {"id": 1, "name": "ann", "password_hash": "secret-hash"}

    client: Any = app.test_client(protocol=protocol)
    assert client.get("/record").get_json() == {"id": 1, "name": "ann"}


def test_inherited_handler_of_a_method_view_is_typed(app: Hipflask, protocol: str) -> None:
    class Base(MethodView):
        def post(self, point: Point) -> Point:
            return point

    class Child(Base):
        pass

    app.add_url_rule("/child", view_func=Child.as_view("child"))
    client: Any = app.test_client(protocol=protocol)
    assert client.post("/child", json={"x": 1, "y": 2}).get_json() == {"x": 1, "y": 2}
    assert view_spec(vars(Base)["post"]) is None


def test_query_names_that_pydantic_uses_itself(app: Hipflask, protocol: str) -> None:
    @app.get("/odd-names")
    @validate
    def odd(json: int = 0, model_config: str = "x", copy: bool = False) -> dict[str, Any]:
        return {"json": json, "model_config": model_config, "copy": copy}

    client: Any = app.test_client(protocol=protocol)
    response = client.get("/odd-names?json=2&model_config=y&copy=true")
    assert response.get_json() == {"json": 2, "model_config": "y", "copy": True}
    bad = client.get("/odd-names?json=two")
    assert bad.get_json()["errors"][0]["loc"] == ["query", "json"]


def test_typed_view_without_pydantic_names_the_extra(
    app: Hipflask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hipflask.errors import MissingExtraError

    monkeypatch.setitem(sys.modules, "pydantic", None)

    def move(point: Point) -> None:
        return None

    with pytest.raises(MissingExtraError, match=r"pip install 'hipflask\[rest\]'"):
        app.add_url_rule("/move", view_func=move, methods=["POST"])


def test_view_returning_a_response_is_passed_through(app: Hipflask, protocol: str) -> None:
    from hipflask import Response

    @app.post("/raw")
    def raw(item: Item) -> Response:
        return Response(f"got {item.name}", 202, mimetype="text/plain")

    client: Any = app.test_client(protocol=protocol)
    response = client.post("/raw", json={"name": "pen", "price": 1})
    assert response.status_code == 202
    assert response.data == b"got pen"
