"""Where the instance folder goes: beside a source checkout, or under the install prefix."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from hipflask import Hipflask
from hipflask.core.packages import find_package
from hipflask.core.packages import instance_path_for

APP_SOURCE = "from hipflask import Hipflask\napp = Hipflask(__name__)\n"


@pytest.fixture
def on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on ``sys.path``; modules imported from it are forgotten afterwards."""
    before = set(sys.modules)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in set(sys.modules) - before:
        if (getattr(sys.modules[name], "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]


def _write(path: Path, source: str = APP_SOURCE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))


def test_uninstalled_module_gets_instance_beside_it(on_path: Path) -> None:
    _write(on_path / "hello_mod.py")

    assert find_package("hello_mod") == (None, str(on_path))
    assert instance_path_for("hello_mod", "hello_mod") == str(on_path / "instance")


def test_uninstalled_package_gets_instance_in_the_project_not_the_package(
    on_path: Path,
) -> None:
    _write(on_path / "flaskr_pkg" / "__init__.py")

    path = instance_path_for("flaskr_pkg", "flaskr_pkg")

    assert path == str(on_path / "instance")


def test_uninstalled_namespace_package_uses_the_folder_holding_the_submodule(
    on_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path_factory.mktemp("other")
    (other / "ns_shared" / "unrelated").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(other))
    _write(on_path / "ns_shared" / "web" / "__init__.py")

    path = instance_path_for("ns_shared.web", "ns_shared.web")

    assert path == str(on_path / "instance")


@pytest.mark.parametrize(
    "site",
    ["lib/python3.12/site-packages", "Lib/site-packages", "site-packages"],
)
def test_installed_module_or_package_gets_prefix_var_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: str
) -> None:
    prefix = tmp_path / "prefix"
    packages = prefix / site
    _write(packages / "installed_mod.py")
    _write(packages / "installed_pkg" / "__init__.py")
    monkeypatch.syspath_prepend(str(packages))

    for name in ("installed_mod", "installed_pkg"):
        path = instance_path_for(name, name)

        assert path == str(prefix / "var" / f"{name}-instance")
        assert "site-packages" not in path


def test_package_inside_sys_prefix_gets_the_prefix_var_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    _write(tmp_path / "lib" / "prefix_pkg" / "__init__.py")
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))

    assert instance_path_for("prefix_pkg", "prefix_pkg") == str(
        tmp_path / "var" / "prefix_pkg-instance"
    )


def test_unknown_import_name_uses_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert find_package("no_such_module_here") == (None, str(tmp_path))


def test_secret_key_in_project_instance_config_is_loaded(
    on_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # flaskr's layout: the package beside instance/config.py holding the key.
    _write(
        on_path / "flaskr_app" / "__init__.py",
        """\
        from hipflask import Hipflask

        def create_app():
            app = Hipflask(__name__, instance_relative_config=True)
            app.config.from_mapping(SECRET_KEY="dev")
            app.config.from_pyfile("config.py", silent=True)
            return app
        """,
    )
    _write(on_path / "instance" / "config.py", "SECRET_KEY = 'from-the-instance-folder'\n")
    import importlib

    app: Hipflask = importlib.import_module("flaskr_app").create_app()

    assert app.instance_path == str(on_path / "instance")
    assert app.config["SECRET_KEY"] == "from-the-instance-folder"
