"""Templates as a tutorial uses them, and escaping as an attacker tests it."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import jinja2
import pytest

import hipflask
from hipflask import Hipflask
from hipflask import Markup
from hipflask import escape
from hipflask import render_template
from hipflask import render_template_string
from hipflask import url_for

SECRET = "templating-spec-secret-key-0123456789abcdef"
ATTACK = "\"'><script>alert(1)</script>&"
ESCAPED = "&#34;&#39;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;"
SCRIPT = b"console.log('loaded');\n"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """An app folder with templates of every kind, a static script and a secret."""
    templates = tmp_path / "templates"
    templates.mkdir()
    for name in ("page.html", "page.htm", "feed.xml", "page.xhtml", "icon.svg", "UPPER.HTML"):
        (templates / name).write_text('<p title="{{ v }}">{{ v }}</p>', encoding="utf-8")
    (templates / "mail.txt").write_text("{{ v }}", encoding="utf-8")
    (templates / "index.html").write_text(
        "<script src=\"{{ url_for('static', filename='js/app.js') }}\"></script>",
        encoding="utf-8",
    )
    (templates / "reload.txt").write_text("first", encoding="utf-8")
    (tmp_path / "static" / "js").mkdir(parents=True)
    (tmp_path / "static" / "js" / "app.js").write_bytes(SCRIPT)
    (tmp_path / "secret.txt").write_text("DATABASE_PASSWORD=hunter2", encoding="utf-8")
    return tmp_path


@pytest.fixture
def app(site: Path) -> Hipflask:
    app = Hipflask("templating_spec", root_path=str(site))
    app.config.update(TESTING=True, SECRET_KEY=SECRET)
    return app


# -- autoescape -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["page.html", "page.htm", "feed.xml", "page.xhtml", "icon.svg", "UPPER.HTML"]
)
def test_markup_file_escapes_a_value_in_text_and_in_an_attribute(
    app: Hipflask, client: Any, name: str
) -> None:
    @app.route("/")
    def index() -> str:
        return render_template(name, v=ATTACK)

    body = client.get("/").text

    assert body == f'<p title="{ESCAPED}">{ESCAPED}</p>'
    assert "<script>" not in body


def test_text_file_is_not_escaped(app: Hipflask) -> None:
    with app.app_context():
        assert render_template("mail.txt", v="a < b") == "a < b"


def test_template_string_escapes_and_safe_opts_out(app: Hipflask, client: Any) -> None:
    @app.route("/")
    def index() -> str:
        return render_template_string("{{ v }}|{{ v|safe }}", v="<b>x</b>")

    assert client.get("/").text == "&lt;b&gt;x&lt;/b&gt;|<b>x</b>"


def test_markup_and_escape_from_hipflask_work_in_templates(app: Hipflask, client: Any) -> None:
    @app.route("/")
    def index() -> str:
        trusted = Markup("<em>{}</em>").format("<i>user</i>")
        once = escape("<tag>")
        return render_template_string(
            "{{ trusted }}|{{ once }}|{{ escaped_twice }}",
            trusted=trusted,
            once=once,
            escaped_twice=escape(once),
        )

    assert hipflask.Markup is Markup
    assert client.get("/").text == "<em>&lt;i&gt;user&lt;/i&gt;</em>|&lt;tag&gt;|&lt;tag&gt;"


# -- template names from requests -------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["../secret.txt", "templates/../../secret.txt", "./../secret.txt", "/etc/passwd"],
)
def test_template_name_cannot_leave_the_template_folders(app: Hipflask, name: str) -> None:
    # A view that renders a page named in the URL must not become a file reader.
    with app.app_context(), pytest.raises(jinja2.TemplateNotFound):
        render_template(name)


# -- tutorial: a page that loads a static script ------------------------------------------


def test_page_loads_its_script_through_url_for_static(app: Hipflask, client: Any) -> None:
    @app.route("/")
    def index() -> str:
        return render_template("index.html")

    page = client.get("/")
    match = re.fullmatch(r'<script src="([^"]+)"></script>', page.text)
    assert match is not None
    assert match.group(1) == "/static/js/app.js"

    script = client.get(match.group(1))

    assert script.status_code == 200
    assert script.data == SCRIPT
    assert script.mimetype == "text/javascript"
    with app.test_request_context("/"):
        assert url_for("static", filename="js/app.js", _external=True) == (
            "http://localhost/static/js/app.js"
        )


# -- reloading ------------------------------------------------------------------------------


def test_debug_mode_reloads_a_changed_template_without_the_setting(
    app: Hipflask, site: Path
) -> None:
    app.config["TEMPLATES_AUTO_RELOAD"] = None
    app.debug = True
    page = site / "templates" / "reload.txt"
    with app.app_context():
        assert render_template("reload.txt") == "first"
        page.write_text("second", encoding="utf-8")
        # Jinja compares modification times, which may not move within one tick.
        stat = page.stat()
        os.utime(page, (stat.st_atime, stat.st_mtime + 5))
        assert render_template("reload.txt") == "second"


def test_production_mode_keeps_the_compiled_template(app: Hipflask, site: Path) -> None:
    app.config["TEMPLATES_AUTO_RELOAD"] = None
    app.debug = False
    page = site / "templates" / "reload.txt"
    with app.app_context():
        assert render_template("reload.txt") == "first"
        page.write_text("second", encoding="utf-8")
        stat = page.stat()
        os.utime(page, (stat.st_atime, stat.st_mtime + 5))
        assert render_template("reload.txt") == "first"
