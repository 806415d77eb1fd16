"""What a typed view sends matches what its document says it sends."""

from __future__ import annotations

import dataclasses
import enum
from typing import Annotated
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field

from hipflask import Hipflask
from hipflask import Response
from hipflask import redirect
from hipflask.core.typed import Query
from hipflask.core.typed import validate as typed
from hipflask.openapi import doc
from hipflask.openapi import openapi_document
from hipflask.restful import Api
from hipflask.restful import Resource
from hipflask.testing.client import HipflaskClient


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")
    street: str
    zip_code: str = Field(alias="zipCode")


def test_output_uses_the_aliases_the_document_names(app: Hipflask, client: HipflaskClient) -> None:
    @app.post("/addresses")
    def echo(address: Address) -> Address:
        return address

    document = openapi_document(app)
    validate(document)
    schema = document["components"]["schemas"]["Address"]
    assert set(schema["properties"]) == {"street", "zipCode"}
    response = client.post("/addresses", json={"street": "Main", "zipCode": "12345"})
    assert response.status_code == 200
    assert response.get_json() == {"street": "Main", "zipCode": "12345"}


def test_a_path_value_its_converter_refuses_is_a_documented_404(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.get("/addresses/<int:number>")
    def show(number: int) -> Address:
        return Address(street=f"No. {number}", zipCode="12345")

    class Door(Resource):
        def get(self, key: Any) -> dict[str, str]:
            return {"key": str(key)}

    Api(app).add_resource(Door, "/doors/<uuid:key>")
    document = openapi_document(app)
    validate(document)
    paths = document["paths"]
    assert paths["/addresses/{number}"]["get"]["responses"]["404"] == {"description": "Not found"}
    door_404 = paths["/doors/{key}"]["get"]["responses"]["404"]
    assert door_404["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert client.get("/addresses/null,null").status_code == 404
    response = client.get("/doors/not-a-uuid")
    assert response.status_code == 404
    assert response.mimetype == "application/json"


def test_a_documented_404_is_kept(app: Hipflask) -> None:
    @app.get("/addresses/<int:number>")
    @doc(responses={404: "No such address"})
    def show(number: int) -> Address:
        return Address(street=f"No. {number}", zipCode="12345")

    responses = openapi_document(app)["paths"]["/addresses/{number}"]["get"]["responses"]
    assert responses["404"] == {"description": "No such address"}


def test_an_operation_without_path_values_documents_no_404(app: Hipflask) -> None:
    @app.get("/addresses")
    def everything() -> list[Address]:
        return []

    assert "404" not in openapi_document(app)["paths"]["/addresses"]["get"]["responses"]


class Shade(enum.Enum):
    LIGHT = "light"
    DARK = "dark"


class Filters(BaseModel):
    shade: Shade | None = None
    street: str | None = None


@dataclasses.dataclass
class Page:
    number: int = 1
    shade: Shade = Shade.LIGHT


def test_query_models_refer_only_to_schemas_the_document_has(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.get("/addresses")
    def search(filters: Annotated[Filters, Query()]) -> list[Address]:
        return []

    @app.get("/pages")
    def pages(page: Annotated[Page, Query()]) -> list[Address]:
        return []

    document = openapi_document(app)
    validate(document)
    assert document["components"]["schemas"]["Shade"]["enum"] == ["light", "dark"]
    names = {p["name"] for p in document["paths"]["/pages"]["get"]["parameters"]}
    assert names == {"number", "shade"}
    assert client.get("/addresses?shade=grey").status_code == 422
    assert client.get("/pages?number=x").status_code == 422
    assert client.get("/pages?number=2&shade=dark").status_code == 200


@dataclasses.dataclass
class Tagged:
    tags: list[str] = dataclasses.field(default_factory=list)


class Picked(BaseModel):
    ids: list[int] = Field(default_factory=list, alias="id")


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    ids=st.lists(st.integers(-(10**6), 10**6), max_size=4),
    tags=st.lists(st.text("ab", min_size=1), max_size=3),
)
def test_list_fields_of_query_models_take_repeated_keys(
    protocol: str, ids: list[int], tags: list[str]
) -> None:
    app = Hipflask("query_lists")
    app.config.update(TESTING=True)

    @app.get("/picks")
    def picks(
        picked: Annotated[Picked, Query()], tagged: Annotated[Tagged, Query()]
    ) -> dict[str, list[Any]]:
        return {"ids": picked.ids, "tags": tagged.tags}

    parameters = openapi_document(app)["paths"]["/picks"]["get"]["parameters"]
    assert {p["name"]: p["schema"]["type"] for p in parameters} == {"id": "array", "tags": "array"}
    query = "&".join([*(f"id={i}" for i in ids), *(f"tags={t}" for t in tags)])
    response = app.test_client(protocol=protocol).get(f"/picks?{query}")
    assert response.status_code == 200
    assert response.get_json() == {"ids": ids, "tags": tags}


class Labels(BaseModel):
    name: str
    labels: list[str] = Field(default_factory=list, alias="label")


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(labels=st.lists(st.text("xyz", min_size=1), max_size=3))
def test_a_form_fills_a_list_field_from_any_number_of_keys(
    protocol: str, labels: list[str]
) -> None:
    app = Hipflask("form_lists")
    app.config.update(TESTING=True)

    @app.post("/labels")
    def post(body: Labels) -> Labels:
        return body

    @app.put("/labels")
    def put(body: Labels | None = None) -> Labels | None:
        return body

    form = "&".join(["name=n", *(f"label={label}" for label in labels)])
    client = app.test_client(protocol=protocol)
    for method in (client.post, client.put):
        response = method("/labels", data=form, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200
        assert response.get_json() == {"name": "n", "label": labels}


def test_a_return_annotation_with_the_status_declares_the_body(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.post("/addresses")
    def create(address: Address) -> tuple[Address, int]:
        return address, 201

    class Places(Resource):
        def put(self, address: Address) -> tuple[Address, int, dict[str, str]]:
            return address, 201, {"X-Kind": "place"}

    Api(app).add_resource(Places, "/places")
    sent = {"street": "Main", "zipCode": "12345"}
    response = client.post("/addresses", json=sent)
    assert (response.status_code, response.get_json()) == (201, sent)
    response = client.put("/places", json=sent)
    assert (response.status_code, response.get_json()) == (201, sent)
    assert response.headers["X-Kind"] == "place"
    document = openapi_document(app)
    validate(document)
    for path, method in (("/addresses", "post"), ("/places", "put")):
        success = document["paths"][path][method]["responses"]["200"]
        assert success["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Address"
        }


def test_a_response_in_the_return_annotation_is_sent_as_it_is(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.get("/addresses/<int:number>")
    def show(number: int) -> Address | Response:
        if number == 0:
            return redirect("/addresses/1")
        return Address(street=f"No. {number}", zipCode="12345")

    response = client.get("/addresses/0")
    assert response.status_code == 302
    assert response.headers["Location"] == "/addresses/1"
    assert client.get("/addresses/1").get_json() == {"street": "No. 1", "zipCode": "12345"}
    document = openapi_document(app)
    validate(document)
    success = document["paths"]["/addresses/{number}"]["get"]["responses"]["200"]
    assert success["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Address"
    }


def test_a_view_returning_none_answers_with_no_body(app: Hipflask, client: HipflaskClient) -> None:
    @app.delete("/addresses/<int:number>")
    @typed(status_code=204)
    def remove(number: int) -> None:
        return None

    @app.put("/addresses/<int:number>")
    def store(number: int, address: Address) -> None:
        pass

    response = client.delete("/addresses/1")
    assert (response.status_code, response.data) == (204, b"")
    response = client.put("/addresses/1", json={"street": "Main", "zipCode": "12345"})
    assert (response.status_code, response.data) == (200, b"")
    document = openapi_document(app)
    validate(document)
    responses = document["paths"]["/addresses/{number}"]["delete"]["responses"]
    assert responses["204"] == {"description": "No content"}
    assert "200" not in responses


def test_the_status_validate_sets_is_documented_without_a_response_type(
    app: Hipflask, client: HipflaskClient
) -> None:
    @app.post("/addresses")
    @typed(status_code=201)
    def create(address: Address):  # type: ignore[no-untyped-def]
        return {"created": True}

    class Places(Resource):
        @typed(status_code=201)
        def post(self, address: Address):  # type: ignore[no-untyped-def]
            return {"created": True}

    Api(app).add_resource(Places, "/places")
    sent = {"street": "Main", "zipCode": "12345"}
    assert client.post("/addresses", json=sent).status_code == 201
    assert client.post("/places", json=sent).status_code == 201
    document = openapi_document(app)
    validate(document)
    for path in ("/addresses", "/places"):
        responses = document["paths"][path]["post"]["responses"]
        assert "201" in responses
        assert "200" not in responses
