"""The upload widgets: escaped names, the delete checkbox and the image preview."""

from __future__ import annotations

from typing import Any

from hipflask import Hipflask
from hipflask.admin.form.upload import FileUploadInput
from hipflask.admin.form.upload import ImageUploadInput


class Bound:
    """A stand-in for a bound field, with just what the widgets read."""

    def __init__(self, data: Any, **extra: Any) -> None:
        self.id = self.name = "upload"
        self.data = data
        self.errors: list[str] = []
        self.thumbnail_size = None
        self.url_relative_path = None
        self.endpoint = "static"
        self.__dict__.update(extra)


def test_the_file_widget_escapes_the_stored_name() -> None:
    html = str(FileUploadInput()(Bound('"><script>alert(1)</script>')))

    assert "<script>" not in html
    assert "&#34;&gt;&lt;script&gt;" in html
    assert 'type="file"' in html
    assert 'name="_upload-delete"' in html


def test_the_file_widget_without_a_file_has_no_delete_checkbox() -> None:
    html = str(FileUploadInput()(Bound(None)))

    assert html.startswith("<input") and "checkbox" not in html


def test_the_image_widget_shows_the_image_at_its_static_url(app: Hipflask) -> None:
    with app.test_request_context():
        html = str(ImageUploadInput()(Bound('a"b.png', url_relative_path="up/")))

    assert 'src="/static/up/a%22b.png"' in html
    assert 'value="a&#34;b.png"' in html
    assert "<script" not in html
