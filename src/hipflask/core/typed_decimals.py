"""Typed views refuse a ``Decimal`` with more digits than a client may send.

pydantic reads ``"1e-9999999999"`` or a string of 100,000 digits into a
``Decimal`` field as the number it spells. Holding it costs nothing, but a
view that formats it (``f"{price:f}"``: ten billion zeros, a
``MemoryError``), rounds it to an integer or hands it to a driver that writes
it out in full pays for the exponent the client chose. The REST argument
parser and the forms refuse such numbers
(:mod:`hipflask.wrappers.decimals`); a typed view refuses them the same way,
each one an error of its 422 with its location, type
``decimal_out_of_range``.

Only an input whose schema holds a ``Decimal`` somewhere is looked at, once
validated: the others pay nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..wrappers.decimals import is_out_of_range
from ..wrappers.decimals import range_rule

__all__ = ["ERROR_TYPE", "decimal_errors", "holds_decimal"]

#: The ``type`` of the error a number out of range gets in the 422.
ERROR_TYPE = "decimal_out_of_range"


def holds_decimal(adapter: Any) -> bool:
    """Whether values ``adapter`` (a pydantic ``TypeAdapter``) validates may hold a ``Decimal``.

    Read from its core schema, where every ``Decimal`` field, list item or
    dict value, however nested or referenced, is a ``{"type": "decimal"}``
    node. A schema that cannot be read counts as holding one.
    """
    schema = getattr(adapter, "core_schema", None)
    if not isinstance(schema, dict):
        return True
    pending: list[Any] = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if node.get("type") == "decimal":
                return True
            pending.extend(node.values())
        elif isinstance(node, list | tuple):
            pending.extend(node)
    return False


def decimal_errors(value: Any, loc: list[Any]) -> list[dict[str, Any]]:
    """The 422 errors for the numbers out of range in a validated ``value``.

    ``loc`` is where ``value`` was read (``["body"]``); each error's location
    goes on from there by field name (its alias, as pydantic reports it),
    key or index.
    """
    return [
        {"loc": where, "msg": f"Decimal out of range: {range_rule()}", "type": ERROR_TYPE}
        for where in _out_of_range(value, loc)
    ]


def _out_of_range(value: Any, loc: list[Any]) -> Iterator[list[Any]]:
    if isinstance(value, Decimal):
        if value.is_finite() and is_out_of_range(value):
            yield loc
        return
    if isinstance(value, str | bytes | int | float | bool) or value is None:
        return
    for key, item in _members(value):
        yield from _out_of_range(item, [*loc, key] if key is not None else loc)


def _members(value: Any) -> Iterator[tuple[Any, Any]]:
    """A container's members with the location key of each (``None``: the container's)."""
    fields = getattr(type(value), "model_fields", None)
    if isinstance(fields, Mapping):
        # A pydantic model: its fields, reported under their aliases.
        for name, info in fields.items():
            yield getattr(info, "alias", None) or name, getattr(value, name, None)
        extra = getattr(value, "model_extra", None)
        if isinstance(extra, Mapping):
            yield from extra.items()
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield field.name, getattr(value, field.name, None)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, Decimal):
                # A number key is looked at too, but named by its place
                # alone: written out, it would be the 100,000 digits again.
                yield "[key]", key
                yield _location(key), item
            else:
                yield key if isinstance(key, str | int) else str(key), item
    elif isinstance(value, list | tuple):
        yield from enumerate(value)
    elif isinstance(value, set | frozenset):
        for item in value:
            yield None, item


def _location(key: Decimal) -> str:
    # str() of a Decimal is its scientific form, quick whatever the exponent;
    # an out-of-range key has been reported by then, so only its place shows.
    return "[key]" if key.is_finite() and is_out_of_range(key) else str(key)
