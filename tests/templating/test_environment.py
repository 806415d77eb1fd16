"""The Jinja environment: escaping, tojson, globals, options, CSP nonces."""

from __future__ import annotations

import inspect
import json
import os
import pickle
import re
import sys
import threading
from pathlib import Path
from typing import Any

import jinja2
import jinja2.ext
import pytest
from jinja2.utils import LRUCache
from markupsafe import Markup

from hipflask import Blueprint
from hipflask import Hipflask
from hipflask import g
from hipflask import request
from hipflask import session
from hipflask.json.provider import DefaultJSONProvider
from hipflask.json.provider import JSONProvider
from hipflask.templating import render_template
from hipflask.templating import render_template_string
from hipflask.templating.environment import Environment
from hipflask.templating.environment import csp_nonce
from hipflask.templating.environment import select_jinja_autoescape
from hipflask.templating.namecache import TrackedLRUCache

ATTACK = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"


# -- autoescape -------------------------------------------------------------


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


# -- tojson -------------------------------------------------------------------


def test_tojson_escapes_characters_that_could_end_a_script_or_attribute(
    app: Hipflask, client: Any
) -> None:
    data = {"html": "</script><b>", "quote": "it's", "amp": "a&b"}

    @app.route("/")
    def index() -> str:
        return render_template("data.html", data=data)

    text = client.get("/").text
    body = text.removeprefix("<script>const data = ").removesuffix(";</script>")
    for dangerous in "<>&'":
        assert dangerous not in body
    assert "\\u003c/script\\u003e" in body
    assert "\\u0027" in body
    assert "\\u0026" in body
    assert json.loads(body) == data


def test_tojson_uses_the_apps_json_provider(app: Hipflask) -> None:
    class Point:
        def __init__(self, x: int, y: int) -> None:
            self.x, self.y = x, y

    class PointProvider(DefaultJSONProvider):
        @staticmethod
        def default(o: Any) -> Any:
            if isinstance(o, Point):
                return [o.x, o.y]
            raise TypeError(type(o).__name__)

    app.json = PointProvider(app)
    with app.app_context():
        assert render_template_string("{{ p|tojson }}", p=Point(1, 2)) == "[1, 2]"


def test_tojson_sorts_keys_whatever_the_provider_says(app: Hipflask, client: Any) -> None:
    class Unsorted(JSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return json.dumps(obj, **kwargs)

        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            return json.loads(s, **kwargs)

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ v|tojson }}", v={"b": 1, "a": 2})

    app.json.sort_keys = False  # type: ignore[attr-defined]
    assert client.get("/").text == '{"a": 2, "b": 1}'
    app.json = Unsorted(app)
    assert client.get("/").text == '{"a": 2, "b": 1}'


def test_tojson_accepts_an_indent(app: Hipflask) -> None:
    with app.app_context():
        rv = render_template_string("{{ v|tojson(indent=2) }}", v={"a": 1})
    assert rv == '{\n  "a": 1\n}'


# -- globals ------------------------------------------------------------------


def test_url_for_request_g_and_config_are_available(app: Hipflask, client: Any) -> None:
    app.config["SITE_NAME"] = "Hipflask shop"

    @app.route("/item/<int:number>")
    def item(number: int) -> str:
        g.user = "ada"
        return render_template_string(
            "{{ url_for('item', number=7) }}|{{ request.path }}|{{ g.user }}"
            "|{{ config.SITE_NAME }}|{{ request.args.q }}"
        )

    assert client.get("/item/3?q=hat").text == "/item/7|/item/3|ada|Hipflask shop|hat"


def test_session_is_available(app: Hipflask, client: Any, sessions: Any) -> None:
    @app.route("/")
    def index() -> str:
        session["user"] = "grace"
        return render_template_string("{{ session['user'] }}")

    assert client.get("/").text == "grace"


def test_rendering_without_touching_the_session_does_not_open_it(
    app: Hipflask, sessions: Any
) -> None:
    with app.test_request_context("/") as ctx:
        assert render_template_string("{{ request.path }} {{ g }}").startswith("/ ")
        assert not ctx.session_opened
    assert sessions.opened == 0


def test_context_objects_are_the_real_objects_during_a_request(app: Hipflask) -> None:
    with app.test_request_context("/"):
        seen: dict[str, Any] = {}

        def grab(name: str, value: Any) -> str:
            seen[name] = value
            return ""

        render_template_string("{{ grab('request', request) }}{{ grab('g', g) }}", grab=grab)
        assert seen["request"] is request._get_current_object()  # type: ignore[attr-defined]
        assert seen["g"] is g._get_current_object()


def test_request_is_falsy_outside_a_request(app: Hipflask) -> None:
    with app.app_context():
        g.name = "cli"
        rv = render_template_string("{% if request %}request{% else %}none{% endif %}|{{ g.name }}")
    assert rv == "none|cli"


def test_using_request_outside_a_request_says_which_context_is_missing(app: Hipflask) -> None:
    with app.app_context(), pytest.raises(RuntimeError, match="request context"):
        render_template_string("{{ request.path }}")


def test_filters_tests_and_globals_registered_on_the_app(app: Hipflask, client: Any) -> None:
    @app.template_filter()
    def reverse(value: str) -> str:
        return value[::-1]

    @app.template_test("even_number")
    def is_even(value: int) -> bool:
        return value % 2 == 0

    @app.template_global()
    def shop_name() -> str:
        return "Hats"

    app.add_template_filter(str.upper, name="shout")

    @app.route("/")
    def index() -> str:
        return render_template_string(
            "{{ 'abc'|reverse }} {{ 'x'|shout }} {{ 4 is even_number }}"
            " {{ 3 is even_number }} {{ shop_name() }}"
        )

    assert client.get("/").text == "cba X True False Hats"


def test_filters_tests_and_globals_registered_by_a_blueprint(app: Hipflask, client: Any) -> None:
    bp = Blueprint("tools", __name__)

    @bp.app_template_filter("double")
    def double(value: int) -> int:
        return value * 2

    @bp.app_template_test()
    def positive(value: int) -> bool:
        return value > 0

    @bp.app_template_global()
    def version() -> str:
        return "1.0"

    app.register_blueprint(bp)

    @app.route("/")
    def index() -> str:
        return render_template_string(
            "{{ 21|double }} {{ 1 is positive }} {{ -1 is positive }} {{ version() }}"
        )

    assert client.get("/").text == "42 True False 1.0"


# -- options ------------------------------------------------------------------


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


# -- CSP nonce ------------------------------------------------------------------


def _header_nonce(response: Any) -> str:
    match = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert match is not None
    return match.group(1)


def test_csp_nonce_matches_the_nonce_in_the_policy_header(app: Hipflask, client: Any) -> None:
    app.config["CONTENT_SECURITY_POLICY"] = {
        "script-src": ["{nonce}", "'strict-dynamic'"],
        "style-src": ["'self'", "{nonce}"],
    }

    @app.route("/")
    def index() -> str:
        return render_template("nonce.html")

    first = client.get("/")
    nonces = re.findall(r'nonce="([^"]+)"', first.text)
    assert len(nonces) == 2
    assert nonces[0] == nonces[1] == _header_nonce(first)
    assert len(nonces[0]) >= 22
    second = client.get("/")
    assert _header_nonce(second) != nonces[0]


def test_csp_nonce_is_stable_within_a_request(app: Hipflask) -> None:
    with app.test_request_context("/"):
        assert csp_nonce() == csp_nonce()
        assert render_template_string("{{ csp_nonce() }}") == csp_nonce()


def test_csp_nonce_outside_a_request_says_why_it_fails(app: Hipflask) -> None:
    with app.app_context(), pytest.raises(RuntimeError, match="needs an active request"):
        render_template_string("{{ csp_nonce() }}")


# -- Flask's loader hooks and standard context ------------------------------------------


def test_create_global_jinja_loader_override_is_the_environments_loader(protocol: str) -> None:
    class DatabaseTemplates(Hipflask):
        def create_global_jinja_loader(self) -> jinja2.BaseLoader:
            return jinja2.DictLoader({"page.html": "from the database: {{ n }}"})

    app = DatabaseTemplates("tests_app")

    @app.route("/")
    def index() -> str:
        return render_template("page.html", n=3)

    assert app.test_client(protocol=protocol).get("/").text == "from the database: 3"


def test_jinja_loader_set_on_an_app_subclass_is_used(protocol: str) -> None:
    class Packaged(Hipflask):
        jinja_loader = jinja2.DictLoader({"page.html": "packaged"})  # type: ignore[assignment]

    app = Packaged("tests_app")

    @app.route("/")
    def index() -> str:
        return render_template("page.html")

    assert app.test_client(protocol=protocol).get("/").text == "packaged"


def test_standard_context_holds_config_request_session_and_g(app: Hipflask, protocol: str) -> None:
    app.config["SITE"] = "shop"

    @app.route("/page")
    def page() -> str:
        g.user = "ada"
        session["cart"] = 2
        return render_template_string(
            "{{ config.SITE }} {{ request.path }} {{ session.cart }} {{ g.user }}"
            " {{ url_for('page') }} {{ get_flashed_messages() }}"
        )

    assert app.test_client(protocol=protocol).get("/page").text == "shop /page 2 ada /page []"
    for name in ("config", "request", "session", "g", "url_for", "get_flashed_messages"):
        assert name in app.jinja_env.globals


# -- templates by name ----------------------------------------------------------------------


class CountingLoader(jinja2.DictLoader):
    """A dict loader that counts how often each template's source is read."""

    def __init__(self, mapping: dict[str, str]) -> None:
        super().__init__(mapping)
        self.reads: dict[str, int] = {}

    def get_source(self, environment: jinja2.Environment, template: str) -> Any:
        self.reads[template] = self.reads.get(template, 0) + 1
        return super().get_source(environment, template)


def _app_with_loader(loader: jinja2.BaseLoader, **options: Any) -> Hipflask:
    class LoaderApp(Hipflask):
        jinja_options = {"loader": loader, **options}  # noqa: RUF012 - the documented class attribute

    app = LoaderApp("loader_app", root_path=os.path.dirname(__file__), static_folder=None)
    app.config["TEMPLATES_AUTO_RELOAD"] = False
    return app


def _page_app(tmp_path: Path, auto_reload: bool | None = False) -> tuple[Hipflask, Path]:
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.txt"
    page.write_text("first")
    app = Hipflask("page_app", root_path=str(tmp_path), static_folder=None)
    app.config["TEMPLATES_AUTO_RELOAD"] = auto_reload
    app.config["DEBUG"] = False
    return app, page


def _change(page: Path) -> None:
    page.write_text("second")
    # Jinja compares modification times, which may not move within one tick.
    mtime = os.path.getmtime(page) + 10
    os.utime(page, (mtime, mtime))


def test_a_template_is_loaded_once_per_name(app: Hipflask) -> None:
    loader = CountingLoader({"page.txt": "{{ n }}"})
    app = _app_with_loader(loader)
    with app.app_context():
        assert [render_template("page.txt", n=n) for n in range(3)] == ["0", "1", "2"]
        assert app.jinja_env.get_or_select_template("page.txt") is app.jinja_env.get_template(
            "page.txt"
        )
    assert loader.reads == {"page.txt": 1}


def test_turning_auto_reload_on_later_reloads_a_changed_template(tmp_path: Path) -> None:
    app, page = _page_app(tmp_path, auto_reload=None)
    with app.app_context():
        assert render_template("page.txt") == "first"
        _change(page)
        assert render_template("page.txt") == "first"
        app.debug = True
        assert render_template("page.txt") == "second"


def test_a_new_cache_loads_templates_again(tmp_path: Path) -> None:
    app, page = _page_app(tmp_path)
    with app.app_context():
        assert render_template("page.txt") == "first"
        _change(page)
        app.jinja_env.cache = {}
        assert render_template("page.txt") == "second"


def test_clearing_jinjas_cache_in_place_loads_templates_again(tmp_path: Path) -> None:
    app, page = _page_app(tmp_path)
    with app.app_context():
        assert render_template("page.txt") == "first"
        _change(page)
        assert render_template("page.txt") == "first"
        app.jinja_env.cache.clear()
        assert render_template("page.txt") == "second"


def test_a_template_dropped_from_a_full_cache_is_loaded_again(tmp_path: Path) -> None:
    class SmallCacheApp(Hipflask):
        jinja_options = {"cache_size": 1}  # noqa: RUF012 - the documented class attribute

    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.txt"
    page.write_text("first")
    (tmp_path / "templates" / "other.txt").write_text("other")
    app = SmallCacheApp("small_cache_app", root_path=str(tmp_path), static_folder=None)
    app.config["TEMPLATES_AUTO_RELOAD"] = False
    with app.app_context():
        assert render_template("page.txt") == "first"
        _change(page)
        assert render_template("page.txt") == "first"
        # Loading another template pushes page.txt out of Jinja's cache.
        assert render_template("other.txt") == "other"
        assert render_template("page.txt") == "second"


def test_templates_loaded_into_room_to_spare_keep_the_others_answered() -> None:
    loader = CountingLoader({"a.txt": "a", "b.txt": "b"})
    app = _app_with_loader(loader)
    env = app.jinja_env
    with app.app_context():
        assert render_template("a.txt") == "a"
        first = env.get_or_select_template("a.txt")
        assert render_template("b.txt") == "b"
        assert env.get_or_select_template("a.txt") is first
        assert env.get_or_select_template("a.txt") is env.get_template("a.txt")
    assert loader.reads == {"a.txt": 1, "b.txt": 1}


def test_a_cache_the_app_assigns_is_asked_every_time(tmp_path: Path) -> None:
    # The app keeps the cache and may change it behind the environment's back.
    app, page = _page_app(tmp_path)
    own = LRUCache(10)
    app.jinja_env.cache = own
    assert app.jinja_env.cache is own
    with app.app_context():
        assert render_template("page.txt") == "first"
        _change(page)
        own.clear()
        assert render_template("page.txt") == "second"


def test_an_environments_own_cache_copies_and_pickles_as_jinjas_does() -> None:
    app = _app_with_loader(jinja2.DictLoader({"a.txt": "a", "b.txt": "b"}), cache_size=5)
    env = app.jinja_env
    env.get_template("a.txt")
    env.get_template("b.txt")
    cache = env.cache
    assert isinstance(cache, LRUCache)
    assert cache.capacity == 5
    copied = cache.copy()
    assert isinstance(copied, LRUCache)
    assert copied.capacity == 5
    assert list(copied.keys()) == list(cache.keys())
    # A copy tells nobody: emptying it leaves the environment's answers alone.
    copied.clear()
    assert len(cache) == 2
    restored = pickle.loads(pickle.dumps(TrackedLRUCache(3)))  # noqa: S301 - bytes made here
    restored["x"] = 1
    restored.clear()
    assert restored.capacity == 3
    assert len(restored) == 0


def test_without_a_cache_every_render_loads_the_template(tmp_path: Path) -> None:
    class NoCacheApp(Hipflask):
        jinja_options = {"cache_size": 0}  # noqa: RUF012 - the documented class attribute

    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.txt"
    page.write_text("first")
    app = NoCacheApp("no_cache_app", root_path=str(tmp_path), static_folder=None)
    app.config["TEMPLATES_AUTO_RELOAD"] = False
    with app.app_context():
        assert render_template("page.txt") == "first"
        _change(page)
        assert render_template("page.txt") == "second"


def test_a_new_loader_is_used_for_a_name_already_rendered() -> None:
    app = _app_with_loader(jinja2.DictLoader({"page.txt": "one"}))
    with app.app_context():
        assert render_template("page.txt") == "one"
        app.jinja_env.loader = jinja2.DictLoader({"page.txt": "two"})
        assert render_template("page.txt") == "two"


def test_an_overlay_keeps_templates_of_its_own() -> None:
    app = _app_with_loader(jinja2.DictLoader({"page.txt": "base"}))
    env = app.jinja_env
    with app.app_context():
        assert render_template("page.txt") == "base"
    overlay = env.overlay(loader=jinja2.DictLoader({"page.txt": "overlay"}))
    assert overlay.get_or_select_template("page.txt").render() == "overlay"
    assert env.get_or_select_template("page.txt").render() == "base"


def test_a_parent_name_still_goes_through_join_path() -> None:
    class RelativeEnvironment(Environment):
        def join_path(self, template: str, parent: str) -> str:
            return parent.rpartition("/")[0] + "/" + template

    class RelativeApp(Hipflask):
        jinja_environment = RelativeEnvironment
        jinja_options = {  # noqa: RUF012 - the documented class attribute
            "loader": jinja2.DictLoader({"part.txt": "top", "dir/part.txt": "nested"})
        }

    app = RelativeApp("relative_app", root_path=os.path.dirname(__file__), static_folder=None)
    env = app.jinja_env
    assert env.get_or_select_template("part.txt").render() == "top"
    assert env.get_or_select_template("part.txt", parent="dir/page.txt").render() == "nested"


def test_a_list_of_names_and_a_template_are_still_selected() -> None:
    app = _app_with_loader(jinja2.DictLoader({"page.txt": "page"}))
    env = app.jinja_env
    template = env.get_or_select_template("page.txt")
    assert env.get_or_select_template(["missing.txt", "page.txt"]) is template
    assert env.get_or_select_template(template) is template
    with pytest.raises(jinja2.TemplatesNotFound):
        env.get_or_select_template(["missing.txt"])
    with pytest.raises(jinja2.TemplateNotFound):
        env.get_or_select_template("missing.txt")
    # A missing name is not remembered: once it exists, it is found.
    env.loader = jinja2.DictLoader({"page.txt": "page", "missing.txt": "here now"})
    assert env.get_or_select_template("missing.txt").render() == "here now"


@pytest.mark.parametrize("name", ["a.html", "A.HTML", "b.txt", "c.svg", None, "d"])
def test_the_environment_chooses_autoescaping_as_the_function_does(
    app: Hipflask, name: str | None
) -> None:
    chooser = app.jinja_env.autoescape
    assert callable(chooser)
    assert chooser(name) is select_jinja_autoescape(name)
    assert chooser(name) is select_jinja_autoescape(name)


def test_a_template_pushed_out_by_two_loads_at_once_empties_the_tables() -> None:
    # Two threads filling the last place of the cache at once: the second
    # insert pushes a template out, and the tables must hear of it even
    # when the first thread had found room just before.
    cache = TrackedLRUCache(2)
    emptied: list[str] = []

    class Owner:
        pass

    owner = Owner()
    cache.listen(owner, lambda: emptied.append("emptied"))
    cache["old"] = 0
    checked = threading.Event()
    inserted = threading.Event()
    insert_line = _line_of(TrackedLRUCache.__setitem__, "super().__setitem__")

    def pause_before_inserting(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code is TrackedLRUCache.__setitem__.__code__:
            if event == "line" and frame.f_lineno == insert_line:
                # The room was checked; another load gets in first.
                checked.set()
                inserted.wait(5)
            return pause_before_inserting
        return None

    def first() -> None:
        sys.settrace(pause_before_inserting)
        try:
            cache["first"] = 1
        finally:
            sys.settrace(None)

    thread = threading.Thread(target=first)
    thread.start()
    assert checked.wait(5)
    second = threading.Thread(target=cache.__setitem__, args=("second", 2))
    second.start()
    # It gets in first, unless the check and the insert are one step.
    second.join(0.2)
    inserted.set()
    thread.join()
    second.join()
    assert len(cache) == 2
    assert "old" not in cache
    assert emptied


def _line_of(func: Any, text: str) -> int:
    """The line number of the first line of ``func`` containing ``text``."""
    lines, start = inspect.getsourcelines(func)
    return start + next(index for index, line in enumerate(lines) if text in line)
