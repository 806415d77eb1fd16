"""The environment's options: made on first use, auto-reload, Jinja options, string templates."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jinja2
import jinja2.ext
import pytest

from hipflask import Hipflask
from hipflask.templating import render_template
from hipflask.templating import render_template_string
from hipflask.templating.environment import Environment


def test_environment_is_created_on_first_use(app: Hipflask) -> None:
    assert "jinja_env" not in app.__dict__
    env = app.jinja_env
    assert isinstance(env, Environment)
    assert env.app is app
    assert app.jinja_env is env


@pytest.mark.parametrize(
    ("setting", "debug", "expected"),
    [(None, False, False), (None, True, True), (True, False, True), (False, True, False)],
)
def test_auto_reload_follows_the_setting_or_debug(
    app: Hipflask, setting: bool | None, debug: bool, expected: bool
) -> None:
    app.config["TEMPLATES_AUTO_RELOAD"] = setting
    app.config["DEBUG"] = debug
    assert app.jinja_env.auto_reload is expected


def test_turning_debug_on_later_turns_auto_reload_on(app: Hipflask) -> None:
    app.config["DEBUG"] = False
    assert app.jinja_env.auto_reload is False
    app.debug = True
    assert app.jinja_env.auto_reload is True


@pytest.mark.parametrize(("auto_reload", "expected"), [(True, "second"), (False, "first")])
def test_changed_template_files_are_reloaded_only_with_auto_reload(
    tmp_path: Path, auto_reload: bool, expected: str
) -> None:
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.txt"
    page.write_text("first")
    app = Hipflask("reload_app", root_path=str(tmp_path), static_folder=None)
    app.config["TEMPLATES_AUTO_RELOAD"] = auto_reload
    with app.app_context():
        assert render_template("page.txt") == "first"
        page.write_text("second")
        mtime = os.path.getmtime(page) + 10
        os.utime(page, (mtime, mtime))
        assert render_template("page.txt") == expected


def test_jinja_options_of_the_app_class_are_used() -> None:
    class OptionsApp(Hipflask):
        jinja_options = {  # noqa: RUF012 - the documented class attribute
            "extensions": ["jinja2.ext.do"],
            "trim_blocks": True,
            "autoescape": False,
        }

    app = OptionsApp("options_app", root_path=os.path.dirname(__file__))
    with app.app_context():
        rv = render_template_string(
            "{% set items = [] %}{% do items.append(v) %}\n{{ items[0] }}", v="<b>"
        )
    assert rv == "<b>"
    assert app.jinja_env.trim_blocks is True


def test_app_can_choose_its_environment_class() -> None:
    class MyEnvironment(Environment):
        pass

    class MyApp(Hipflask):
        jinja_environment = MyEnvironment

    app = MyApp("env_app", root_path=os.path.dirname(__file__))
    assert type(app.jinja_env) is MyEnvironment


def test_string_templates_are_compiled_once(app: Hipflask) -> None:
    env = app.jinja_env
    first = env.template_from_string("{{ a }}")
    assert env.template_from_string("{{ a }}") is first
    assert env.template_from_string("{{ b }}") is not first


def test_string_template_cache_is_bounded(app: Hipflask) -> None:
    env = app.jinja_env
    first = env.template_from_string("0")
    for number in range(1, 300):
        env.template_from_string(str(number))
    assert len(env._string_templates) <= 256
    assert env.template_from_string("0") is not first
    assert env.template_from_string("299") is env.template_from_string("299")


def test_string_templates_that_fail_to_compile_are_not_cached(app: Hipflask) -> None:
    with app.app_context():
        with pytest.raises(jinja2.TemplateAssertionError):
            render_template_string("{{ 'a'|late }}")
        app.jinja_env.filters["late"] = str.upper
        assert render_template_string("{{ 'a'|late }}") == "A"


def test_cached_string_templates_see_replaced_filters(app: Hipflask) -> None:
    app.jinja_env.filters["shout"] = str.upper
    with app.app_context():
        assert render_template_string("{{ v|shout }}", v="Ab") == "AB"
        app.jinja_env.filters["shout"] = str.lower
        assert render_template_string("{{ v|shout }}", v="Ab") == "ab"


def test_string_templates_follow_settings_changed_after_first_use(app: Hipflask) -> None:
    # Each setting decides how the source compiles; Flask compiles a string
    # on every call, so a change made after the first render applies to it.
    source = "{% if 1 %}\n{{ v }}{% endif %}"
    with app.app_context():
        assert render_template_string(source, v="<") == "\n&lt;"
        app.jinja_env.autoescape = False
        assert render_template_string(source, v="<") == "\n<"
        app.jinja_env.trim_blocks = True
        assert render_template_string(source, v="<") == "<"
        app.jinja_env.finalize = lambda value: f"[{value}]"
        assert render_template_string(source, v="<") == "[<]"


class _ShoutingExtension(jinja2.ext.Extension):
    """Rewrites the source before it compiles, as minifying extensions do."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return source.upper()


def test_string_templates_follow_an_extension_added_after_first_use(app: Hipflask) -> None:
    with app.app_context():
        assert render_template_string("quiet") == "quiet"
        app.jinja_env.add_extension(_ShoutingExtension)
        assert render_template_string("quiet") == "QUIET"
        first = app.jinja_env.template_from_string("quiet")
        assert app.jinja_env.template_from_string("quiet") is first


def test_processor_appended_to_the_dict_while_serving_is_not_run(
    app: Hipflask, client: Any
) -> None:
    # Documented in the porting notes: the chains are read once serving
    # starts; processors are registered during setup.
    @app.route("/")
    def index() -> str:
        return render_template_string("{{ late|default('none') }}")

    assert client.get("/").text == "none"
    app.template_context_processors[None].append(lambda: {"late": "L"})
    assert client.get("/").text == "none"
