"""Which templates the Jinja environment autoescapes, tried with a script injection."""

from __future__ import annotations

import os
from typing import Any

import pytest
from markupsafe import Markup

from hipflask import Hipflask
from hipflask.templating import render_template
from hipflask.templating import render_template_string
from hipflask.templating.environment import select_jinja_autoescape

ATTACK = "<script>alert('x')</script>"


ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"


@pytest.mark.parametrize(
    "name", ["page.html", "page.htm", "feed.xml", "page.xhtml", "icon.svg", "PAGE.HTML"]
)
def test_markup_templates_are_autoescaped(name: str) -> None:
    assert select_jinja_autoescape(name) is True


@pytest.mark.parametrize("name", ["mail.txt", "script.js", "page.html.txt", "README"])
def test_other_templates_are_not_autoescaped(name: str) -> None:
    assert select_jinja_autoescape(name) is False


def test_templates_from_strings_are_autoescaped() -> None:
    assert select_jinja_autoescape(None) is True


def test_script_in_an_html_template_is_escaped(app: Hipflask, client: Any) -> None:
    @app.route("/")
    def index() -> str:
        return render_template("value.html", value=ATTACK)

    assert client.get("/").text == f"<p>{ESCAPED}</p>"


def test_script_in_an_svg_template_is_escaped(app: Hipflask, client: Any) -> None:
    @app.route("/")
    def index() -> str:
        return render_template("value.svg", value=ATTACK)

    assert client.get("/").text == f"<p>{ESCAPED}</p>"


def test_script_in_a_template_string_is_escaped(app: Hipflask, client: Any) -> None:
    @app.route("/")
    def index() -> str:
        return render_template_string("<p>{{ value }}</p>", value=ATTACK)

    assert client.get("/").text == f"<p>{ESCAPED}</p>"


def test_text_templates_are_not_escaped(app: Hipflask, client: Any) -> None:
    @app.route("/")
    def index() -> str:
        return render_template("value.txt", value="a < b & 'c'")

    assert client.get("/").text == "a < b & 'c'"


def test_safe_filter_and_markup_values_are_not_escaped(app: Hipflask, client: Any) -> None:
    @app.route("/filter")
    def with_filter() -> str:
        return render_template("safe.html", value="<b>bold</b>")

    @app.route("/markup")
    def with_markup() -> str:
        return render_template("value.html", value=Markup("<i>it</i>"))

    assert client.get("/filter").text == "<p><b>bold</b></p>"
    assert client.get("/markup").text == "<p><i>it</i></p>"


def test_app_can_override_autoescape_selection() -> None:
    class TextApp(Hipflask):
        def select_jinja_autoescape(self, filename: str | None) -> bool:
            return filename is None or filename.endswith(".txt")

    app = TextApp("text_app", root_path=os.path.dirname(__file__))
    with app.app_context():
        assert render_template("value.txt", value="<b>") == "&lt;b&gt;"
        assert render_template("value.html", value="<b>") == "<p><b></p>"
