"""Small helpers for model views, at Flask-Admin's path (``flask_admin.model.helpers``)."""

from __future__ import annotations

from typing import Any

__all__ = ["get_mdict_item_or_list", "prettify_name"]


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
