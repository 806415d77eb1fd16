"""JSON Schemas for the document: pydantic types, URL converters, parser arguments.

Models become named ``components/schemas`` entries referenced with ``$ref``;
pydantic writes JSON Schema 2020-12, which OpenAPI 3.1 uses as is.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .._extras import require

__all__ = ["Components", "converter_schema", "parse_rule"]

_REF = "#/components/schemas/{model}"
_VARIABLE = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\((?P<args>.*?)\))?:)?(?P<name>[a-zA-Z_]\w*)>"
)

#: The body of a 422 from a typed view.
VALIDATION_ERROR: dict[str, Any] = {
    "type": "object",
    "properties": {
        "message": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["loc", "msg", "type"],
            },
        },
    },
    "required": ["message", "errors"],
}

#: The body of an error answered by a REST API: a message, or one per argument.
ERROR: dict[str, Any] = {
    "type": "object",
    "properties": {
        "message": {
            "anyOf": [{"type": "string"}, {"type": "object", "additionalProperties": {}}],
        },
    },
}


class Components:
    """The ``components/schemas`` being collected, with one name per distinct schema."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {"ValidationError": VALIDATION_ERROR, "Error": ERROR}
        self._adapters: dict[Any, Any] = {}

    def schema_of(self, tp: Any, mode: str = "validation") -> dict[str, Any]:
        """A schema for ``tp``: a ``$ref`` for a named model, inline otherwise."""
        pydantic = require("pydantic", "rest")
        adapter = self._adapters.get(tp)
        if adapter is None:
            adapter = self._adapters[tp] = pydantic.TypeAdapter(tp)
        schema: dict[str, Any] = adapter.json_schema(ref_template=_REF, mode=mode)
        defs: dict[str, Any] = schema.pop("$defs", {})
        name = getattr(tp, "__name__", None) if isinstance(tp, type) else None
        if name is not None and schema.get("type") == "object":
            defs[name] = schema
            schema = {"$ref": _REF.format(model=name)}
        renames = {key: self._add(key, value, defs) for key, value in defs.items()}
        if any(old != new for old, new in renames.items()):
            schema = _renamed(schema, renames)
            for new in set(renames.values()):
                self.schemas[new] = _renamed(self.schemas[new], renames)
        return schema

    def object_schema(self, tp: Any) -> dict[str, Any]:
        """The schema of a model or dataclass itself, never a ``$ref`` to it."""
        schema = self.schema_of(tp)
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF.format(model="")):
            named: dict[str, Any] = self.schemas[ref.rsplit("/", 1)[1]]
            return named
        return schema

    def _add(self, name: str, schema: dict[str, Any], defs: dict[str, Any]) -> str:
        # Two different models of one name (or a model whose output differs
        # from its input) get numbered names instead of overwriting each other.
        candidate = name
        index = 1
        while candidate in self.schemas and self.schemas[candidate] != schema:
            index += 1
            candidate = f"{name}{index}"
        self.schemas[candidate] = schema
        return candidate


def _renamed(schema: Any, renames: dict[str, str]) -> Any:
    if not renames:
        return schema
    text = json.dumps(schema)
    for old, new in renames.items():
        if old != new:
            text = text.replace(f'"{_REF.format(model=old)}"', f'"{_REF.format(model=new)}"')
    return json.loads(text)


def parse_rule(rule: str) -> tuple[str, list[tuple[str, str, str | None]]]:
    """``/users/<int:id>`` -> ``/users/{id}`` and ``[(name, converter, args)]``."""
    variables: list[tuple[str, str, str | None]] = []

    def replace(match: re.Match[str]) -> str:
        variables.append((match["name"], match["converter"] or "default", match["args"]))
        return "{" + match["name"] + "}"

    return _VARIABLE.sub(replace, rule), variables


def converter_schema(converter: str, args: str | None) -> dict[str, Any]:
    """The schema of a URL variable's values, from its Werkzeug converter."""
    options = _converter_args(args)
    if converter == "int":
        schema: dict[str, Any] = {"type": "integer"}
        if not options.get("signed"):
            schema["minimum"] = int(options.get("min", 0))
        elif "min" in options:
            schema["minimum"] = int(options["min"])
        if "max" in options:
            schema["maximum"] = int(options["max"])
        return schema
    if converter == "float":
        schema = {"type": "number"}
        if not options.get("signed"):
            schema["minimum"] = 0
        return schema
    if converter == "uuid":
        return {"type": "string", "format": "uuid"}
    if converter == "path":
        return {"type": "string", "pattern": "^[^/].*$"}
    if converter == "any":
        return {"type": "string", "enum": list(options.get("_items", []))}
    return _string_schema(options)


def _string_schema(options: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "pattern": "^[^/]+$"}
    if "minlength" in options:
        schema["minLength"] = int(options["minlength"])
    if "maxlength" in options:
        schema["maxLength"] = int(options["maxlength"])
    if "length" in options:
        schema["minLength"] = schema["maxLength"] = int(options["length"])
    return schema


def _converter_args(args: str | None) -> dict[str, Any]:
    if not args:
        return {}
    options: dict[str, Any] = {"_items": []}
    for part in args.split(","):
        key, sep, value = part.strip().partition("=")
        text = value.strip().strip("'\"")
        if not sep:
            options["_items"].append(key.strip().strip("'\""))
        elif text in ("True", "False"):
            options[key.strip()] = text == "True"
        else:
            options[key.strip()] = text
    return options
