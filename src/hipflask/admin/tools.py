"""Small helpers for backends, at Flask-Admin's path (``flask_admin.tools``).

``iterencode``/``iterdecode`` carry a composite primary key in one URL
argument (``?id=3,en``): values are joined with ``,`` and a literal ``,`` or
``.`` inside a value is escaped with ``.``, so the round trip is exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["escape", "get_dict_attr", "iterdecode", "iterencode", "rec_getattr"]

CHAR_ESCAPE = "."
CHAR_SEPARATOR = ","


def rec_getattr(obj: Any, attr: str, default: Any = None) -> Any:
    """``obj.a.b.c`` for ``"a.b.c"``, or ``default`` when a link is missing."""
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            return default
    return obj


def get_dict_attr(obj: Any, attr: str, default: Any = None) -> Any:
    """An attribute read from the ``__dict__`` of ``obj`` or its classes.

    No ``__getattr__`` and no descriptor runs: a backend inspects a model's
    declared attributes without triggering lazy loads.
    """
    for holder in [obj, *type(obj).__mro__]:
        namespace = getattr(holder, "__dict__", {})
        if attr in namespace:
            return namespace[attr]
    return default


def escape(value: str | bytes) -> str:
    """Escape the separator and the escape character in one value."""
    text = value.decode("utf-8") if isinstance(value, bytes) else str(value)
    return text.replace(CHAR_ESCAPE, CHAR_ESCAPE * 2).replace(
        CHAR_SEPARATOR, CHAR_ESCAPE + CHAR_SEPARATOR
    )


def iterencode(iter: Iterable[Any]) -> str:
    """Join the values of ``iter`` into one string that :func:`iterdecode` splits back.

    The parameter keeps Flask-Admin's name, so keyword calls port unchanged.
    """
    return CHAR_SEPARATOR.join(escape(v if isinstance(v, (str, bytes)) else str(v)) for v in iter)


def iterdecode(value: Iterable[str] | str) -> tuple[str, ...]:
    """Split a string made by :func:`iterencode` back into its values.

    ``""`` is the encoding of no values, so it decodes to ``()``, as in
    Flask-Admin, not to one empty value.
    """
    if str(value) == "":
        return ()
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for char in str(value):
        if escaped:
            current.append(char)
            escaped = False
        elif char == CHAR_ESCAPE:
            escaped = True
        elif char == CHAR_SEPARATOR:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return tuple(parts)
