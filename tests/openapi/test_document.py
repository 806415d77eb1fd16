"""The generated document: valid OpenAPI 3.1, and what each source of information adds."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel
from tests.openapi.sample_api import create_app

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask.openapi import doc
from hipflask.openapi import openapi_document
from hipflask.restful import Api
from hipflask.restful import Resource
from hipflask.restful import reqparse
from hipflask.views import MethodView


@pytest.fixture
def document() -> dict[str, Any]:
    return openapi_document(create_app(), exclude=("openapi_json", "openapi_docs", "openapi_asset"))


def test_sample_document_validates_against_the_31_meta_schema(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_info_and_security_schemes(document: dict[str, Any]) -> None:
    assert document["info"]["title"] == "tests.openapi.sample_api"
    schemes = document["components"]["securitySchemes"]
    assert schemes["cookieAuth"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "The signed session cookie set at login.",
    }
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["bearerAuth"]["bearerFormat"] == "JWT"


def test_paths_use_openapi_templates_and_skip_static(document: dict[str, Any]) -> None:
    assert set(document["paths"]) == {
        "/api/todos",
        "/api/todos/{id}",
        "/items",
        "/items/{item_id}",
        "/ping",
    }


def test_converter_gives_the_path_parameter_schema(document: dict[str, Any]) -> None:
    parameter = document["paths"]["/items/{item_id}"]["get"]["parameters"][0]
    assert parameter == {
        "name": "item_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }


def test_typed_view_documents_body_response_and_422(document: dict[str, Any]) -> None:
    op = document["paths"]["/items"]["post"]
    assert op["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NewItem"
    }
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ItemOut"
    }
    assert op["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationError"
    }
    assert op["security"] == [{"bearerAuth": []}]
    assert op["summary"] == "Create an item."
    assert op["tags"] == ["items"]
    schemas = document["components"]["schemas"]
    assert schemas["NewItem"]["required"] == ["name", "price"]
    assert schemas["NewItem"]["properties"]["name"]["maxLength"] == 50


def test_query_model_fields_are_query_parameters(document: dict[str, Any]) -> None:
    names = [p["name"] for p in document["paths"]["/items"]["get"]["parameters"]]
    assert names == ["tag", "limit"]


def test_reqparse_arguments_become_body_and_query(document: dict[str, Any]) -> None:
    post = document["paths"]["/api/todos"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["task"] == {"type": "string"}
    assert body["properties"]["done"] == {"type": "boolean", "default": False}
    assert body["required"] == ["task"]
    assert "application/x-www-form-urlencoded" in post["requestBody"]["content"]
    assert post["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    limit = document["paths"]["/api/todos"]["get"]["parameters"][0]
    assert limit["in"] == "query"
    assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}


def test_marshal_fields_give_the_response_schema(document: dict[str, Any]) -> None:
    schema = document["paths"]["/api/todos"]["post"]["responses"]["201"]["content"][
        "application/json"
    ]["schema"]
    item = schema["anyOf"][0]
    assert item["properties"]["done"] == {"type": "boolean"}
    assert item["properties"]["task"] == {"type": ["string", "null"]}
    assert item["properties"]["uri"]["format"] == "uri-reference"


def test_doc_responses_and_resource_tags(document: dict[str, Any]) -> None:
    delete = document["paths"]["/api/todos/{id}"]["delete"]
    assert delete["responses"]["204"] == {"description": "Removed"}
    assert delete["responses"]["404"]["description"] == "No such todo"
    assert delete["tags"] == ["Todo"]
    assert delete["security"] == [{"cookieAuth": []}]


def test_plain_view_is_a_bare_operation(document: dict[str, Any]) -> None:
    assert document["paths"]["/ping"] == {
        "get": {
            "operationId": "ping_get",
            "summary": "A plain view.",
            "responses": {"200": {"description": "Success"}},
        }
    }


def test_operation_ids_are_unique_across_rules(app: Hipflask) -> None:
    def both() -> str:
        return ""

    app.add_url_rule("/a", view_func=both)
    app.add_url_rule("/b", view_func=both)
    document = openapi_document(app)
    ids = [document["paths"][p]["get"]["operationId"] for p in ("/a", "/b")]
    assert ids == ["both_get", "both_get_2"]
    validate(document)


def test_parser_given_with_doc_and_excluded_operations(app: Hipflask) -> None:
    parser = reqparse.RequestParser()
    parser.add_argument("q", location="args", required=True)

    class Search(MethodView):
        @doc(parser=parser)
        def get(self) -> str:
            return ""

        @doc(exclude=True)
        def post(self) -> str:
            return ""

    app.add_url_rule("/search", view_func=Search.as_view("search"))
    item = openapi_document(app)["paths"]["/search"]
    assert list(item) == ["get"]
    assert item["get"]["parameters"][0]["name"] == "q"


def test_two_models_with_one_name_do_not_overwrite_each_other(app: Hipflask) -> None:
    def first() -> Any:
        class Thing(BaseModel):
            a: int

        return Thing

    def second() -> Any:
        class Thing(BaseModel):
            b: str

        return Thing

    one, two = first(), second()

    def make_one(body: Any) -> None:
        return None

    def make_two(body: Any) -> None:
        return None

    # Set directly: string annotations of local classes cannot be resolved.
    make_one.__annotations__ = {"body": one, "return": None}
    make_two.__annotations__ = {"body": two, "return": None}

    app.add_url_rule("/one", view_func=make_one, methods=["POST"])
    app.add_url_rule("/two", view_func=make_two, methods=["POST"])
    document = openapi_document(app)
    refs = {
        path: document["paths"][path]["post"]["requestBody"]["content"]["application/json"][
            "schema"
        ]["$ref"]
        for path in ("/one", "/two")
    }
    assert refs["/one"] != refs["/two"]
    validate(document)


def test_blueprint_api_and_converters(app: Hipflask) -> None:
    bp = Blueprint("v1", __name__, url_prefix="/v1")

    class Files(Resource):
        def get(self, name: str, kind: str) -> Any:
            return {}

    Api(bp).add_resource(Files, "/files/<path:name>/<any(a, b):kind>")
    app.register_blueprint(bp)
    document = openapi_document(app)
    params = document["paths"]["/v1/files/{name}/{kind}"]["get"]["parameters"]
    assert params[1]["schema"] == {"type": "string", "enum": ["a", "b"]}
    assert document["paths"]["/v1/files/{name}/{kind}"]["get"]["operationId"] == "v1_files_get"
    validate(document)


def test_configured_title_version_and_security(app: Hipflask) -> None:
    app.config.update(
        OPENAPI_TITLE="Shop",
        OPENAPI_VERSION="2.0",
        OPENAPI_DESCRIPTION="d",
        OPENAPI_SECURITY=["bearerAuth"],
    )
    document = openapi_document(app)
    assert document["info"] == {"title": "Shop", "version": "2.0", "description": "d"}
    assert document["security"] == [{"bearerAuth": []}]


def test_every_component_is_a_valid_2020_12_json_schema(document: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator

    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_typed_resource_method_is_documented(app: Hipflask) -> None:
    class Body(BaseModel):
        name: str

    class Things(Resource):
        def post(self, thing: Body) -> Body:
            return thing

    Things.post.__annotations__ = {"thing": Body, "return": Body}
    Api(app).add_resource(Things, "/things")
    op = openapi_document(app)["paths"]["/things"]["post"]
    assert op["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Body"
    }
    assert set(op["responses"]) == {"200", "415", "422"}
    assert op["tags"] == ["Things"]


def test_custom_converter_describes_its_values(app: Hipflask) -> None:
    from werkzeug.routing import BaseConverter

    class SlugConverter(BaseConverter):
        regex = r"[a-z0-9-]+"
        openapi_schema = {"type": "string", "pattern": "^[a-z0-9-]+$"}  # noqa: RUF012

    app.url_map.converters["slug"] = SlugConverter

    @app.get("/posts/<slug:slug>")
    def post(slug: str) -> str:
        return slug

    parameter = openapi_document(app)["paths"]["/posts/{slug}"]["get"]["parameters"][0]
    assert parameter["schema"] == {"type": "string", "pattern": "^[a-z0-9-]+$"}
