"""``marshal``, ``marshal_with`` and ``marshal_with_field``: shape output by a fields dict.

The decorators remember the fields they apply, so :mod:`hipflask.openapi` can
document the response of a marshalled resource method without running it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any
from typing import TypeVar

from .fields import Raw
from .fields import _field

__all__ = ["fields_schema", "marshal", "marshal_with", "marshal_with_field", "unpack"]

F = TypeVar("F", bound=Callable[..., Any])

#: The attribute on a decorated function holding the schema of what it returns.
MARSHAL_SCHEMA_ATTRIBUTE = "__hipflask_marshal_schema__"


def marshal(data: Any, fields: dict[str, Any], envelope: str | None = None) -> Any:
    """Keep only ``fields`` of ``data`` (an object, a dict, or a list of them), formatted."""
    if isinstance(data, (list, tuple)):
        items = [marshal(item, fields) for item in data]
        return {envelope: items} if envelope else items
    out = {
        key: marshal(data, value) if isinstance(value, dict) else _field(value).output(key, data)
        for key, value in fields.items()
    }
    return {envelope: out} if envelope else out


def unpack(value: Any) -> tuple[Any, int, Any]:
    """``(data, status, headers)`` from what a resource method returned."""
    if not isinstance(value, tuple):
        return value, 200, {}
    if len(value) == 3:
        return value[0], value[1], value[2]
    if len(value) == 2:
        return value[0], value[1], {}
    return value, 200, {}


def fields_schema(fields: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of what :func:`marshal` makes of one object with ``fields``."""
    properties = {
        key: fields_schema(value) if isinstance(value, dict) else _field(value).schema()
        for key, value in fields.items()
    }
    return {"type": "object", "properties": properties, "required": sorted(properties)}


def _schema(fields: dict[str, Any], envelope: str | None) -> dict[str, Any]:
    schema = fields_schema(fields)
    schema = {"anyOf": [schema, {"type": "array", "items": schema}]}
    if envelope:
        return {"type": "object", "properties": {envelope: schema}, "required": [envelope]}
    return schema


def _decorate(func: F, transform: Callable[[Any], Any], schema: dict[str, Any]) -> F:
    def apply(rv: Any) -> Any:
        if isinstance(rv, tuple):
            data, code, headers = unpack(rv)
            return transform(data), code, headers
        return transform(rv)

    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            return apply(await func(*args, **kwargs))

        wrapper: Any = async_wrapper
    else:

        @functools.wraps(func)
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            return apply(func(*args, **kwargs))

        wrapper = sync_wrapper
    setattr(wrapper, MARSHAL_SCHEMA_ATTRIBUTE, schema)
    return wrapper  # type: ignore[no-any-return]


class marshal_with:
    """Marshal a method's return value (and keep its status and headers)::

    @marshal_with(resource_fields, envelope="todo")
    def get(self, todo_id): ...
    """

    def __init__(self, fields: dict[str, Any], envelope: str | None = None) -> None:
        self.fields = fields
        self.envelope = envelope

    def __call__(self, f: F) -> F:
        return _decorate(
            f,
            lambda data: marshal(data, self.fields, self.envelope),
            _schema(self.fields, self.envelope),
        )


class marshal_with_field:
    """Format a method's return value with one field: ``@marshal_with_field(fields.List(...))``."""

    def __init__(self, field: Raw | type[Raw]) -> None:
        self.field = _field(field)

    def __call__(self, f: F) -> F:
        return _decorate(f, self.field.format, self.field.schema())
