"""A JSON object body read as a form post: the values a form field would get.

A form submitted as JSON (``{"username": "alice"}``) is read by code written
for form posts: ``FlaskForm`` fields and their filters expect text, and the
login throttle counts the user name the form will check. Both read the body
through :func:`json_form_data`, so that a value spelled in JSON as a number
or a list reaches each of them as the same text.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from werkzeug.datastructures import ImmutableMultiDict

__all__ = ["as_form_text", "json_form_data"]


def as_form_text(value: Any) -> str | None:
    """A JSON value as a form post would carry it, or ``None`` for none it could.

    Fields and their filters are written for text (``StringField`` data is a
    ``str``, a filter calls ``.strip()``), so a number or ``true`` taken as
    it is would reach them as an ``int`` or a ``bool`` and fail there, a 500.
    Numbers keep their JSON spelling (``1.1`` stays ``"1.1"``, so a
    ``DecimalField`` gets ``Decimal("1.1")``, not the float's binary
    expansion); ``null``, objects and nested lists are not values a form
    post can send, so the field gets none.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return None


def json_form_data(
    data: dict[str, Any], switches: Container[str] = ()
) -> ImmutableMultiDict[str, Any]:
    """The form data of a JSON object body: text values, a list being several.

    ``switches`` holds the names of checkbox fields (``BooleanField``,
    nested ones included), which get a JSON ``true``, ``false`` or number as
    it is, as under Flask-WTF: a script sending ``0`` for an unticked box
    means unticked, which the text ``"0"`` a form post would carry does not
    (a checkbox is ticked by any text but ``"false"`` and ``""``). ``null``
    is ``false`` there, not no value, so that a ``FieldList`` of checkboxes
    keeps its entry. A checkbox reads no text method of its value.
    """
    pairs: list[tuple[str, Any]] = []
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if key in switches and (item is None or isinstance(item, (bool, int, float))):
                pairs.append((key, False if item is None else item))
                continue
            text = as_form_text(item)
            if text is not None:
                pairs.append((key, text))
    return ImmutableMultiDict(pairs)
