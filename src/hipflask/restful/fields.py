"""Output fields for :func:`~hipflask.restful.marshal`: ``flask_restful.fields``.

A fields dict says which attributes of an object (or keys of a dict) a
response carries and how each is formatted::

    resource_fields = {
        "name": fields.String,
        "created": fields.DateTime(dt_format="iso8601"),
        "uri": fields.Url("todo_ep", absolute=True),
    }

Every field can also describe itself as JSON Schema (:meth:`Raw.schema`),
which :mod:`hipflask.openapi` uses to document marshalled responses.
"""

from __future__ import annotations

import inspect
from calendar import timegm
from collections.abc import Mapping
from datetime import date
from datetime import datetime
from datetime import timezone
from decimal import ROUND_HALF_EVEN
from decimal import Decimal
from decimal import InvalidOperation
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from ..contexts.globals import request
from ..core.helpers import url_for

__all__ = [
    "Arbitrary",
    "Boolean",
    "DateTime",
    "Fixed",
    "Float",
    "FormattedString",
    "Integer",
    "List",
    "MarshallingException",
    "Nested",
    "Price",
    "Raw",
    "String",
    "Url",
    "get_value",
    "to_marshallable_type",
]


class MarshallingException(Exception):
    """A value could not be formatted by its field (a server-side data error)."""

    def __init__(self, underlying_exception: Exception | str) -> None:
        super().__init__(str(underlying_exception))


def is_indexable_but_not_string(obj: Any) -> bool:
    return not isinstance(obj, str) and hasattr(obj, "__iter__")


def get_value(key: Any, obj: Any, default: Any = None) -> Any:
    """``key`` of ``obj``: a callable is called, ``"a.b"`` walks attributes or keys."""
    if isinstance(key, int):
        return _one(key, obj, default)
    if callable(key):
        return key(obj)
    for part in str(key).split("."):
        obj = _one(part, obj, default)
        if obj is None:
            return default
    return obj


def _reads_from(item: Any, attribute: Any) -> bool:
    if hasattr(item, "items"):
        return True
    if attribute is None:
        return False
    return callable(attribute) or (
        isinstance(attribute, str) and hasattr(item, attribute.split(".", 1)[0])
    )


def _one(key: Any, obj: Any, default: Any) -> Any:
    """``obj[key]`` for an indexable object, else its attribute ``key``.

    Indexing comes first and is not limited to dicts: a ``sqlite3.Row``, a
    ``defaultdict`` (whose factory answers a missing key), a list read by
    position. When indexing fails the attribute is read instead, so a model
    object with ``__getitem__`` of its own, or a dict subclass with a
    property, still marshals, as Flask-RESTful reads them. For a mapping, the
    mapping's own methods are not values: ``{"items": fields.Raw}`` of a dict
    without that key gives the default, never ``dict.items``.
    """
    if is_indexable_but_not_string(obj):
        try:
            return obj[key]
        except (IndexError, KeyError, TypeError):
            pass
    if isinstance(obj, Mapping) and callable(inspect.getattr_static(type(obj), str(key), None)):
        return default
    return getattr(obj, str(key), default)


def to_marshallable_type(obj: Any) -> Any:
    """A mapping view of ``obj`` (``__marshallable__``, itself, or its attributes)."""
    if obj is None:
        return None
    if hasattr(obj, "__marshallable__"):
        return obj.__marshallable__()
    if hasattr(obj, "__getitem__"):
        return obj
    return dict(vars(obj))


def _field(field: Any) -> Raw:
    return field() if isinstance(field, type) else field  # type: ignore[no-any-return]


class Raw:
    """The value as it is (or ``default`` when missing); the base of every field."""

    #: The JSON Schema of a formatted value (``None`` is allowed unless a default is set).
    json_schema: dict[str, Any] = {}  # noqa: RUF012 - read-only per class

    def __init__(self, default: Any = None, attribute: Any = None) -> None:
        self.attribute = attribute
        self.default = default

    def format(self, value: Any) -> Any:
        """Format a present value; override in custom fields."""
        return value

    def output(self, key: Any, obj: Any) -> Any:
        """The formatted value of ``key`` (or ``attribute``) of ``obj``, else the default.

        The default is what the response says when there is no value, given
        exactly as declared and never through :meth:`format`: placeholders
        such as ``DateTime(default="never")`` or ``Integer(default="unknown")``
        are not values of the field's type, and formatting them would turn a
        missing value into a 500 (or ``String(default=5)`` into ``"5"``). A
        callable default is called, once per missing value.
        """
        value = get_value(key if self.attribute is None else self.attribute, obj)
        if value is None:
            return self.default() if callable(self.default) else self.default
        return self.format(value)

    def schema(self) -> dict[str, Any]:
        """This field's JSON Schema, for the OpenAPI document."""
        schema = dict(self.json_schema)
        if self.default is None and "type" in schema:
            schema["type"] = [schema["type"], "null"]
        return schema


class String(Raw):
    json_schema = {"type": "string"}  # noqa: RUF012

    def format(self, value: Any) -> str:
        try:
            return str(value)
        except ValueError as exc:
            raise MarshallingException(exc) from exc


class Integer(Raw):
    """An integer; 0 when missing unless another default is given."""

    json_schema = {"type": "integer"}  # noqa: RUF012

    def __init__(self, default: Any = 0, **kwargs: Any) -> None:
        super().__init__(default=default, **kwargs)

    def format(self, value: Any) -> Any:
        if value is None:
            # ``marshal_with_field(fields.Integer)`` of ``None``: the default
            # (0 unless given), as a missing key gives through ``output``.
            return self.default() if callable(self.default) else self.default
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise MarshallingException(exc) from exc


class Float(Raw):
    json_schema = {"type": "number"}  # noqa: RUF012

    def format(self, value: Any) -> float:
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise MarshallingException(exc) from exc


class Boolean(Raw):
    json_schema = {"type": "boolean"}  # noqa: RUF012

    def format(self, value: Any) -> bool:
        return bool(value)


class Arbitrary(Raw):
    """An arbitrary-precision number, as a string (no float rounding)."""

    json_schema = {"type": "string"}  # noqa: RUF012

    def format(self, value: Any) -> str:
        try:
            number = _to_decimal(value)
        except InvalidOperation as exc:
            raise MarshallingException(exc) from exc
        return str(number)


class Fixed(Raw):
    """A decimal with a fixed number of places, as a string (``"3.14"``)."""

    json_schema = {"type": "string"}  # noqa: RUF012

    def __init__(self, decimals: int = 5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.precision = Decimal("0." + "0" * (decimals - 1) + "1") if decimals else Decimal(1)

    def format(self, value: Any) -> str:
        try:
            number = _to_decimal(value)
        except InvalidOperation as exc:
            raise MarshallingException(exc) from exc
        if not number.is_finite():
            raise MarshallingException("Invalid Fixed precision number.")
        return str(number.quantize(self.precision, rounding=ROUND_HALF_EVEN))


def _to_decimal(value: Any) -> Decimal:
    """The exact value of a number, as Flask-RESTful takes it.

    A float is converted from its binary value, not its shortest repr: 2.345 is
    stored as 2.34500000000000019..., which Flask-RESTful rounds to "2.35", and
    a port must not change a price by a cent.
    """
    if isinstance(value, (Decimal, int, float)):
        return Decimal(value)
    return Decimal(str(value))


#: Flask-RESTful's name for :class:`Fixed` (five decimals unless ``decimals=`` says).
Price = Fixed


class DateTime(Raw):
    """A date-time as RFC 822 (``Thu, 02 Jan 2020 03:04:05 -0000``) or ISO 8601.

    A naive value is taken as UTC.
    """

    def __init__(self, dt_format: str = "rfc822", **kwargs: Any) -> None:
        # An unknown format is refused when a value is formatted, not here: a
        # field for a value that is always missing (or defaulted) must work,
        # and fields dicts are built at import time, where raising would stop
        # the whole app from starting over one field.
        super().__init__(**kwargs)
        self.dt_format = dt_format

    def format(self, value: Any) -> str:
        if self.dt_format not in ("rfc822", "iso8601"):
            raise MarshallingException(f"Unsupported date format {self.dt_format}")
        try:
            if self.dt_format == "iso8601":
                # A date stays a date ("2020-01-02"), as Flask-RESTful writes it.
                return str(value.isoformat())
            if isinstance(value, date) and not isinstance(value, datetime):
                # RFC 822 has no date-only form: midnight UTC.
                value = datetime(value.year, value.month, value.day)
            if value.tzinfo is None:
                value = value.replace(tzinfo=timezone.utc)
            return formatdate(timegm(value.utctimetuple()))
        except AttributeError as exc:
            raise MarshallingException(exc) from exc

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": ["string", "null"] if self.default is None else "string"}
        if self.dt_format == "iso8601":
            schema["description"] = "ISO 8601 date-time"
        else:
            schema["description"] = "RFC 822 date-time"
        return schema


class FormattedString(Raw):
    """A string built from the object's values: ``FormattedString("{name} <{email}>")``."""

    json_schema = {"type": "string"}  # noqa: RUF012

    def __init__(self, src_str: str) -> None:
        super().__init__()
        self.src_str = str(src_str)

    def output(self, key: Any, obj: Any) -> str:
        try:
            return self.src_str.format(**to_marshallable_type(obj))
        except (TypeError, KeyError, IndexError) as exc:
            raise MarshallingException(exc) from exc

    def schema(self) -> dict[str, Any]:
        return {"type": "string"}


class Url(Raw):
    """The URL of an endpoint, built from the object's values (relative by default)."""

    def __init__(
        self,
        endpoint: str | None = None,
        absolute: bool = False,
        scheme: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.endpoint = endpoint
        self.absolute = absolute
        self.scheme = scheme

    def output(self, key: Any, obj: Any) -> str:
        try:
            data = to_marshallable_type(obj)
            endpoint = self.endpoint if self.endpoint is not None else str(request.endpoint)
            parts = urlsplit(url_for(endpoint, _external=self.absolute, **dict(data)))
        except TypeError as exc:
            raise MarshallingException(exc) from exc
        if self.absolute:
            return urlunsplit((self.scheme or parts.scheme, parts.netloc, parts.path, "", ""))
        return urlunsplit(("", "", parts.path, "", ""))

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "uri" if self.absolute else "uri-reference"}


class Nested(Raw):
    """An object marshalled by its own fields dict; ``allow_null`` keeps a missing one null."""

    def __init__(self, nested: dict[str, Any], allow_null: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.nested = nested
        self.allow_null = allow_null

    def output(self, key: Any, obj: Any) -> Any:
        from .marshalling import marshal

        value = get_value(key if self.attribute is None else self.attribute, obj)
        if value is None:
            if self.allow_null:
                return None
            if self.default is not None:
                return self.default
        return marshal(value, self.nested)

    def schema(self) -> dict[str, Any]:
        from .marshalling import fields_schema

        schema = fields_schema(self.nested)
        if self.allow_null:
            return {"anyOf": [schema, {"type": "null"}]}
        return schema


class List(Raw):
    """A list whose items are each formatted by one field."""

    def __init__(self, cls_or_instance: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        try:
            self.container = _field(cls_or_instance)
        except TypeError as exc:
            raise MarshallingException(exc) from exc
        if not isinstance(self.container, Raw):
            raise MarshallingException(
                "The type of the list elements must be a subclass of fields.Raw."
            )

    def format(self, value: Any) -> list[Any]:
        if isinstance(value, (set, frozenset)):
            value = list(value)
        if hasattr(value, "items"):
            value = [value]
        items = list(value)
        container = self.container
        if isinstance(container, Nested) or type(container) is Raw:
            return [container.output(index, items) for index in range(len(items))]
        # As Flask-RESTful reads them: a dict item is the object its field
        # reads from (``List(FormattedString("{name}"))``, ``List(Url(...))``),
        # and so is an item that has the field's ``attribute``
        # (``List(String(attribute="name"))``); others are read by position.
        attribute = container.attribute
        return [
            container.output(index, item if _reads_from(item, attribute) else items)
            for index, item in enumerate(items)
        ]

    def output(self, key: Any, obj: Any) -> Any:
        value = get_value(key if self.attribute is None else self.attribute, obj)
        if value is None:
            return self.default
        return self.format(value)

    def schema(self) -> dict[str, Any]:
        item = self.container.schema()
        array: dict[str, Any] = {"type": "array", "items": item}
        if self.default is None:
            return {"anyOf": [array, {"type": "null"}]}
        return array
