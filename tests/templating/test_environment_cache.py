"""Templates by name: Flask's loader hooks, and when a template is loaded again."""

from __future__ import annotations

import inspect
import os
import pickle
import sys
import threading
from pathlib import Path
from typing import Any

import jinja2
import jinja2.ext
import pytest
from jinja2.utils import LRUCache

from hipflask import Hipflask
from hipflask.templating import render_template
from hipflask.templating.environment import Environment
from hipflask.templating.environment import select_jinja_autoescape
from hipflask.templating.namecache import TrackedLRUCache


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
