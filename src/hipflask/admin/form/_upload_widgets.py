"""The widgets of the upload fields (``FileUploadInput``, ``ImageUploadInput``).

Public at :mod:`hipflask.admin.form.upload`, Flask-Admin's path. Every
attribute value is escaped (a stored file name like ``"><script>`` stays
text) and no script is emitted, so a strict Content-Security-Policy holds.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from markupsafe import Markup
from werkzeug.datastructures import FileStorage
from wtforms.widgets import html_params

from ...core.helpers import url_for

__all__ = ["FileUploadInput", "ImageUploadInput"]


def _params(**attributes: Any) -> Markup:
    return Markup(html_params(**attributes))  # noqa: S704 - html_params escapes each value


def _fill(template: str, slots: dict[str, Markup]) -> Markup:
    # The template is the widget's own (or its subclass's); every slot is escaped.
    return Markup(template) % slots  # noqa: S704


def _checkbox(field: Any) -> Markup:
    marker = f"_{field.name}-delete"
    return Markup("<label><input {}> Delete</label>").format(
        _params(type="checkbox", name=marker, id=marker)
    )


class FileUploadInput:
    """A file input, and with a stored file its name and a "Delete" checkbox.

    ``empty_template`` and ``data_template`` can be replaced, as in
    Flask-Admin; their ``%`` slots receive escaped markup.
    """

    empty_template = "<input %(file)s>"
    data_template = "<div> <input %(text)s> %(delete)s</div><input %(file)s>"
    input_type = "file"

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("name", field.name)
        data = field.data
        value = data.filename if isinstance(data, FileStorage) else (data or "")
        template = self.data_template if data and not field.errors else self.empty_template
        return _fill(
            template,
            {
                "text": _params(type="text", readonly=True, value=value, name=field.name),
                "file": _params(type="file", **kwargs),
                "delete": _checkbox(field),
            },
        )


class ImageUploadInput:
    """A file input, and with a stored image its preview and a "Delete" checkbox."""

    empty_template = "<input %(file)s>"
    data_template = (
        '<div class="image-thumbnail"> <img %(image)s> %(delete)s <input %(text)s></div>'
        "<input %(file)s>"
    )
    input_type = "file"

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("name", field.name)
        args: dict[str, Any] = {
            "file": _params(type="file", **kwargs),
            "delete": _checkbox(field),
        }
        if field.data and isinstance(field.data, str):
            args["text"] = _params(type="hidden", value=field.data, name=field.name)
            args["image"] = _params(src=self.get_url(field), alt="")
            return _fill(self.data_template, args)
        return _fill(self.empty_template, args)

    def get_url(self, field: Any) -> str:
        """The URL of the stored image (its thumbnail when there is one)."""
        filename = field.thumbnail_fn(field.data) if field.thumbnail_size else field.data
        if field.url_relative_path:
            filename = urljoin(field.url_relative_path, filename)
        return url_for(field.endpoint, filename=filename)
