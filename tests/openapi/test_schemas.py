"""URL rules to OpenAPI paths, converter schemas and the shared components."""

from __future__ import annotations

from pydantic import BaseModel

from hipflask.openapi.schemas import Components
from hipflask.openapi.schemas import converter_schema
from hipflask.openapi.schemas import parse_rule


class Inner(BaseModel):
    x: int


class Outer(BaseModel):
    inner: Inner


def test_parse_rule() -> None:
    assert parse_rule("/a/<int:id>/<name>/<any(x, 'y'):kind>") == (
        "/a/{id}/{name}/{kind}",
        [("id", "int", None), ("name", "default", None), ("kind", "any", "x, 'y'")],
    )


def test_converter_schemas() -> None:
    assert converter_schema("int", "signed=True") == {"type": "integer"}
    assert converter_schema("int", "min=2, max=9") == {
        "type": "integer",
        "minimum": 2,
        "maximum": 9,
    }
    assert converter_schema("float", None) == {"type": "number", "minimum": 0}
    assert converter_schema("uuid", None) == {"type": "string", "format": "uuid"}
    assert converter_schema("string", "length=2") == {
        "type": "string",
        "pattern": "^[^/]+$",
        "minLength": 2,
        "maxLength": 2,
    }
    assert converter_schema("any", "x, 'y'") == {"type": "string", "enum": ["x", "y"]}


def test_models_become_named_components_with_refs() -> None:
    components = Components()
    assert components.schema_of(Outer) == {"$ref": "#/components/schemas/Outer"}
    assert components.schemas["Outer"]["properties"]["inner"] == {
        "$ref": "#/components/schemas/Inner"
    }
    assert components.schemas["Inner"]["properties"]["x"] == {"title": "X", "type": "integer"}
    assert components.schema_of(list[int]) == {"type": "array", "items": {"type": "integer"}}
