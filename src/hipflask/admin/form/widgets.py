"""Form widgets, at Flask-Admin's path (``flask_admin.form.widgets``).

Flask-Admin draws its date, time and select widgets with JavaScript
libraries loaded from a CDN. Here they are the browser's own HTML5 inputs and
plain selects: nothing to load, nothing a strict Content-Security-Policy
blocks, and keyboard and screen-reader support for free.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from wtforms import widgets

from ...templating.render import render_template
from .. import babel
from .. import helpers

__all__ = [
    "DatePickerWidget",
    "DateTimePickerWidget",
    "RenderTemplateWidget",
    "Select2TagsWidget",
    "Select2Widget",
    "TimePickerWidget",
]


class Select2Widget(widgets.Select):
    """A plain ``<select>``, under Flask-Admin's name."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("data-role", "select2")
        return super().__call__(field, **kwargs)


class Select2TagsWidget(widgets.TextInput):
    """A text box for comma-separated tags."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("data-role", "select2-tags")
        return super().__call__(field, **kwargs)


class DatePickerWidget(widgets.TextInput):
    """``<input type="date">``: the browser's date picker, value ``YYYY-MM-DD``."""

    input_type = "date"


class DateTimePickerWidget(widgets.TextInput):
    """``<input type="datetime-local">``: the browser's date and time picker."""

    input_type = "datetime-local"

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        # The input shows seconds only when its step allows them.
        kwargs.setdefault("step", "1")
        data = getattr(field, "data", None)
        if data is not None and hasattr(data, "strftime"):
            kwargs.setdefault("value", data.strftime("%Y-%m-%dT%H:%M:%S"))
        return super().__call__(field, **kwargs)


class TimePickerWidget(widgets.TextInput):
    """``<input type="time">``: the browser's time picker."""

    input_type = "time"

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("step", "1")
        return super().__call__(field, **kwargs)


class RenderTemplateWidget:
    """A widget drawn by a template, which receives ``field`` and the widget's arguments."""

    def __init__(self, template: str) -> None:
        self.template = template

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.update({"field": field, "_gettext": babel.gettext, "h": helpers})
        view = helpers.get_current_view()
        if view is not None:
            kwargs["admin_view"] = view
        return Markup(render_template(self.template, **kwargs))  # noqa: S704 - rendered with autoescape
