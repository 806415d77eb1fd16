"""Small helpers for model views, at Flask-Admin's path (``flask_admin.model.helpers``)."""

from __future__ import annotations

from typing import Any

__all__ = [
    "MAX_FILTER_VALUES_LENGTH",
    "MAX_SEARCH_WORDS",
    "MAX_TERM_LENGTH",
    "get_mdict_item_or_list",
    "is_searchable",
    "prettify_name",
    "shown",
]

#: The most words one search applies. Each is a condition on every searched
#: column: a crafted URL with thousands of them builds a statement the
#: database refuses (SQLite: "Expression tree is too large"), an error
#: instead of a page; nobody types this many.
MAX_SEARCH_WORDS = 50
#: The longest search word or filter value, in characters. Each becomes one
#: LIKE pattern, and SQLite refuses one over 50,000 bytes ("LIKE or GLOB
#: pattern too complex"): at four bytes a character, with LIKE's escapes,
#: this many always fits. A list of ids for an "in list" filter still takes
#: a few thousand of them.
MAX_TERM_LENGTH = 10_000
#: The most characters all filter values of one list request hold together.
#: Each id of an "in list" filter is a parameter of the statement, and the
#: databases cap their number (SQLite commonly at 32,766, PostgreSQL's
#: protocol at 65,535): within it, whatever the filters. Five such lists of
#: thousands of ids still fit.
MAX_FILTER_VALUES_LENGTH = 50_000


def prettify_name(name: str) -> str:
    """``first_name`` -> ``First Name``: the default label of a column."""
    return name.replace("_", " ").title()


def get_mdict_item_or_list(mdict: Any, key: str) -> Any:
    """One value of ``key``, or the list when the key repeats (composite primary keys).

    A single empty value is no value (``None``), as in Flask-Admin: ``?id=``
    names no record.
    """
    if hasattr(mdict, "getlist"):
        values = mdict.getlist(key)
        if len(values) == 1:
            return values[0] or None
        return tuple(values) or None
    return mdict.get(key)


def is_searchable(search: str) -> bool:
    """Whether every word of ``search`` fits a LIKE pattern a database accepts.

    The number of words is not checked here: the list page keeps the first
    :data:`MAX_SEARCH_WORDS` and says so.
    """
    return all(len(word) <= MAX_TERM_LENGTH for word in search.split())


def shown(value: Any) -> Any:
    """``value`` for a page or an export to show: as it is, or ``""``.

    A model's ``__str__`` often returns a nullable column as it is
    (``return self.name``), and ``str()`` raises ``TypeError`` when that is
    ``None``: one such related row would make the list, its details and its
    export fail. Such a row shows as empty text instead.
    """
    if value is None or isinstance(value, (str, int, float)):
        return value
    try:
        str(value)
    except TypeError:
        return ""
    return value
