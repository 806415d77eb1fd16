"""JSON that survives a round trip: the same rules with and without orjson.

A JSON API echoes what it parses. A document the parser accepts but the
encoder cannot write back (nesting deeper than orjson encodes, a lone UTF-16
surrogate, ``NaN`` or a number that overflows to infinity) used to parse
fine and then fail as a 500 on the way out, and differently depending on
whether orjson was installed. Here the parser refuses such input (a
``ValueError``, which ``request.get_json`` turns into a 400) and the encoder
writes the values an app produces itself as valid JSON:

* nesting deeper than :data:`MAX_DEPTH` is refused on input;
* ``NaN``, ``Infinity`` and numbers beyond the range of a float are refused
  on input, and written as ``null`` on output (as orjson and JavaScript do);
* a lone surrogate escape (``"\\ud800"``) is refused on input, and written
  as a ``\\u`` escape on output rather than as invalid UTF-8;
* an integer past 64 bits is read exactly (the stdlib parses a document
  that may hold one; orjson would make it a float), and a leading UTF-8
  byte-order mark is skipped, as the stdlib, and so Flask, does.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["MAX_DEPTH", "check_depth", "has_long_integer", "loads", "without_non_finite"]

#: The deepest nesting accepted on input; orjson encodes at most 254 levels,
#: so whatever is accepted can be written back.
MAX_DEPTH = 128

_OPENERS = (b"[", b"{")
_MAX_INT_DIGITS = 308
_SURROGATE_ESCAPE = re.compile(r"\\[uU][dD][89a-fA-F]")
_UTF8_BOM = b"\xef\xbb\xbf"
# 19 digits in a row: the shortest integer that may not fit in 64 bits.
_LONG_DIGITS = re.compile(r"[0-9]{19}")
_LONG_DIGITS_BYTES = re.compile(rb"[0-9]{19}")


def has_long_integer(data: str | bytes) -> bool:
    """Whether ``data`` may hold an integer too large for 64 bits.

    orjson reads such an integer as a float, silently losing its digits (a
    large id changes value); the stdlib reads it exactly, as Flask does. A
    scan in C for 19 digits in a row finds every candidate (long fractions
    and digit strings too, which the stdlib reads as well).
    """
    pattern = _LONG_DIGITS_BYTES if isinstance(data, bytes) else _LONG_DIGITS
    return pattern.search(data) is not None  # type: ignore[arg-type]


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON.")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"The number {text[:32]} is too large.")
    return value


def _bounded_int(text: str) -> int:
    # orjson reads integers past 64 bits as floats and refuses those past a
    # float's range; the same bound keeps both parsers in agreement.
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise ValueError(f"The number {text[:32]}... is too large.")
    return int(text)


def _nested_too_deep(value: Any, limit: int) -> bool:
    # Iterative, so the check itself cannot exhaust the stack.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend(
                (child, depth + 1) for child in item.values() if isinstance(child, (dict, list))
            )
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item if isinstance(child, (dict, list)))
    return False


def check_depth(data: str | bytes, value: Any, limit: int = MAX_DEPTH) -> None:
    """Raise ``ValueError`` when ``value`` (parsed from ``data``) nests deeper than ``limit``.

    Counting brackets in the raw text is done in C and settles almost every
    document: fewer openers than the limit cannot nest deeper than it.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if sum(raw.count(opener) for opener in _OPENERS) <= limit:
        return
    if _nested_too_deep(value, limit):
        raise ValueError(f"The JSON document nests deeper than {limit} levels.")


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def loads(data: str | bytes) -> Any:
    """Parse with the stdlib under the rules of the module docstring.

    Bytes are decoded as UTF-8, strictly, as orjson reads them: the stdlib
    would also take UTF-16 and UTF-32, and UTF-8-encoded surrogates, which
    no UTF-8 encoder can write back. A leading byte-order mark is skipped.
    """
    if isinstance(data, (bytes, bytearray)):
        data = bytes(data).removeprefix(_UTF8_BOM).decode("utf-8")
    value = json.loads(
        data, parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_bounded_int
    )
    text = data if isinstance(data, str) else data.decode("latin-1")
    if "\\" in text and _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise ValueError("The JSON document holds a lone UTF-16 surrogate.")
    check_depth(data, value)
    return value


def without_non_finite(value: Any) -> Any:
    """A copy of ``value`` with ``NaN`` and infinities replaced by ``None``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: without_non_finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_non_finite(item) for item in value]
    return value
