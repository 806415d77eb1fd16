"""Splitting ``name=value&…`` text (query strings, urlencoded forms) cheaply.

:func:`urllib.parse.parse_qsl` unquotes every name and value through two
Python calls each, even when there is nothing to unquote. Most query strings
and small forms contain no ``%`` escape and no ``+``; for those, splitting is
all there is to do, and gives exactly what ``parse_qsl`` would (with
``keep_blank_values=True``, as Werkzeug calls it). Anything else goes
through ``parse_qsl`` with Werkzeug's error handling.
"""

from __future__ import annotations

from typing import TypeVar
from urllib.parse import parse_qsl

from werkzeug.datastructures import ImmutableMultiDict as WerkzeugImmutableMultiDict
from werkzeug.datastructures import MultiDict

from .multidict import ImmutableMultiDict

__all__ = ["parse_multidict", "parse_pairs"]

M = TypeVar("M", bound=MultiDict[str, str])

#: The classes whose constructor, given pairs, only groups the values of each
#: name into a list in first-seen order (a MultiDict is a dict of such lists).
_GROUPING = (ImmutableMultiDict, WerkzeugImmutableMultiDict, MultiDict)


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs of ``text``, in order, blank values kept."""
    if "%" in text or "+" in text:
        return parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")
    pairs: list[tuple[str, str]] = []
    for item in text.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append((name, value))
    return pairs


def parse_multidict(text: str, cls: type[M]) -> M:
    """``cls(parse_pairs(text))``, grouped in one pass for Werkzeug's own classes.

    ``request.args`` is built on every request that reads it: for plain text
    (no escape, no ``+``) the value lists are built while splitting and
    handed to ``dict``, as the class's own constructor does with the pairs,
    without a second pass and its type tests. Anything else is parsed by
    :func:`parse_pairs` and given to the class.
    """
    if cls not in _GROUPING or "%" in text or "+" in text:
        return cls(parse_pairs(text))
    lists: dict[str, list[str]] = {}
    for item in text.split("&"):
        if item:
            name, _, value = item.partition("=")
            values = lists.get(name)
            if values is None:
                lists[name] = [value]
            else:
                values.append(value)
    result = cls.__new__(cls)
    dict.__init__(result, lists)  # type: ignore[misc]
    return result
