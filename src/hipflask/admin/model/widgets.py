"""Widgets of model views, at Flask-Admin's path (``flask_admin.model.widgets``).

Flask-Admin draws these with select2 and x-editable from a CDN. Here each is
plain HTML that works without JavaScript, plus ``data-`` attributes that the
admin's own script (``admin/admin.js``, a file, never inline) reads to add
the typing and the in-place editing, so that pages work under a strict
Content-Security-Policy.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from markupsafe import escape
from wtforms.widgets import html_params

from .. import babel
from ..helpers import get_url

__all__ = ["AjaxSelect2Widget", "XEditableWidget"]


def _option(value: Any, label: Any, selected: bool) -> str:
    params = html_params(value=value, selected=selected)
    return f"<option {params}>{escape(label)}</option>"


class AjaxSelect2Widget:
    """A ``<select>`` holding only the current value(s) of an ajax field.

    Without JavaScript the current value stays selected (and the blank choice
    is offered when the field allows it); with it, a search box beside the
    select fetches matches from the view's ``ajax_lookup`` page
    (``data-url``) and lists them as options.
    """

    def __init__(self, multiple: bool = False) -> None:
        self.multiple = multiple

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        options = field.loader.options
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("data-role", "select2-ajax")
        kwargs.setdefault("data-url", get_url(".ajax_lookup", name=field.loader.name))
        kwargs.setdefault(
            "data-placeholder", options.get("placeholder") or babel.gettext("Please select model")
        )
        kwargs.setdefault(
            "data-minimum-input-length", str(int(options.get("minimum_input_length", 1)))
        )
        if self.multiple:
            kwargs["multiple"] = True
        if getattr(field, "allow_blank", False) and not self.multiple:
            kwargs["data-allow-blank"] = "1"
        if field.flags.required and "required" not in kwargs:
            kwargs["required"] = True
        rows = [f"<select {html_params(name=field.name, **kwargs)}>"]
        rows.extend(
            _option(value, label, selected) for value, label, selected in field.iter_choices()
        )
        rows.append("</select>")
        return Markup("".join(rows))  # noqa: S704 - every part is escaped above


class XEditableWidget:
    """A list cell that becomes the field's own input when clicked.

    The cell shows ``display_value`` in a button; the field's usual widget is
    rendered inside a ``<template>`` that the admin's script puts in its
    place, then posts, with the row's key and the CSRF token, to the view's
    ``ajax_update`` page. Without JavaScript the cell is plain text and the
    edit page remains the way to change the row.
    """

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        display_value = kwargs.pop("display_value", "")
        pk = kwargs.pop("pk", None)
        if pk is None or pk == "":
            raise ValueError("XEditableWidget needs the row's key: call it with pk=...")
        csrf = kwargs.pop("csrf", "") or ""
        params = html_params(
            class_="admin-editable",
            **{
                "data-role": "x-editable",
                "data-url": kwargs.pop("data-url", None) or get_url(".ajax_update"),
                "data-name": field.name,
                "data-pk": str(pk),
                "data-csrf": csrf,
            },
        )
        label = babel.gettext("Edit %(name)s", name=field.label.text)
        # The field class's own widget draws the input: the instance's
        # ``widget`` is this one, set on every field of the list form.
        control = type(field).widget(field, id=False, **kwargs)
        return Markup(  # noqa: S704 - every part is escaped
            f"<span {params}>"
            f'<button type="button" class="admin-editable-value" data-editable-open'
            f' title="{escape(label)}">{escape(display_value)}</button>'
            f"<template data-editable-input>{control}</template>"
            "</span>"
        )
