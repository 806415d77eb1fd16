"""Fixtures for command-line tests: throwaway app modules, and no state left behind.

The ``hipflask`` group marks the process as run from the command line and may
load dotenv files, both through :data:`os.environ`; app modules are imported
into :data:`sys.modules`. Every test here gets both restored, so one test's
app never answers another's command.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest

WriteModule = Callable[[str, str], Path]


@pytest.fixture(autouse=True)
def _isolated_process_state(tmp_path: Path) -> Iterator[None]:
    environ = dict(os.environ)
    path = list(sys.path)
    cwd = os.getcwd()
    for name in ("HIPFLASK_APP", "FLASK_APP", "HIPFLASK_DEBUG", "FLASK_DEBUG"):
        os.environ.pop(name, None)
    yield
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(environ)
    sys.path[:] = path
    root = str(tmp_path)
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(root):
            del sys.modules[name]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder that is the working directory and on ``sys.path``."""
    folder = tmp_path / "project"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.syspath_prepend(str(folder))
    return folder


@pytest.fixture
def write_module(project: Path) -> WriteModule:
    """Write ``source`` (dedented) to ``name`` inside the project folder."""

    def write(name: str, source: str) -> Path:
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return path

    return write
