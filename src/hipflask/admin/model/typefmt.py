"""Default cell formatters by value type, at Flask-Admin's path (``flask_admin.model.typefmt``).

A type formatter is ``f(view, value, name)``; views pick one by the value's
type through ``column_type_formatters``. List and details cells may return
markup, so these return plain text or :class:`~markupsafe.Markup` built with
escaping; export cells are always plain text.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from typing import Any

from markupsafe import Markup
from markupsafe import escape

from .helpers import shown

__all__ = [
    "BASE_FORMATTERS",
    "DETAIL_FORMATTERS",
    "EXPORT_FORMATTERS",
    "bool_formatter",
    "dict_formatter",
    "empty_formatter",
    "enum_formatter",
    "list_formatter",
    "null_formatter",
]

Formatter = Callable[[Any, Any, str], Any]


def null_formatter(view: Any, value: Any, name: str) -> str:
    """``None`` shown as an empty cell."""
    return ""


def empty_formatter(view: Any, value: Any, name: str) -> str:
    """An empty cell, whatever the value."""
    return ""


def bool_formatter(view: Any, value: Any, name: str) -> Markup:
    """A check or a cross, with the word for screen readers."""
    word = "Yes" if value else "No"
    mark = "\u2714" if value else "\u2718"
    return Markup(
        '<span class="admin-bool" title="{0}">{1}<span class="admin-sr">{0}</span></span>'
    ).format(word, mark)


def list_formatter(view: Any, values: Any, name: str) -> str:
    """Items joined with commas."""
    return ", ".join(str(shown(v)) for v in values)


def enum_formatter(view: Any, value: enum.Enum, name: str) -> str:
    """An enum member by its name."""
    return value.name


def dict_formatter(view: Any, value: Any, name: str) -> Markup:
    """A mapping as indented JSON in a ``<pre>``."""
    text = json.dumps(value, ensure_ascii=False, indent=2, default=str)
    return Markup("<pre>{}</pre>").format(escape(text))


def _bool_text(view: Any, value: Any, name: str) -> str:
    return "True" if value else "False"


BASE_FORMATTERS: dict[type | None, Formatter] = {
    type(None): empty_formatter,
    bool: bool_formatter,
    list: list_formatter,
    dict: dict_formatter,
    enum.Enum: enum_formatter,
}

DETAIL_FORMATTERS: dict[type | None, Formatter] = dict(BASE_FORMATTERS)

EXPORT_FORMATTERS: dict[type | None, Formatter] = {
    type(None): empty_formatter,
    bool: _bool_text,
    list: list_formatter,
    dict: lambda view, value, name: json.dumps(value, ensure_ascii=False, default=str),
    enum.Enum: enum_formatter,
}
