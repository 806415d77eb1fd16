from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from hipflask import Hipflask
from hipflask.cli.discovery import NoAppException
from hipflask.cli.discovery import ScriptInfo
from hipflask.cli.discovery import load_target
from hipflask.cli.discovery import prepare_import
from hipflask.cli.discovery import prepare_import_path
from hipflask.cli.discovery import split_import_path

WriteModule = Callable[[str, str], Path]  # the write_module fixture of tests/cli/conftest.py

TWO_APPS = """
from hipflask import Hipflask
first = Hipflask("first")
second = Hipflask("second")
"""


def _load(import_path: str | None) -> tuple[Hipflask, ScriptInfo]:
    info = ScriptInfo(app_import_path=import_path)
    return info.load_app(), info


def test_an_instance_named_app_is_found(write_module: WriteModule) -> None:
    write_module("hello.py", "from hipflask import Hipflask\napp = Hipflask('hello')\n")

    app, info = _load("hello")

    assert app.import_name == "hello"
    assert info.import_target == "hello:app"
    assert info.sys_path_entry == os.getcwd()


def test_an_instance_named_application_is_found(write_module: WriteModule) -> None:
    write_module("hello.py", "from hipflask import Hipflask\napplication = Hipflask('hello')\n")

    _app, info = _load("hello")

    assert info.import_target == "hello:application"


def test_app_wins_over_other_instances(write_module: WriteModule) -> None:
    write_module("hello.py", TWO_APPS + "app = Hipflask('main')\n")

    app, _info = _load("hello")

    assert app.import_name == "main"


def test_the_only_instance_is_found_under_any_name(write_module: WriteModule) -> None:
    write_module("hello.py", "from hipflask import Hipflask\nweb = Hipflask('web')\n")

    app, info = _load("hello")

    assert app.import_name == "web"
    assert info.import_target == "hello:web"


def test_several_instances_are_ambiguous_and_named(write_module: WriteModule) -> None:
    write_module("hello.py", TWO_APPS)

    with pytest.raises(NoAppException, match=r"several Hipflask applications.*\(first, second\)"):
        _load("hello")


def test_an_attribute_picks_one_of_several_instances(write_module: WriteModule) -> None:
    write_module("hello.py", TWO_APPS)

    app, info = _load("hello:second")

    assert app.import_name == "second"
    assert info.import_target == "hello:second"


@pytest.mark.parametrize("factory", ["create_app", "make_app"])
def test_a_factory_is_called_when_there_is_no_instance(
    write_module: WriteModule, factory: str
) -> None:
    write_module(
        "hello.py",
        f"from hipflask import Hipflask\ndef {factory}():\n    return Hipflask('built')\n",
    )

    app, info = _load("hello")

    assert app.import_name == "built"
    assert info.import_target == f"hello:{factory}()"


def test_a_factory_gets_literal_arguments(write_module: WriteModule) -> None:
    write_module(
        "hello.py",
        """
        from hipflask import Hipflask
        def create_app(name, *, debug=False, extra=None):
            app = Hipflask(name)
            app.config["SEEN"] = (debug, extra)
            return app
        """,
    )

    app, info = _load("""hello:create_app("dev", debug=True, extra=[1, {'a': None}])""")

    assert app.import_name == "dev"
    assert app.config["SEEN"] == (True, [1, {"a": None}])
    assert info.import_target == """hello:create_app("dev", debug=True, extra=[1, {'a': None}])"""


def test_factory_arguments_are_never_evaluated(write_module: WriteModule, tmp_path: Path) -> None:
    write_module(
        "hello.py",
        "from hipflask import Hipflask\ndef create_app(x):\n    return Hipflask('x')\n",
    )
    marker = tmp_path / "pwned"

    with pytest.raises(NoAppException, match="literal values"):
        _load(f"hello:create_app(open({str(marker)!r}, 'w'))")
    with pytest.raises(NoAppException, match="literal values"):
        _load("hello:create_app(**{'x': 1})")

    assert not marker.exists()


def test_a_factory_that_needs_arguments_says_how_to_pass_them(write_module: WriteModule) -> None:
    write_module(
        "hello.py",
        "from hipflask import Hipflask\ndef create_app(config):\n    return Hipflask('x')\n",
    )

    with pytest.raises(NoAppException, match=r"create_app.*cannot be called"):
        _load("hello")


def test_the_hint_for_factory_arguments_names_the_module_attribute(
    write_module: WriteModule,
) -> None:
    write_module(
        "hello.py",
        "from hipflask import Hipflask\n"
        "def build(config):\n    return Hipflask('x')\n"
        "create_app = build\n",
    )

    with pytest.raises(NoAppException) as caught:
        _load("hello")

    message = caught.value.format_message()
    assert "'create_app'" in message
    assert "--app 'hello:create_app(" in message
    assert "build" not in message


def test_a_type_error_inside_a_factory_is_not_mistaken_for_bad_arguments(
    write_module: WriteModule,
) -> None:
    write_module("hello.py", "def create_app():\n    return len(5)\n")

    with pytest.raises(TypeError, match="has no len"):
        _load("hello")


def test_a_factory_returning_something_else_is_refused(write_module: WriteModule) -> None:
    write_module("hello.py", "def create_app():\n    return 'not an app'\n")

    with pytest.raises(NoAppException, match="returned str, not a Hipflask"):
        _load("hello")


def test_an_attribute_that_is_not_an_app_is_refused(write_module: WriteModule) -> None:
    write_module("hello.py", "from hipflask import Hipflask\napp = Hipflask('a')\nname = 'x'\n")

    with pytest.raises(NoAppException, match="not obtained"):
        _load("hello:name")
    with pytest.raises(NoAppException, match="not a function"):
        _load("hello:name()")
    with pytest.raises(NoAppException, match="Failed to find attribute 'missing'"):
        _load("hello:missing")
    with pytest.raises(NoAppException, match="Failed to parse"):
        _load("hello:app.sub")


def test_call_parentheses_after_an_app_instance_are_ignored(write_module: WriteModule) -> None:
    # As in Flask, where FLASK_APP="hello:app()" loads the instance.
    write_module("hello.py", "from hipflask import Hipflask\napp = Hipflask('a')\n")

    app, info = _load("hello:app()")

    assert app.name == "a"
    assert info.import_target == "hello:app"


def test_a_module_without_any_app_is_reported(write_module: WriteModule) -> None:
    write_module("hello.py", "x = 1\n")

    with pytest.raises(NoAppException, match="Failed to find a Hipflask application"):
        _load("hello")


def test_a_missing_module_is_reported(project: Path) -> None:
    with pytest.raises(NoAppException, match="Could not import 'nowhere'"):
        _load("nowhere")


def test_an_import_error_inside_the_module_shows_its_traceback(
    write_module: WriteModule,
) -> None:
    write_module("hello.py", "import os\nimport not_installed_dependency\n")

    with pytest.raises(NoAppException) as caught:
        _load("hello")

    message = caught.value.format_message()
    assert "While importing 'hello'" in message
    assert "Traceback" in message
    assert 'hello.py", line 2' in message
    assert "No module named 'not_installed_dependency'" in message


def test_any_error_while_importing_shows_its_traceback(write_module: WriteModule) -> None:
    write_module("hello.py", "from hipflask import Hipflask\napp = Hipflask('a')\n1 / 0\n")

    with pytest.raises(NoAppException, match=r"(?s)hello.py\", line 3.*ZeroDivisionError"):
        _load("hello")


def test_a_file_path_in_a_package_imports_with_its_package_name(
    write_module: WriteModule, project: Path
) -> None:
    write_module("src/pkg/__init__.py", "")
    write_module("src/pkg/web.py", "from hipflask import Hipflask\napp = Hipflask(__name__)\n")

    app, info = _load("src/pkg/web.py")

    assert app.import_name == "pkg.web"
    assert info.import_target == "pkg.web:app"
    assert info.sys_path_entry == str(project / "src")
    assert sys.path[0] == str(project / "src")


def test_a_package_directory_path_is_imported(write_module: WriteModule, project: Path) -> None:
    write_module("src/shop/__init__.py", "from hipflask import Hipflask\napp = Hipflask('shop')\n")

    _app, info = _load("src/shop")

    assert info.import_target == "shop:app"


def test_wsgi_py_is_found_first_without_app_option(write_module: WriteModule) -> None:
    write_module("app.py", "from hipflask import Hipflask\napp = Hipflask('from_app_py')\n")
    write_module("wsgi.py", "from hipflask import Hipflask\napp = Hipflask('from_wsgi_py')\n")

    app, info = _load(None)

    assert app.import_name == "from_wsgi_py"
    assert info.import_target == "wsgi:app"


def test_app_py_is_found_without_app_option(write_module: WriteModule) -> None:
    write_module("app.py", "from hipflask import Hipflask\napplication = Hipflask('a')\n")

    _app, info = _load(None)

    assert info.import_target == "app:application"


def test_no_app_anywhere_says_how_to_name_one(project: Path) -> None:
    with pytest.raises(NoAppException, match="'hipflask --app' option or the 'HIPFLASK_APP'"):
        _load(None)


def test_create_app_callback_skips_discovery() -> None:
    app = Hipflask("given")
    info = ScriptInfo(create_app=lambda: app)

    assert info.load_app() is app
    assert info.load_app() is app
    assert info.import_target is None


def test_debug_from_the_environment_is_applied_to_the_loaded_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = Hipflask("given")
    app.debug = True
    assert ScriptInfo(create_app=lambda: app).load_app().debug is True

    monkeypatch.setenv("HIPFLASK_DEBUG", "0")
    assert ScriptInfo(create_app=lambda: app).load_app().debug is False

    monkeypatch.setenv("HIPFLASK_DEBUG", "1")
    assert ScriptInfo(create_app=lambda: app, set_debug_flag=False).load_app().debug is False
    assert ScriptInfo(create_app=lambda: app).load_app().debug is True


def test_load_target_finds_the_same_app_again(write_module: WriteModule, project: Path) -> None:
    write_module(
        "hello.py", "from hipflask import Hipflask\ndef create_app(n):\n    return Hipflask(n)\n"
    )
    _app, info = _load("hello:create_app('again')")
    assert info.import_target is not None

    reloaded = load_target(info.import_target, info.sys_path_entry)

    assert reloaded.import_name == "again"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("hello", ("hello", None)),
        ("hello:app", ("hello", "app")),
        ("hello:create_app('a:b')", ("hello", "create_app('a:b')")),
        ("C:\\src\\hello.py:app", ("C:\\src\\hello.py", "app")),
        ("C:/src/hello.py", ("C:/src/hello.py", None)),
        ("hello:", ("hello", None)),
    ],
)
def test_split_import_path(path: str, expected: tuple[str, str | None]) -> None:
    assert split_import_path(path) == expected


def test_a_dotted_name_is_imported_from_the_working_directory(project: Path) -> None:
    assert prepare_import_path("pkg.web") == ("pkg.web", str(project))
    assert prepare_import("pkg.web") == "pkg.web"


def test_a_path_object_is_a_file_path_as_in_flask(project: Path) -> None:
    # Flask reads it through os.path; tooling passes pathlib objects.
    (project / "src" / "pkg").mkdir(parents=True)
    (project / "src" / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (project / "src" / "pkg" / "web.py").write_text("", encoding="utf-8")

    assert prepare_import(project / "src" / "pkg" / "web.py") == "pkg.web"
    assert prepare_import(Path("src") / "pkg") == "pkg"
